"""K1's per-conversation figures, kept as messages are written (db/models.py: Conversation.first_customer_at,
staff_replied, first_response_seconds, first_responder_id, close_seconds), so Reports count conversation rows.

Rules (as services/reports.py defined them when it read the messages): the first response is the first staff
message at or after the shopper's first message, and who sent it; a conversation is replied once any staff message
exists; the time to close runs from the start to the latest close. SQLite's and PostgreSQL's group writers set
`first_customer_at` in their own UPDATE statements (`coalesce`); db/report_backfill.py computes all of them from
the stored messages for data written before migration 0024 or loaded in bulk.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation


def customer_wrote(conversation: Conversation, at: datetime) -> None:
    if conversation.first_customer_at is None:
        conversation.first_customer_at = at


def staff_wrote(conversation: Conversation, at: datetime, staff_id: int | None) -> None:
    conversation.staff_replied = True
    if conversation.first_customer_at is not None and conversation.first_response_seconds is None:
        conversation.first_response_seconds = _seconds(at - conversation.first_customer_at)
        conversation.first_responder_id = staff_id


COUNT_STAFF_MESSAGE = text(
    'INSERT INTO conversation_staff (conversation_id, staff_id, replies) VALUES (:conversation_id, :staff_id, 1) '
    'ON CONFLICT (conversation_id, staff_id) DO UPDATE SET replies = conversation_staff.replies + 1')


async def count_staff_message(db: AsyncSession, conversation_id: int, staff_id: int) -> None:
    """One more message by this staff member in this conversation, in the caller's transaction."""
    await (await db.connection()).execute(COUNT_STAFF_MESSAGE,
                                          {'conversation_id': conversation_id, 'staff_id': staff_id})


def closed(conversation: Conversation, at: datetime) -> None:
    conversation.closed_at = at
    conversation.close_seconds = _seconds(at - conversation.started_at)


def _seconds(span: timedelta) -> float:
    """Whole milliseconds, never negative (as db/report_backfill.py computes them)."""
    return max(0.0, round(span.total_seconds(), 3))
