"""The commands staff run on a conversation from the list, the thread header or the keyboard."""
from __future__ import annotations

from nicegui import ui

from components.staff_picker import UNASSIGN, StaffPicker
from services import conversations
from services.errors import ServiceError
from services.i18n import _
from services.runtime import Runtime
from services.staff import get_active_staff


class ConversationActions:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def toggle_status(self, conversation_id: int) -> None:
        try:
            async with self.runtime.db.sessions() as db:
                row = await conversations.get_row(db=db, conversation_id=conversation_id)
                staff = await get_active_staff(db=db, staff_id=self.staff_id)
                target = 'closed' if row.status == 'open' else 'open'
                await conversations.set_status(db=db, bus=self.runtime.bus, staff=staff,
                                               conversation_id=conversation_id, status=target)
        except ServiceError as error:
            ui.notify(error.message, type='negative')
            return
        ui.notify(_('Conversation closed') if target == 'closed' else _('Conversation reopened'))

    async def mark_unread(self, conversation_id: int) -> None:
        try:
            async with self.runtime.db.sessions() as db:
                staff = await get_active_staff(db=db, staff_id=self.staff_id)
                await conversations.mark_unread(db=db, bus=self.runtime.bus, staff=staff,
                                                conversation_id=conversation_id)
        except ServiceError as error:
            ui.notify(error.message, type='negative')
            return
        ui.notify(_('Marked as unread'))

    async def unassign(self, conversation_id: int) -> None:
        await self._assign_to(conversation_id, None)

    async def assign(self, conversation_id: int) -> None:
        async with self.runtime.db.sessions() as db:
            row = await conversations.get_row(db=db, conversation_id=conversation_id)
        picker = StaffPicker(self.runtime, current_assignee_id=row.assignee_id)
        await picker.load()
        choice = await picker
        picker.delete()
        if choice is not None:
            await self._assign_to(conversation_id, None if choice == UNASSIGN else int(choice))

    async def _assign_to(self, conversation_id: int, assignee_id: int | None) -> None:
        try:
            async with self.runtime.db.sessions() as db:
                staff = await get_active_staff(db=db, staff_id=self.staff_id)
                await conversations.assign(db=db, bus=self.runtime.bus, staff=staff, conversation_id=conversation_id,
                                           assignee_id=assignee_id)
        except ServiceError as error:
            ui.notify(error.message, type='negative')
