"""The `?` overlay listing the inbox's keyboard shortcuts."""
from __future__ import annotations

from nicegui import ui

from services.i18n import _


def keyboard_help() -> ui.dialog:
    shortcuts = (('j / k', _('Next / previous conversation')), ('Enter', _('Open the conversation')),
                 ('e', _('Close or reopen')), ('a', _('Assign')), ('u', _('Mark as unread')),
                 ('/', _('Search')), ('?', _('Show this list')), ('Enter', _('Send (in the reply box)')),
                 ('Shift + Enter', _('New line (in the reply box)')),
                 ('Alt + N', _('Reply or internal note (in the reply box)')),
                 ('@', _('Mention a staff member (in a note)')))
    with ui.dialog() as dialog, ui.card().classes('w-[400px] max-w-[95vw] gap-1').mark('shortcuts'):
        ui.label(_('Keyboard shortcuts')).classes('text-lg font-semibold mb-2')
        for keys, meaning in shortcuts:
            with ui.row().classes('w-full justify-between items-center no-wrap'):
                ui.label(meaning).classes('text-sm text-stone-700')
                ui.label(keys).classes('text-xs font-mono bg-stone-100 rounded px-2 py-0.5')
        ui.button(_('Close'), on_click=dialog.close).props('flat no-caps').classes('self-end')
    return dialog
