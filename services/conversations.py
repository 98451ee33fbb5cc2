"""Conversation read models for the inbox list and thread header, and the small commands on them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation, Customer, Staff
from services.errors import Invalid, NotFound
from services.events import EventBus
from services.views import ConversationRow

STATUSES = ('open', 'closed')
Assignee = aliased(Staff)


def _row_query():  # type: ignore[no-untyped-def]
    return (select(Conversation, Customer.name, Customer.email, Assignee.name)
            .join(Customer, col(Conversation.customer_id) == Customer.id)
            .join(Assignee, col(Conversation.assignee_id) == Assignee.id, isouter=True))


def _to_row(conversation: Conversation, name: str, email: str, assignee: str | None) -> ConversationRow:
    assert conversation.id is not None
    return ConversationRow(
        id=conversation.id, customer_id=conversation.customer_id, customer_name=name or email,
        customer_email=email, online=conversation.customer_online, status=conversation.status,
        unread=conversation.unread, preview=conversation.last_message_preview,
        preview_author=conversation.last_message_author, last_message_at=conversation.last_message_at,
        started_at=conversation.started_at, channel=conversation.channel, assignee_id=conversation.assignee_id,
        assignee_name=assignee or '', topics=list(conversation.topics or [])[:2],
    )


async def list_rows(*, db: AsyncSession, status: str = 'open', limit: int = 50,
                    before: datetime | None = None) -> list[ConversationRow]:
    """One page of the list, newest first, in one query (index on status, last_message_at)."""
    if status not in STATUSES:
        raise Invalid(f'Unknown status "{status}".')
    query = _row_query().where(Conversation.status == status)
    if before is not None:
        query = query.where(col(Conversation.last_message_at) < before)
    rows = (await db.exec(query.order_by(col(Conversation.last_message_at).desc()).limit(limit))).all()
    return [_to_row(*row) for row in rows]


async def count_by_status(*, db: AsyncSession) -> dict[str, int]:
    rows = (await db.exec(select(Conversation.status, func.count()).group_by(Conversation.status))).all()
    counts = {status: 0 for status in STATUSES}
    counts.update({status: count for status, count in rows})
    return counts


async def get_row(*, db: AsyncSession, conversation_id: int) -> ConversationRow:
    row = (await db.exec(_row_query().where(Conversation.id == conversation_id))).first()
    if row is None:
        raise NotFound('No such conversation.')
    result = _to_row(*row)
    email = (await db.exec(select(ChatSession.email).where(ChatSession.conversation_id == conversation_id)
                           .order_by(col(ChatSession.id).desc()).limit(1))).first()
    return ConversationRow(**{**result.__dict__, 'session_email': email or result.customer_email})


async def mark_read(*, db: AsyncSession, bus: EventBus, conversation_id: int) -> None:
    conversation = await db.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound('No such conversation.')
    if conversation.unread:
        conversation.unread = False
        db.add(conversation)
        await db.commit()
        bus.conversation_changed.emit(conversation_id)
