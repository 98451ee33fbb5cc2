"""The event bus (DESIGN.md): typed events, emitted by services after commit.

One bus per running app (not module globals), so every test app gets its own subscribers. On one process that is
all; with several processes on one PostgreSQL database (SPEC X1) a relay (services/event_relay.py) sends each event
to the other processes, carrying ids only, and emits what they send with `emit_here` after re-reading it. A
subscriber that must act once per event in the whole shop (the tagger) skips those: `from_another_process()`.
"""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, ParamSpec

from nicegui import Event

from services.views import MessageView

P = ParamSpec('P')
Relay = Callable[[str, tuple[Any, ...]], None]
_RELAYED: ContextVar[bool] = ContextVar('relayed_from_another_process', default=False)


def from_another_process() -> bool:
    """True while subscribers run for an event another process emitted (and already acted on)."""
    return _RELAYED.get()


class RelayedEvent(Event[P]):
    def __init__(self, name: str, bus: EventBus) -> None:
        super().__init__()
        self.name = name
        self.bus = bus

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        super().emit(*args, **kwargs)
        if self.bus.relay is not None:
            self.bus.relay(self.name, args)

    def emit_here(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """What another process emitted: this process's subscribers only, never sent back out."""
        token = _RELAYED.set(True)
        try:
            super().emit(*args, **kwargs)
        finally:
            _RELAYED.reset(token)


class EventBus:
    def __init__(self) -> None:
        self.relay: Relay | None = None
        """Sends each emitted event to the other processes (services/event_relay.py); None on one process."""
        self.message_created: RelayedEvent[MessageView] = RelayedEvent('message_created', self)
        """A message (any kind) was stored in a conversation."""
        self.message_updated: RelayedEvent[MessageView] = RelayedEvent('message_updated', self)
        """A stored message changed (its e-mail delivery state: pending, e-mailed, failed, given up, saved)."""
        self.conversation_changed: RelayedEvent[int] = RelayedEvent('conversation_changed', self)
        """A conversation's list row changed (status, unread, preview, assignee, topics)."""
        self.presence_changed: RelayedEvent[int, bool] = RelayedEvent('presence_changed', self)
        """(conversation_id, online): the shopper came or went."""
        self.cart_changed: RelayedEvent[int] = RelayedEvent('cart_changed', self)
        """conversation_id: the shopper's cart, discount code or orders changed."""
        self.staff_access_changed: RelayedEvent[int] = RelayedEvent('staff_access_changed', self)
        """staff_id: deactivated, password reset or changed, other browsers signed out: their open pages end now."""
        self.mentions_seen: RelayedEvent[int] = RelayedEvent('mentions_seen', self)
        """staff_id: this member opened a conversation whose notes named them (R2): their @ badge changes."""
        self.sender_blocked: RelayedEvent[int] = RelayedEvent('sender_blocked', self)
        """conversation_id: staff blocked its sender (R4); the shopper's open sockets close with 4403."""
        self.typing_changed: RelayedEvent[int, str, bool] = RelayedEvent('typing_changed', self)
        """(conversation_id, side, typing): the shopper ('shopper') or staff ('staff') started or stopped typing
        (R3, services/typing_status.py); never stored."""

    def publish_message(self, view: MessageView) -> None:
        """A message was committed: the message itself, then its conversation's list row."""
        self.message_created.emit(view)
        self.conversation_changed.emit(view.conversation_id)
