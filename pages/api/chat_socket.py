"""Live delivery to shoppers (C5): one queue per open socket, fed from the event bus."""
from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from services.messages import is_visible_to_session
from services.views import MessageView

QUEUE_SIZE = 500
MAX_PER_SESSION = 5
"""Open sockets per chat session (a shopper with a few tabs); more are refused with close code 4429."""
MAX_PER_ADDRESS = 100
"""Open sockets per client address (a household or an office shares one)."""


@dataclass(eq=False)
class ShopperSocket:
    session_id: int
    conversation_id: int
    verified: bool
    address: str = ''
    queue: asyncio.Queue[dict[str, Any] | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    close_with: tuple[int, str] = (4408, 'too slow; reconnect and fetch')
    """How the socket is closed when its queue ends (None): too slow by default, 4403 once its sender is blocked."""


class SocketHub:
    def __init__(self) -> None:
        self._by_conversation: dict[int, set[ShopperSocket]] = defaultdict(set)
        self._per_session: Counter[int] = Counter()
        self._per_address: Counter[str] = Counter()

    def admits(self, socket: ShopperSocket) -> bool:
        return (self._per_session[socket.session_id] < MAX_PER_SESSION
                and self._per_address[socket.address] < MAX_PER_ADDRESS)

    def register(self, socket: ShopperSocket) -> None:
        sockets = self._by_conversation[socket.conversation_id]
        if socket not in sockets:
            sockets.add(socket)
            self._per_session[socket.session_id] += 1
            self._per_address[socket.address] += 1

    def unregister(self, socket: ShopperSocket) -> None:
        sockets = self._by_conversation.get(socket.conversation_id)
        if sockets is not None and socket in sockets:
            sockets.discard(socket)
            _decrement(self._per_session, socket.session_id)
            _decrement(self._per_address, socket.address)
            if not sockets:
                del self._by_conversation[socket.conversation_id]

    def mark_verified(self, session_id: int) -> None:
        """The session proved its e-mail: its open sockets get every message of the conversation from now on."""
        for sockets in self._by_conversation.values():
            for socket in sockets:
                if socket.session_id == session_id:
                    socket.verified = True

    @property
    def open_count(self) -> int:
        return sum(len(s) for s in self._by_conversation.values())

    def deliver(self, view: MessageView) -> None:
        """Push a new message to every socket allowed to see it; a socket too slow to keep up is dropped
        (its page reconnects and fetches what it missed)."""
        for socket in list(self._by_conversation.get(view.conversation_id, ())):
            if not is_visible_to_session(view, session_id=socket.session_id, conversation_id=socket.conversation_id,
                                         verified=socket.verified):
                continue
            try:
                socket.queue.put_nowait({'type': 'message', 'message': view.to_api()})
            except asyncio.QueueFull:
                self.unregister(socket)
                socket.queue = asyncio.Queue(1)
                socket.queue.put_nowait(None)

    def sender_blocked(self, conversation_id: int) -> None:
        """R4: staff blocked this conversation's sender: close its open sockets now with 4403 (what is queued before
        is still sent), not only refuse their next message."""
        for socket in list(self._by_conversation.get(conversation_id, ())):
            self.unregister(socket)
            socket.close_with = (4403, 'sender_blocked')
            try:
                socket.queue.put_nowait(None)
            except asyncio.QueueFull:
                socket.queue = asyncio.Queue(1)
                socket.queue.put_nowait(None)

    def typing_changed(self, conversation_id: int, side: str, typing: bool) -> None:
        """Staff started or stopped typing (R3): tell the conversation's open sockets; a full queue skips it (it
        is only a hint, and the socket is dropped by the next message anyway)."""
        if side != 'staff':
            return
        for socket in list(self._by_conversation.get(conversation_id, ())):
            with contextlib.suppress(asyncio.QueueFull):
                socket.queue.put_nowait({'type': 'typing', 'typing': typing})


def _decrement(counter: Counter[Any], key: Any) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
