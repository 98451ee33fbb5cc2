"""Webhook events (W1): one `webhook_delivery` row per subscribed endpoint, written where the event happens.

Where each event's rows are written, so that an event is delivered once from the whole shop, whichever process
(SPEC X1) stored it, and never again by a process the event was only relayed to (services/event_relay.py):

- in the same transaction as the event's data (`record_event` before the service's commit; nothing is lost and a
  rolled-back change sends nothing): `conversation.created` (services/chat_sessions.py),
  `conversation.status_changed` and `conversation.assigned` (services/conversations.py), `cart.changed`
  (services/carts.py) and `order.created` (services/orders.py);
- from the local bus listener (`MessageEvents`, right after the commit, skipping relayed events with
  `from_another_process()`): `message.created`, because shopper messages on SQLite are stored by the group writer
  in its own thread with plain SQL (services/message_writer.py). A process that dies between a message's commit and
  the listener's write loses that message's webhook (the message itself is kept).

Internal notes (kind `note`) are never an event; neither are cart lines (`cart_event`, sent as `cart.changed`) nor
system lines (`event`, sent as the status and assignment events). `rating.created` waits for ratings (K2):
`record_event(db, 'rating.created', ...)` in the rating's transaction is all it will take.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, Staff, WebhookDelivery, WebhookEndpoint
from db.types import utcnow
from services.events import from_another_process
from services.i18n import _
from services.permissions import Permission, require
from services.views import MessageView
from services.webhooks import PING, endpoint_row

log = logging.getLogger('inbox.webhooks')
MESSAGE_KINDS = frozenset({'text', 'products', 'discount', 'image'})
"""The kinds of message that are a `message.created` event; a `note` never is."""
QUEUE_LIMIT = 10_000


def new_event_id() -> str:
    return 'evt_' + secrets.token_hex(12)


async def record_event(db: AsyncSession, event_type: str, data: dict[str, Any], *,
                       now: datetime | None = None) -> int:
    """Add this event's delivery rows for every active endpoint that chose it, in the caller's transaction (no
    commit). Returns how many."""
    endpoints = (await db.exec(select(WebhookEndpoint.id, WebhookEndpoint.events)
                               .where(col(WebhookEndpoint.active).is_(True)))).all()
    chosen = [endpoint_id for endpoint_id, events in endpoints if event_type in events.split()]
    if not chosen:
        return 0
    event_id, at, conversation_id = new_event_id(), now or utcnow(), conversation_of(data)
    for endpoint_id in chosen:
        assert endpoint_id is not None
        db.add(WebhookDelivery(endpoint_id=endpoint_id, event_id=event_id, type=event_type, payload=data,
                               conversation_id=conversation_id, created_at=at, next_attempt_at=at))
    return len(chosen)


def conversation_of(data: dict[str, Any]) -> int | None:
    """The conversation an event's data is about, kept on its rows so that erasing the customer finds them."""
    conversation, message = data.get('conversation'), data.get('message')
    for value in (data.get('conversation_id'), conversation.get('id') if isinstance(conversation, dict) else None,
                  message.get('conversation_id') if isinstance(message, dict) else None):
        if isinstance(value, int):
            return value
    return None


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    return {'conversation': {'id': conversation.id, 'customer_id': conversation.customer_id,
                             'channel': conversation.channel, 'status': conversation.status,
                             'started_at': conversation.started_at.isoformat()}}


def message_data(view: MessageView) -> dict[str, Any] | None:
    """`message.created`'s data, or None for a message that is no event (a note above all)."""
    if view.kind == 'note' or view.kind not in MESSAGE_KINDS or view.author not in ('customer', 'staff'):
        return None
    return {'message': view.to_api()}


async def send_test(*, db: AsyncSession, staff: Staff | None, endpoint_id: int) -> str:
    """"Send test": a `ping` event to this endpoint only, whatever it chose. Returns the event's id."""
    require(staff, Permission.MANAGE_STAFF)
    row = await endpoint_row(db, endpoint_id)
    event_id, now = new_event_id(), utcnow()
    db.add(WebhookDelivery(endpoint_id=endpoint_id, event_id=event_id, type=PING, created_at=now, next_attempt_at=now,
                           payload={'endpoint_id': endpoint_id, 'url': row.url,
                                    'message': _('A test event from the inbox.')}))
    await db.commit()
    return event_id


class MessageEvents:
    """`message.created` rows from this process's bus (see the module's note): `message_created` only queues; one
    task writes what is queued in one transaction per batch, then calls `written` (the sender's wake-up)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, written: Callable[[], None]) -> None:
        self.sessions = sessions
        self.written = written
        self.queue: asyncio.Queue[tuple[dict[str, Any], datetime]] = asyncio.Queue(QUEUE_LIMIT)

    def message_created(self, view: MessageView) -> None:
        if from_another_process():
            return  # the process that stored it writes its rows
        data = message_data(view)
        if data is None:
            return
        try:
            self.queue.put_nowait((data, view.created_at))
        except asyncio.QueueFull:
            log.warning('webhook queue full: message %s is not sent to webhooks', view.id)

    async def write_queued(self) -> int:
        """Write everything queued now (tests call this; `run_forever` calls it whenever something is queued)."""
        batch = []
        while not self.queue.empty():
            batch.append(self.queue.get_nowait())
        if not batch:
            return 0
        async with self.sessions() as db:
            count = 0
            for data, at in batch:
                count += await record_event(db, 'message.created', data, now=at)
            if count:
                await db.commit()
        if count:
            self.written()
        return count

    async def run_forever(self) -> None:
        while True:
            first = await self.queue.get()
            self.queue.put_nowait(first)  # never full here: one was just taken
            try:
                await self.write_queued()
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad batch must not end webhooks for good
                log.exception('writing webhook events failed')
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(1.0)
