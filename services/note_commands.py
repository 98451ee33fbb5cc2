"""Internal notes from the staff inbox (R2), one call each (the sibling of services/inbox_commands.py): write a note,
the staff the composer's `@` list offers, the viewer's unseen mentions and marking them seen on opening."""
from __future__ import annotations

from services import notes
from services.inbox_commands import acting
from services.notes import Mentionable
from services.permissions import Permission, require
from services.runtime import Runtime
from services.views import MessageView


class NoteCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def add_note(self, conversation_id: int, text: str) -> MessageView:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await notes.add_note(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id,
                                        body=text)

    async def mentionable(self) -> list[Mentionable]:
        """Who a note may name (active inbox staff), for the `@` list; the viewer needs REPLY to see it."""
        async with acting(self.runtime, self.staff_id) as (db, actor):
            require(actor, Permission.REPLY)
            return await notes.mentionable_staff(db=db)

    async def unseen_mentions(self) -> int:
        async with self.runtime.db.sessions() as db:
            return await notes.count_unseen_mentions(db=db, staff_id=self.staff_id)

    async def mark_seen(self, conversation_id: int) -> int:
        """The viewer opened the conversation: their mentions in its notes are seen."""
        async with acting(self.runtime, self.staff_id) as (db, actor):
            require(actor, Permission.REPLY)
            return await notes.mark_mentions_seen(db=db, bus=self.runtime.bus, staff_id=self.staff_id,
                                                  conversation_id=conversation_id)
