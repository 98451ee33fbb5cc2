"""Presence (C2) as heartbeats with a time limit.

A shopper session is online while this process holds an open socket for it, or while its last
heartbeat is younger than the grace period. Open sockets refresh `last_seen_at` on every sweep,
so a closed tab, a crashed process or a lost network all end the same way: the heartbeat ages
past the grace period and the sweeper marks the session offline. A disconnect alone never does,
so reconnects and page-to-page navigation do not flicker.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation
from db.types import utcnow
from services.events import EventBus


class PresenceTracker:
    def __init__(self, *, grace_seconds: float, bus: EventBus) -> None:
        self.grace = timedelta(seconds=grace_seconds)
        self.bus = bus
        self.open_sockets: Counter[int] = Counter()

    @property
    def sweep_interval(self) -> float:
        return max(0.2, min(2.0, self.grace.total_seconds() / 4))

    async def socket_opened(self, db: AsyncSession, chat_session: ChatSession) -> None:
        assert chat_session.id is not None
        self.open_sockets[chat_session.id] += 1
        await self.heartbeat(db, chat_session)

    async def socket_closed(self, db: AsyncSession, session_id: int) -> None:
        """Start the grace period now; the sweeper decides when the shopper has left."""
        self.open_sockets[session_id] -= 1
        if self.open_sockets[session_id] <= 0:
            del self.open_sockets[session_id]
        await db.exec(update(ChatSession).where(col(ChatSession.id) == session_id)
                      .values(last_seen_at=utcnow()))
        await db.commit()

    async def heartbeat(self, db: AsyncSession, chat_session: ChatSession) -> None:
        """The shopper is on a store page now (socket opened or `presence: online`)."""
        chat_session.last_seen_at = utcnow()
        chat_session.online = True
        db.add(chat_session)
        conversation = await db.get(Conversation, chat_session.conversation_id)
        became_online = conversation is not None and not conversation.customer_online
        if conversation is not None and became_online:
            conversation.customer_online = True
            db.add(conversation)
        await db.commit()
        if became_online:
            self.bus.presence_changed.emit(chat_session.conversation_id, True)

    async def leaving(self, db: AsyncSession, chat_session: ChatSession) -> None:
        """`presence: offline` from a page that is closing: the grace period starts now."""
        chat_session.last_seen_at = utcnow()
        db.add(chat_session)
        await db.commit()

    async def sweep(self, db: AsyncSession, *, now: datetime | None = None) -> list[int]:
        """Refresh sessions with open sockets, expire the rest; return the conversations that went offline."""
        now = now or utcnow()
        if self.open_sockets:
            await db.exec(update(ChatSession)
                          .where(col(ChatSession.id).in_(list(self.open_sockets)))
                          .values(last_seen_at=now, online=True))
        expired = (await db.exec(select(ChatSession).where(
            col(ChatSession.online).is_(True), col(ChatSession.last_seen_at) < now - self.grace,
            col(ChatSession.id).not_in(list(self.open_sockets))))).all()
        touched: set[int] = set()
        for chat_session in expired:
            chat_session.online = False
            db.add(chat_session)
            touched.add(chat_session.conversation_id)
        await db.flush()
        went_offline: list[int] = []
        for conversation_id in sorted(touched):
            still_online = (await db.exec(select(ChatSession.id).where(
                ChatSession.conversation_id == conversation_id, col(ChatSession.online).is_(True)).limit(1))).first()
            if still_online is None:
                conversation = await db.get(Conversation, conversation_id)
                if conversation is not None and conversation.customer_online:
                    conversation.customer_online = False
                    db.add(conversation)
                    went_offline.append(conversation_id)
        await db.commit()
        for conversation_id in went_offline:
            self.bus.presence_changed.emit(conversation_id, False)
        return went_offline
