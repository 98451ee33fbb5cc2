"""The staff command layer (DESIGN.md, "One door per action"): each staff action is one call that opens the
database session, loads the acting staff member, runs the service (which checks the permission, commits and
publishes) and returns what the UI shows. Components call these and show a ServiceError through
components/command_feedback.py; they never open database sessions themselves.

Moved here so far: the conversation commands (close/reopen, mark as unread, assign), the assignee picker's search,
the language choice and the customer note. The thread's sending and sharing flows, the list's reads and the share
dialogs still open their own sessions (issue 17's note says what is left).
"""
from __future__ import annotations

from typing import Literal

from db.models import Staff
from db.states import ConversationStatus
from services import conversations, customers
from services import staff as staff_service
from services.customers import CustomerProfile
from services.runtime import Runtime
from services.staff import get_active_staff
from services.views import ConversationRow


class InboxCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def row(self, conversation_id: int) -> ConversationRow:
        async with self.runtime.db.sessions() as db:
            return await conversations.get_row(db=db, conversation_id=conversation_id)

    async def toggle_status(self, conversation_id: int) -> Literal['open', 'closed']:
        """Close an open conversation, reopen a closed one; the status it has now."""
        async with self.runtime.db.sessions() as db:
            row = await conversations.get_row(db=db, conversation_id=conversation_id)
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
            target = ConversationStatus.CLOSED if row.status == ConversationStatus.OPEN else ConversationStatus.OPEN
            await conversations.set_status(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id,
                                           status=target)
        return 'closed' if target == ConversationStatus.CLOSED else 'open'

    async def mark_unread(self, conversation_id: int) -> None:
        async with self.runtime.db.sessions() as db:
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
            await conversations.mark_unread(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id)

    async def assign(self, conversation_id: int, assignee_id: int | None) -> None:
        """Assign to a staff member with the chat permission, or unassign with None."""
        async with self.runtime.db.sessions() as db:
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
            await conversations.assign(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id,
                                       assignee_id=assignee_id)

    async def assignable_staff(self, search: str = '') -> list[Staff]:
        async with self.runtime.db.sessions() as db:
            return list(await conversations.assignable_staff(db=db, search=search))

    async def set_language(self, language: str) -> None:
        async with self.runtime.db.sessions() as db:
            await staff_service.set_language(db=db, staff_id=self.staff_id, language=language)

    async def save_note(self, *, customer_id: int, text: str) -> CustomerProfile:
        async with self.runtime.db.sessions() as db:
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
            return await customers.save_note(db=db, staff=actor, customer_id=customer_id, text=text)
