"""K1 reports: what the inbox did in a range of days in the store's time zone, beside the period before it.

One computation for the Reports page and the staff API's future `reports/summary`: `build_report` returns plain
dataclasses. Counting and joining happen in SQL (SQLAlchemy Core, the same on SQLite and PostgreSQL); only the
columns a median or the heat map needs (two timestamps per conversation) come back to Python, because date
arithmetic and percentiles are not portable SQL.

Definitions (the page shows them beside each figure):
- a conversation belongs to the period in which it started (`conversation.started_at`);
- replied: at least one staff message;
- first response time: from the shopper's first message to the first staff message after it (replied only);
- time to close: from the start to the latest close, for conversations closed now (a reopened one counts when it
  is closed again);
- followed by an order: the shopper placed an order (not cancelled) at most 7 days after the conversation started;
  revenue sums those orders once each.
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Executable, and_, case, exists, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, Message, Order, Staff
from db.states import Author, ConversationStatus, MessageKind, OrderStatus
from services.errors import Invalid
from services.permissions import Permission, require

ORDER_WINDOW = timedelta(days=7)
MAX_CUSTOM_DAYS = 366


class RangeName(StrEnum):
    TODAY = 'today'
    YESTERDAY = 'yesterday'
    LAST_7_DAYS = 'last_7_days'
    LAST_30_DAYS = 'last_30_days'
    THIS_MONTH = 'this_month'
    LAST_MONTH = 'last_month'
    CUSTOM = 'custom'


@dataclass(frozen=True)
class Period:
    """Whole days in the store's zone, first to last inclusive, and the UTC instants they begin and end."""
    first_day: date
    last_day: date
    zone: str
    start: datetime
    end: datetime  # exclusive

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def previous(self) -> Period:
        """The same number of days just before this period."""
        last = self.first_day - timedelta(days=1)
        return local_days(last - timedelta(days=self.days - 1), last, zone=self.zone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Invalid(f'Unknown time zone "{name}".') from error


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (zoneinfo resolves DST: a day may be 23 or 25 hours long)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def local_days(first: date, last: date, *, zone: str) -> Period:
    if last < first:
        raise Invalid('The first day must not be after the last day.', code='invalid_range')
    if (last - first).days + 1 > MAX_CUSTOM_DAYS:
        raise Invalid(f'A report covers at most {MAX_CUSTOM_DAYS} days.', code='invalid_range')
    tz = _zone(zone)
    return Period(first, last, zone, _midnight(first, tz), _midnight(last + timedelta(days=1), tz))


def period_for(name: str, *, zone: str, now: datetime | None = None, first: date | None = None,
               last: date | None = None) -> Period:
    """The named range as local days in `zone`; 'custom' takes `first` and `last` (inclusive)."""
    try:
        which = RangeName(name)
    except ValueError as error:
        raise Invalid(f'Unknown range "{name}".', code='invalid_range') from error
    today = (now or datetime.now(UTC)).astimezone(_zone(zone)).date()
    if which is RangeName.TODAY:
        return local_days(today, today, zone=zone)
    if which is RangeName.YESTERDAY:
        yesterday = today - timedelta(days=1)
        return local_days(yesterday, yesterday, zone=zone)
    if which is RangeName.LAST_7_DAYS:
        return local_days(today - timedelta(days=6), today, zone=zone)
    if which is RangeName.LAST_30_DAYS:
        return local_days(today - timedelta(days=29), today, zone=zone)
    if which is RangeName.THIS_MONTH:
        return local_days(today.replace(day=1), today, zone=zone)
    if which is RangeName.LAST_MONTH:
        last_of_previous = today.replace(day=1) - timedelta(days=1)
        return local_days(last_of_previous.replace(day=1), last_of_previous, zone=zone)
    if first is None or last is None:
        raise Invalid('A custom range needs a first and a last day.', code='invalid_range')
    return local_days(first, last, zone=zone)


@dataclass(frozen=True)
class Figures:
    new_conversations: int
    replied_conversations: int
    first_response_median_seconds: float | None
    first_response_p90_seconds: float | None
    time_to_close_median_seconds: float | None
    followed_by_order: int
    order_revenue_cents: int


@dataclass(frozen=True)
class StaffRow:
    staff_id: int
    name: str
    conversations_replied: int
    replies: int
    first_responses: int  # conversations where this person sent the first reply
    first_response_median_seconds: float | None


@dataclass(frozen=True)
class CountRow:
    key: str
    conversations: int
    replied: int


@dataclass(frozen=True)
class Report:
    period: Period
    previous_period: Period
    current: Figures
    previous: Figures
    by_staff: list[StaffRow] = field(default_factory=list)
    by_topic: list[CountRow] = field(default_factory=list)
    by_channel: list[CountRow] = field(default_factory=list)
    heat_map: list[list[int]] = field(default_factory=list)
    """Conversations started, [weekday 0 = Monday][hour 0-23] in the store's zone."""


def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


async def _rows(db: AsyncSession, query: Executable) -> list[Any]:
    """A Core statement's rows, on the session's connection (sqlmodel's `exec` is typed for ORM selects only)."""
    return list(await (await db.connection()).execute(query))


def _in(period: Period) -> Any:
    return and_(col(Conversation.started_at) >= period.start, col(Conversation.started_at) < period.end)


def _has_staff_message() -> Any:
    return exists().where(col(Message.conversation_id) == col(Conversation.id), col(Message.author) == Author.STAFF,
                          col(Message.kind) != MessageKind.NOTE)


async def _first_responses(db: AsyncSession, period: Period) -> dict[int, tuple[float, int | None]]:
    """Per replied conversation: seconds from the shopper's first message to the first staff message after it,
    and who sent that reply."""
    first_customer = (select(col(Message.conversation_id).label('conversation_id'),
                             func.min(col(Message.created_at)).label('first_at'))
                      .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
                      .where(_in(period), col(Message.author) == Author.CUSTOMER)
                      .group_by(col(Message.conversation_id)).subquery())
    first_reply = (select(first_customer.c.conversation_id, first_customer.c.first_at,
                          func.min(col(Message.created_at)).label('reply_at'))
                   .join(Message, and_(col(Message.conversation_id) == first_customer.c.conversation_id,
                                       col(Message.author) == Author.STAFF, col(Message.kind) != MessageKind.NOTE,
                                       col(Message.created_at) >= first_customer.c.first_at))
                   .group_by(first_customer.c.conversation_id, first_customer.c.first_at).subquery())
    replier = (select(first_reply.c.conversation_id, first_reply.c.first_at, first_reply.c.reply_at,
                      func.min(col(Message.staff_id)))
               .join(Message, and_(col(Message.conversation_id) == first_reply.c.conversation_id,
                                   col(Message.author) == Author.STAFF, col(Message.kind) != MessageKind.NOTE,
                                   col(Message.created_at) == first_reply.c.reply_at))
               .group_by(first_reply.c.conversation_id, first_reply.c.first_at, first_reply.c.reply_at))
    found: dict[int, tuple[float, int | None]] = {}
    for conversation_id, first_at, reply_at, staff_id in (await _rows(db, replier)):
        found[conversation_id] = ((reply_at - first_at).total_seconds(), staff_id)
    return found


async def _figures(db: AsyncSession, period: Period) -> tuple[Figures, dict[int, tuple[float, int | None]]]:
    new, replied = (await _rows(db,
        select(func.count(col(Conversation.id)),
               func.coalesce(func.sum(case((_has_staff_message(), 1), else_=0)), 0)).where(_in(period))))[0]
    responses = await _first_responses(db, period)
    durations = [seconds for seconds, _staff in responses.values()]
    closes = (await _rows(db,
        select(col(Conversation.started_at), col(Conversation.closed_at)).where(
            _in(period), col(Conversation.status) == ConversationStatus.CLOSED,
            col(Conversation.closed_at).is_not(None))))
    close_seconds = [(closed - started).total_seconds() for started, closed in closes]
    pairs = (await _rows(db,
        select(col(Conversation.id), col(Conversation.started_at), col(Order.id), col(Order.placed_at),
               col(Order.total_cents))
        .join(Order, col(Order.customer_id) == col(Conversation.customer_id))
        .where(_in(period), col(Order.status) != OrderStatus.CANCELLED,
               col(Order.placed_at) >= col(Conversation.started_at), col(Order.placed_at) < period.end + ORDER_WINDOW)))
    converted: set[int] = set()
    revenue: dict[int, int] = {}
    for conversation_id, started, order_id, placed, total in pairs:
        if placed - started <= ORDER_WINDOW:
            converted.add(conversation_id)
            revenue[order_id] = total
    figures = Figures(new_conversations=new, replied_conversations=int(replied),
                      first_response_median_seconds=_median(durations),
                      first_response_p90_seconds=percentile(durations, 0.9),
                      time_to_close_median_seconds=_median(close_seconds),
                      followed_by_order=len(converted), order_revenue_cents=sum(revenue.values()))
    return figures, responses


async def _by_staff(db: AsyncSession, period: Period,
                    responses: dict[int, tuple[float, int | None]]) -> list[StaffRow]:
    rows = (await _rows(db,
        select(col(Staff.id), col(Staff.name), func.count(func.distinct(col(Message.conversation_id))),
               func.count(col(Message.id)))
        .join(Message, col(Message.staff_id) == col(Staff.id))
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(_in(period), col(Message.author) == Author.STAFF, col(Message.kind) != MessageKind.NOTE)
        .group_by(col(Staff.id), col(Staff.name))))
    firsts: dict[int, list[float]] = {}
    for seconds, staff_id in responses.values():
        if staff_id is not None:
            firsts.setdefault(staff_id, []).append(seconds)
    result = [StaffRow(staff_id=staff_id, name=name, conversations_replied=conversations, replies=replies,
                       first_responses=len(firsts.get(staff_id, [])),
                       first_response_median_seconds=_median(firsts.get(staff_id, [])))
              for staff_id, name, conversations, replies in rows]
    return sorted(result, key=lambda row: (-row.conversations_replied, row.name))


async def _by_channel(db: AsyncSession, period: Period) -> list[CountRow]:
    rows = (await _rows(db,
        select(col(Conversation.channel), func.count(col(Conversation.id)),
               func.coalesce(func.sum(case((_has_staff_message(), 1), else_=0)), 0))
        .where(_in(period)).group_by(col(Conversation.channel))))
    return sorted((CountRow(key=channel, conversations=count, replied=int(replied))
                   for channel, count, replied in rows), key=lambda row: (-row.conversations, row.key))


async def _topics_and_hours(db: AsyncSession, period: Period) -> tuple[list[CountRow], list[list[int]]]:
    """Topics are a JSON list per conversation and hours need the store's zone: both from two light columns."""
    rows = (await _rows(db,
        select(col(Conversation.started_at), col(Conversation.topics), _has_staff_message())
        .where(_in(period))))
    zone = _zone(period.zone)
    heat = [[0] * 24 for _day in range(7)]
    conversations: Counter[str] = Counter()
    replied: Counter[str] = Counter()
    for started, topics, has_reply in rows:
        local = started.astimezone(zone)
        heat[local.weekday()][local.hour] += 1
        for topic in set(topics or []):
            conversations[topic] += 1
            replied[topic] += 1 if has_reply else 0
    by_topic = sorted((CountRow(key=topic, conversations=count, replied=replied[topic])
                       for topic, count in conversations.items()), key=lambda row: (-row.conversations, row.key))
    return by_topic, heat


async def build_report(*, db: AsyncSession, staff: Staff | None, period: Period) -> Report:
    """K1 for `period` and the period of equal length before it; staff need the see-reports permission."""
    require(staff, Permission.SEE_REPORTS)
    current, responses = await _figures(db, period)
    previous_period = period.previous()
    previous, _responses = await _figures(db, previous_period)
    by_topic, heat = await _topics_and_hours(db, period)
    return Report(period=period, previous_period=previous_period, current=current, previous=previous,
                  by_staff=await _by_staff(db, period, responses), by_topic=by_topic,
                  by_channel=await _by_channel(db, period), heat_map=heat)
