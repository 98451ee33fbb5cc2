"""K1's per-conversation columns (services/report_columns.py): the write paths keep what migration 0024's backfill
(db/report_backfill.py) computes from the messages, so Reports read conversation rows only."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, ConversationStaff
from db.report_backfill import backfill_statements
from db.states import ConversationStatus
from services import conversations
from services.chat_sessions import SessionCreate, create_session
from services.events import EventBus
from services.message_store import write_customer_text
from services.messages import send_staff_reply
from tests.conftest import add_staff

COLUMNS = ('first_customer_at', 'staff_replied', 'first_response_seconds', 'first_responder_id', 'close_seconds')


async def columns_of(db: AsyncSession, conversation_id: int) -> tuple[Any, ...]:
    conversation = await db.get(Conversation, conversation_id)
    assert conversation is not None
    await db.refresh(conversation)
    return tuple(getattr(conversation, name) for name in COLUMNS)


async def replies_per_staff(db: AsyncSession, conversation_id: int) -> dict[int, int]:
    rows = await db.exec(select(ConversationStaff).where(ConversationStaff.conversation_id == conversation_id))
    return {row.staff_id: row.replies for row in rows.all()}


def same(kept: tuple[Any, ...], computed: tuple[Any, ...]) -> bool:
    """Equal, seconds within 2 ms (SQLite's julianday arithmetic is exact to about a millisecond)."""
    return all(a == pytest.approx(b, abs=0.002) if isinstance(a, float) and isinstance(b, float) else a == b
               for a, b in zip(kept, computed, strict=True))


async def backfilled(db: AsyncSession, conversation_id: int) -> tuple[Any, ...]:
    connection = await db.connection()
    for statement in backfill_statements(connection.dialect.name, where=f'id = {conversation_id}'):
        await connection.execute(text(statement))
    await db.commit()
    return await columns_of(db, conversation_id)


async def test_a_staff_message_before_the_shopper_wrote_is_a_reply_but_not_a_first_response(
        db: AsyncSession) -> None:
    bus = EventBus()
    ana = await add_staff(db, email='ana@example.com', name='Ana')
    bo = await add_staff(db, email='bo@example.com', name='Bo')
    created = await create_session(db=db, session_in=SessionCreate(email='sara@example.com', name='Sara'))
    conversation_id, session_id = created.session.conversation_id, created.session.id
    await send_staff_reply(db=db, bus=bus, staff=ana, conversation_id=conversation_id, body='Hi! Need help?')
    kept = await columns_of(db, conversation_id)
    assert kept[1:4] == (True, None, None)  # replied, no first response yet
    conversation = await db.get(Conversation, conversation_id)
    assert conversation is not None
    await write_customer_text(db=db, conversation=conversation, session_id=session_id,
                              body='Yes: is the tent waterproof?', client_msg_id='1')
    await send_staff_reply(db=db, bus=bus, staff=bo, conversation_id=conversation_id, body='It is.')
    await send_staff_reply(db=db, bus=bus, staff=ana, conversation_id=conversation_id, body='Rated 3000 mm.')
    await conversations.set_status(db=db, bus=bus, staff=ana, conversation_id=conversation_id,
                                   status=ConversationStatus.CLOSED)
    kept = await columns_of(db, conversation_id)
    first_customer_at, replied, seconds, responder, close_seconds = kept
    assert first_customer_at is not None and replied and responder == bo.id
    assert seconds is not None and 0 <= seconds < 60 and close_seconds is not None and close_seconds >= seconds
    counted = await replies_per_staff(db, conversation_id)
    assert counted == {ana.id: 2, bo.id: 1}
    assert same(kept, await backfilled(db, conversation_id))
    assert await replies_per_staff(db, conversation_id) == counted


async def test_a_conversation_nobody_answered_has_no_response_and_is_not_replied(db: AsyncSession) -> None:
    created = await create_session(db=db, session_in=SessionCreate(email='olli@example.org', name='Olli'))
    conversation_id, session_id = created.session.conversation_id, created.session.id
    conversation = await db.get(Conversation, conversation_id)
    assert conversation is not None
    await write_customer_text(db=db, conversation=conversation, session_id=session_id, body='Hello?',
                              client_msg_id='1')
    kept = await columns_of(db, conversation_id)
    assert kept[0] is not None and kept[1:] == (False, None, None, None)
    assert same(kept, await backfilled(db, conversation_id))
