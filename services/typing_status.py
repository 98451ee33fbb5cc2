"""Typing indicators (R3): who is typing in which conversation, kept only in memory and never written to the database.

A frame `typing: true` (from the shopper's page, or from a staff member's reply box) is remembered with the time it
came; the bus hears `typing_changed(conversation_id, side, True)` for the first frame and then at most once a
`THROTTLE_SECONDS` while frames keep coming, so a fast typist costs one event a second. `typing: false`, a stored
message from that side, or `EXPIRY_SECONDS` without a frame (checked by `expire`, which the app runs every half
second) end it with `typing_changed(..., False)`. On several processes the bus relays these events like any other
(services/event_relay.py: a NOTIFY payload of ids and a flag, no row); the state itself belongs to the process
that received the frames, whose `expire` sends the `False`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from services.events import EventBus
from services.views import MessageView

Side = Literal['shopper', 'staff']
SIDES: tuple[Side, ...] = ('shopper', 'staff')
EXPIRY_SECONDS = 4.0
"""'typing…' goes this long after the last frame."""
THROTTLE_SECONDS = 1.0
"""At most one `typing_changed(..., True)` per conversation and side in this time."""
MAX_TYPING = 100_000
"""Conversations typed in at once that are remembered; beyond it the oldest are forgotten (a flood, not a shop)."""


class TypingTracker:
    def __init__(self, *, bus: EventBus, clock: Callable[[], float] = time.monotonic,
                 expiry_seconds: float = EXPIRY_SECONDS, throttle_seconds: float = THROTTLE_SECONDS) -> None:
        self.bus = bus
        self.clock = clock
        self.expiry = expiry_seconds
        self.throttle = throttle_seconds
        self._last_frame: dict[tuple[int, Side], float] = {}
        self._last_sent: dict[tuple[int, Side], float] = {}

    def typed(self, conversation_id: int, side: Side, typing: bool) -> bool:
        """One frame from `side` in this conversation; True when it was passed on to the bus."""
        key = (conversation_id, side)
        if not typing:
            return self._stop(key)
        now = self.clock()
        self._last_frame[key] = now
        last = self._last_sent.get(key)
        if last is not None and now - last < self.throttle:
            return False
        if len(self._last_sent) >= MAX_TYPING and key not in self._last_sent:
            self._forget_oldest()
        self._last_sent[key] = now
        self.bus.typing_changed.emit(conversation_id, side, True)
        return True

    def is_throttled(self, conversation_id: int, side: Side) -> bool:
        """A `typing: true` now would only refresh the time, not reach the bus."""
        last = self._last_sent.get((conversation_id, side))
        return last is not None and self.clock() - last < self.throttle

    def is_typing(self, conversation_id: int, side: Side) -> bool:
        last = self._last_frame.get((conversation_id, side))
        return last is not None and self.clock() - last < self.expiry

    def expire(self) -> list[tuple[int, Side]]:
        """End every indicator whose last frame is `EXPIRY_SECONDS` old; return which ended."""
        now = self.clock()
        ended = [key for key, last in self._last_frame.items() if now - last >= self.expiry]
        for key in ended:
            self._stop(key)
        return ended

    def message_stored(self, view: MessageView) -> None:
        """A message ends its author's 'typing…' (bus listener for message_created)."""
        if view.author == 'customer':
            self._stop((view.conversation_id, 'shopper'))
        elif view.author == 'staff':
            self._stop((view.conversation_id, 'staff'))

    def _stop(self, key: tuple[int, Side]) -> bool:
        self._last_sent.pop(key, None)
        if self._last_frame.pop(key, None) is None:
            return False
        self.bus.typing_changed.emit(key[0], key[1], False)
        return True

    def _forget_oldest(self) -> None:
        for key in sorted(self._last_frame, key=self._last_frame.__getitem__)[:len(self._last_frame) // 10 + 1]:
            self._last_frame.pop(key, None)
            self._last_sent.pop(key, None)
