"""The away message (A1): posted once in a conversation when a shopper writes while the chat is away.

Rule: one away message per conversation per away period. A period is one closed stretch of the hours, named by the
next opening ("closed:2026-12-07T07:00+00:00"), or, when the store is away only because nobody is signed in, the
stretch of hours it happens in (or the local day when there are no hours). So a shopper who writes five times on a
Saturday gets one away message; if they write again the next Saturday, they get another. The unique
(conversation, period) row in `away_notice` is written in the same transaction as the message, so two messages
racing in (or two processes) cannot post it twice.

The message is `kind: "auto"`, `author: "system"`, in the shopper's session (so the token that wrote sees it), in
the session's language; it is pushed like any other message (the bus), and staff see it in the thread. It does not
change the conversation's preview or unread state: the shopper's message is what staff need to see.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import AwayNotice, ChatSession, Customer, Message
from db.states import Author
from db.types import utcnow
from services.availability import (
    Availability,
    AvailabilitySettings,
    availability_at,
    away_message_for,
    load_settings,
)
from services.events import EventBus
from services.i18n import normalize
from services.messages import to_view
from services.presence import staff_on_duty
from services.saved_replies import STORE_DEFAULT_LANGUAGE
from services.store import get_store
from services.views import MessageView, SessionIds

AUTO_KIND = 'auto'
SETTINGS_FRESH_SECONDS = 5.0
"""How long one process reuses the settings it read (a change made in another process counts after this)."""
log = logging.getLogger('inbox.away')


@dataclass(frozen=True)
class _Read:
    settings: AvailabilitySettings
    time_zone: str
    staff_present: bool
    read_at: float


class AwayNotices:
    def __init__(self, *, database: Database, bus: EventBus) -> None:
        self.database = database
        self.bus = bus
        self.read: _Read | None = None

    def forget(self) -> None:
        """The settings changed in this process: read them again at the next message."""
        self.read = None

    def _fresh(self) -> _Read | None:
        read = self.read
        return read if read is not None and time.monotonic() - read.read_at <= SETTINGS_FRESH_SECONDS else None

    async def _availability(self, db: AsyncSession) -> Availability:
        now = utcnow()
        read = self._fresh()
        if read is None:
            settings = await load_settings(db)
            store = await get_store(db)
            present = await staff_on_duty(db, now=now) if settings.away_when_nobody else True
            read = self.read = _Read(settings, store.time_zone, present, time.monotonic())
        return availability_at(read.settings, read.time_zone, now, staff_present=read.staff_present)

    async def after_shopper_message(self, session: SessionIds, shopper_message: MessageView) -> MessageView | None:
        """Post the away message for this message's conversation when the chat is away and this period has none
        yet; returns it (None when nothing was posted)."""
        read = self._fresh()
        if read is not None and availability_at(read.settings, read.time_zone, utcnow(),
                                                staff_present=read.staff_present).available:
            return None  # the common case, decided without a database session (the shopper message hot path)
        async with self.database.sessions() as db:
            availability = await self._availability(db)
            if availability.available:
                return None
            posted = (await db.exec(select(AwayNotice.id).where(
                AwayNotice.conversation_id == session.conversation_id,
                AwayNotice.period == availability.period))).first()
            if posted is not None:
                return None
            assert self.read is not None
            body = away_message_for(self.read.settings, await _session_language(db, session))
            message = Message(conversation_id=session.conversation_id, session_id=session.id, author=Author.SYSTEM,
                              kind=AUTO_KIND, body=body, created_at=utcnow(),
                              payload={'auto': 'away', 'back_at': availability.back_at.isoformat()
                                       if availability.back_at else None})
            db.add(message)
            await db.flush()
            db.add(AwayNotice(conversation_id=session.conversation_id, period=availability.period,
                              message_id=message.id))
            try:
                await db.commit()
            except IntegrityError:  # posted by a message that raced in: that one stands
                await db.rollback()
                return None
            view = to_view(message)
        self.bus.message_created.emit(view)
        return view


async def _session_language(db: AsyncSession, session: SessionIds) -> str:
    chat_session = await db.get(ChatSession, session.id)
    found = normalize(chat_session.locale) if chat_session else None
    if found is None:
        customer = await db.get(Customer, session.customer_id)
        found = normalize(customer.locale) if customer else None
    return found or STORE_DEFAULT_LANGUAGE
