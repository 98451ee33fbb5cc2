"""Message rules (C1, C4) on a real SQLite file."""
from __future__ import annotations

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, EmailOutbox
from services.chat_sessions import SessionCreate, create_session
from services.errors import Invalid, PermissionDenied, TooLarge
from services.events import EventBus
from services.messages import list_for_session, list_thread, send_staff_reply
from services.presence import PresenceTracker
from tests.conftest import add_staff
from tests.shoppers import shopper_writes


async def test_customer_message_marks_conversation_unread_and_publishes_after_commit(db: AsyncSession) -> None:
    bus = EventBus()
    seen: list[str] = []
    bus.message_created.subscribe(lambda view: seen.append(view.body))
    created = await create_session(db=db, session_in=SessionCreate(email='c@example.com', name='Cleo'))
    received = await shopper_writes(db, created.session, 'Where is my order?', bus=bus, client_msg_id='1')
    assert received.created and seen == ['Where is my order?']
    conversation = await db.get(Conversation, created.session.conversation_id)
    assert conversation is not None
    assert conversation.unread and conversation.last_message_preview == 'Where is my order?'


async def test_new_customer_message_reopens_a_closed_conversation(db: AsyncSession) -> None:
    created = await create_session(db=db, session_in=SessionCreate(email='r@example.com'))
    conversation = await db.get(Conversation, created.session.conversation_id)
    assert conversation is not None
    conversation.status = 'closed'
    db.add(conversation)
    await db.commit()
    await shopper_writes(db, created.session, 'One more thing', client_msg_id='2')
    await db.refresh(conversation)
    assert conversation.status == 'open'


async def test_reply_goes_by_chat_when_customer_is_online(db: AsyncSession) -> None:
    bus = EventBus()
    staff = await add_staff(db)
    created = await create_session(db=db, session_in=SessionCreate(email='on@example.com'))
    await PresenceTracker(grace_seconds=30, bus=bus).heartbeat(db, created.session)
    view = await send_staff_reply(db=db, bus=bus, staff=staff, conversation_id=created.session.conversation_id,
                                  body='Hello!')
    assert view.delivery == 'chat'
    assert (await db.exec(select(EmailOutbox))).all() == []


async def test_reply_is_queued_for_email_when_customer_is_offline(db: AsyncSession) -> None:
    staff = await add_staff(db)
    created = await create_session(db=db, session_in=SessionCreate(email='Off@Example.com'))
    view = await send_staff_reply(db=db, bus=EventBus(), staff=staff, conversation_id=created.session.conversation_id,
                                  body='We will get back to you.')
    assert view.delivery == 'email_pending'
    outbox = (await db.exec(select(EmailOutbox))).one()
    assert outbox.to_address == 'off@example.com' and outbox.message_id == view.id


async def test_staff_without_chat_permission_cannot_reply(db: AsyncSession) -> None:
    staff = await add_staff(db, email='ben@example.com', can_chat=False)
    created = await create_session(db=db, session_in=SessionCreate(email='x@example.com'))
    with pytest.raises(PermissionDenied):
        await send_staff_reply(db=db, bus=EventBus(), staff=staff, conversation_id=created.session.conversation_id,
                               body='Hi')


async def test_bodies_are_trimmed_and_bounded(db: AsyncSession) -> None:
    created = await create_session(db=db, session_in=SessionCreate(email='b@example.com'))
    with pytest.raises(Invalid):
        await shopper_writes(db, created.session, ' \n\t ', client_msg_id='1')
    with pytest.raises(TooLarge):
        await shopper_writes(db, created.session, 'a' * 5001, client_msg_id='2')


async def test_staff_reply_belongs_to_the_session_that_wrote_last(db: AsyncSession) -> None:
    staff = await add_staff(db)
    first = await create_session(db=db, session_in=SessionCreate(email='two@example.com'))
    second = await create_session(db=db, session_in=SessionCreate(email='two@example.com'))
    await shopper_writes(db, first.session, 'from the phone', client_msg_id='1')
    await send_staff_reply(db=db, bus=EventBus(), staff=staff, conversation_id=first.session.conversation_id,
                           body='answer for the phone')
    assert [m.body for m in await list_for_session(db=db, chat_session=first.session)] == [
        'from the phone', 'answer for the phone']
    assert await list_for_session(db=db, chat_session=second.session) == []
    assert [m.body for m in await list_thread(db=db, conversation_id=first.session.conversation_id)] == [
        'from the phone', 'answer for the phone']
