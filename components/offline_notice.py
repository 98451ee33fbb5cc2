"""C2: when the shopper has left the store, the bar above the composer says the reply goes out by e-mail, and to
which address."""
from __future__ import annotations

from nicegui import ui

from services.i18n import _
from services.views import ConversationRow


class OfflineNotice:
    def __init__(self) -> None:
        self.root = ui.row().classes('w-full items-center gap-2 px-4 py-2 bg-amber-50 text-amber-900 text-sm '
                                     'border-t border-amber-200 no-wrap')

    def show(self, row: ConversationRow | None) -> None:
        """Shown for a chat conversation whose shopper is offline; hidden otherwise (and with None)."""
        self.root.clear()
        shown = row is not None and not row.online and row.channel == 'chat'
        self.root.set_visibility(shown)
        if shown and row is not None:
            with self.root:
                ui.icon('mail_outline').classes('shrink-0')
                ui.label(_('{name} has left the store. Your reply will be sent by e-mail to {email}, the address '
                           'they gave when the chat started.', name=row.shown_name,
                           email=row.session_email)).mark('offline-notice')
