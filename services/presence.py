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
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation, Staff, StaffSeen
from db.types import utcnow
from services.events import EventBus
from services.permissions import Permission, has


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


STAFF_SEEN_WITHIN = timedelta(minutes=2)
"""A staff member counts as signed in while a staff page of theirs checked in this recently (A1's "away when nobody is
signed in"); open pages check in every INBOX staff guard interval (10 s), written at most once a minute."""
STAFF_SEEN_WRITE_EVERY = timedelta(minutes=1)


class StaffPresence:
    """Which staff have a staff page open, kept in the database so every process of a shop sees the same (X1)."""

    def __init__(self) -> None:
        self.written: dict[int, datetime] = {}  # staff id -> when this process last wrote their row

    async def seen(self, db: AsyncSession, staff_id: int, *, now: datetime | None = None) -> None:
        """A page of this staff member is open now; writes at most once per STAFF_SEEN_WRITE_EVERY."""
        now = now or utcnow()
        last = self.written.get(staff_id)
        if last is not None and now - last < STAFF_SEEN_WRITE_EVERY:
            return
        changed = await db.exec(update(StaffSeen).where(col(StaffSeen.staff_id) == staff_id).values(seen_at=now))
        if not changed.rowcount:
            db.add(StaffSeen(staff_id=staff_id, seen_at=now))
        try:
            await db.commit()
        except IntegrityError:  # another process wrote the first row just now: theirs is as recent
            await db.rollback()
        self.written[staff_id] = now


async def staff_on_duty(db: AsyncSession, *, now: datetime | None = None) -> bool:
    """Whether an active staff member who may answer chats (services/permissions.Permission.REPLY) had a staff page
    open within STAFF_SEEN_WITHIN."""
    now = now or utcnow()
    rows = await db.exec(select(Staff).join(StaffSeen, col(StaffSeen.staff_id) == Staff.id)
                         .where(col(StaffSeen.seen_at) >= now - STAFF_SEEN_WITHIN, col(Staff.active).is_(True)))
    return any(has(member, Permission.REPLY) for member in rows)
