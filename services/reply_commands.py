"""Saved replies from the staff inbox (R1), one call each (the sibling of services/inbox_commands.py): the list the
composer's `/` picker shows and a reply's text filled in for the open conversation."""
from __future__ import annotations

from services import saved_replies
from services.inbox_commands import acting
from services.runtime import Runtime
from services.saved_replies import SavedReplyView


class ReplyCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def saved_replies(self) -> list[SavedReplyView]:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await saved_replies.list_replies(db=db, staff=actor)

    async def filled(self, reply_id: int, conversation_id: int) -> str:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            return await saved_replies.filled_reply(db=db, staff=actor, reply_id=reply_id,
                                                    conversation_id=conversation_id)
