"""Staff typing in the reply box (R3), the sibling of services/inbox_commands.py: the chat permission is checked,
then the frame goes to the in-memory tracker (services/typing_status.py), which passes on at most one a second."""
from __future__ import annotations

from services.inbox_commands import acting
from services.messages import require_chat_permission
from services.runtime import Runtime


class TypingCommands:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def staff_typing(self, conversation_id: int, typing: bool) -> None:
        """This member is typing (or stopped) in this conversation; the shopper's page shows "typing…"."""
        if typing and self.runtime.typing.is_throttled(conversation_id, 'staff'):
            self.runtime.typing.typed(conversation_id, 'staff', True)  # only refreshes the time: no read needed
            return
        async with acting(self.runtime, self.staff_id) as (_db, actor):
            require_chat_permission(actor)
        self.runtime.typing.typed(conversation_id, 'staff', typing)
