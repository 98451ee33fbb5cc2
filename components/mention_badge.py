"""R2: the header's "@ N" badge: conversations whose notes name the viewer and that they have not opened since. It
re-reads the count when a note names them and when they saw mentions (in any of their tabs, in any process: the
bus's `mentions_seen`); a click shows the list's Mentioned view."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from components.badges import aria
from services.i18n import _
from services.note_commands import NoteCommands
from services.notes import mentions_of
from services.views import MessageView


class MentionBadge:
    def __init__(self, notes: NoteCommands, *, on_click: Callable[[], Awaitable[None]]) -> None:
        self.notes = notes
        self.count: int | None = None
        self.button = ui.button('', icon='alternate_email', on_click=on_click).props(
            'flat dense no-caps rounded color=amber-10 padding="0 8px"').classes(
            'bg-amber-100 text-xs font-semibold').mark('mention-count')
        aria(self.button, _('Unseen mentions')).tooltip(_('Notes that mention you'))
        self.button.set_visibility(False)

    async def refresh(self) -> None:
        count = await self.notes.unseen_mentions()
        if count == self.count or self.button.is_deleted:
            return
        self.count = count
        self.button.set_text(str(count))
        self.button.set_visibility(count > 0)

    async def message_created(self, view: MessageView) -> None:
        if self.notes.staff_id in mentions_of(view):
            await self.refresh()

    async def mentions_seen(self, staff_id: int) -> None:
        if staff_id == self.notes.staff_id:
            await self.refresh()
