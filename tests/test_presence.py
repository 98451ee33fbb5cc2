"""Presence (C2) as heartbeats with a grace period, on a real SQLite file."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation
from db.types import utcnow
from services.chat_sessions import SessionCreate, create_session
from services.events import EventBus
from services.presence import PresenceTracker


async def test_heartbeat_marks_the_conversation_online_and_the_sweeper_expires_it(db: AsyncSession) -> None:
    bus = EventBus()
    changes: list[tuple[int, bool]] = []
    bus.presence_changed.subscribe(lambda cid, online: changes.append((cid, online)))
    tracker = PresenceTracker(grace_seconds=30, bus=bus)
    created = await create_session(db=db, session_in=SessionCreate(email='p@example.com'))
    await tracker.heartbeat(db, created.session)
    conversation = await db.get(Conversation, created.session.conversation_id)
    assert conversation is not None and conversation.customer_online

    assert await tracker.sweep(db, now=utcnow() + timedelta(seconds=29)) == []
    went = await tracker.sweep(db, now=utcnow() + timedelta(seconds=31))
    assert went == [created.session.conversation_id]
    await db.refresh(conversation)
    assert not conversation.customer_online


async def test_an_open_socket_keeps_the_shopper_online_past_the_grace_period(db: AsyncSession) -> None:
    tracker = PresenceTracker(grace_seconds=30, bus=EventBus())
    created = await create_session(db=db, session_in=SessionCreate(email='s@example.com'))
    await tracker.socket_opened(db, created.session)
    assert await tracker.sweep(db, now=utcnow() + timedelta(minutes=10)) == []
    await tracker.socket_closed(db, created.session.id)
    assert await tracker.sweep(db, now=utcnow() + timedelta(seconds=5)) == []
    assert await tracker.sweep(db, now=utcnow() + timedelta(seconds=31)) == [created.session.conversation_id]


async def test_a_second_device_keeps_the_conversation_online(db: AsyncSession) -> None:
    tracker = PresenceTracker(grace_seconds=30, bus=EventBus())
    phone = await create_session(db=db, session_in=SessionCreate(email='two@example.com'))
    laptop = await create_session(db=db, session_in=SessionCreate(email='two@example.com'))
    await tracker.heartbeat(db, phone.session)
    await tracker.socket_opened(db, laptop.session)
    assert await tracker.sweep(db, now=utcnow() + timedelta(seconds=60)) == []
    conversation = await db.get(Conversation, phone.session.conversation_id)
    assert conversation is not None and conversation.customer_online


async def test_leaving_starts_the_grace_period_instead_of_ending_presence_at_once(db: AsyncSession) -> None:
    tracker = PresenceTracker(grace_seconds=30, bus=EventBus())
    created = await create_session(db=db, session_in=SessionCreate(email='l@example.com'))
    await tracker.heartbeat(db, created.session)
    await tracker.leaving(db, created.session)
    assert await tracker.sweep(db, now=utcnow() + timedelta(seconds=2)) == []
    assert await tracker.sweep(db, now=utcnow() + timedelta(seconds=31)) == [created.session.conversation_id]
