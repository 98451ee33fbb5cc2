"""The in-process event bus (DESIGN.md): typed events, emitted by services after commit.

One bus per running app (not module globals), so every test app gets its own subscribers and a
PostgreSQL LISTEN/NOTIFY bus could replace it with the same surface.
"""
from __future__ import annotations

from nicegui import Event

from services.views import MessageView


class EventBus:
    def __init__(self) -> None:
        self.message_created: Event[MessageView] = Event()
        """A message (any kind) was stored in a conversation."""
        self.message_updated: Event[MessageView] = Event()
        """A stored message changed (its e-mail delivery state: pending, e-mailed, failed, given up, saved)."""
        self.conversation_changed: Event[int] = Event()
        """A conversation's list row changed (status, unread, preview, assignee, topics)."""
        self.presence_changed: Event[int, bool] = Event()
        """(conversation_id, online): the shopper came or went."""
        self.cart_changed: Event[int] = Event()
        """conversation_id: the shopper's cart, discount code or orders changed."""

    def publish_message(self, view: MessageView) -> None:
        """A message was committed: the message itself, then its conversation's list row."""
        self.message_created.emit(view)
        self.conversation_changed.emit(view.conversation_id)
