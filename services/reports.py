"""K1 reports: what the inbox did in a range of days in the store's time zone, beside the period before it.

One computation for the Reports page and the staff API's future `reports/summary`: `build_report` returns plain
dataclasses. Everything is counted in SQL from conversation rows (their K1 columns are kept as messages are written:
services/report_columns.py), so the page never reads a period's messages except for the per-staff reply counts.
Medians and percentiles are sorted by the database and only the values around each rank come back; the heat map is
counted per UTC quarter hour and placed in the store's zone here. bench/scale.py times it at 10k and 100k.

Definitions (the page shows them beside each figure):
- a conversation belongs to the period in which it started (`conversation.started_at`);
- replied: at least one staff message;
- first response time: from the shopper's first message to the first staff message after it (replied only);
- time to close: from the start to the latest close, for conversations closed now (a reopened one counts when it
  is closed again);
- followed by an order: the shopper placed an order (not cancelled) at most 7 days after the conversation started;
  revenue sums those orders once each;
- satisfaction (K2): by the close that asked, not by the conversation's start (services/satisfaction.py).
"""
from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BigInteger, Executable, Integer, Text, and_, case, cast, extract, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, ConversationStaff, Order, Staff
from db.states import ConversationStatus, OrderStatus
from services.errors import Invalid
from services.i18n import _
from services.permissions import Permission, require
from services.satisfaction import Satisfaction, satisfaction

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
        raise Invalid(_('Unknown time zone "{zone}".', zone=name), code='invalid_zone') from error


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (zoneinfo resolves DST: a day may be 23 or 25 hours long)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def local_days(first: date, last: date, *, zone: str) -> Period:
    if last < first:
        raise Invalid(_('The first day must not be after the last day.'), code='invalid_range')
    if (last - first).days + 1 > MAX_CUSTOM_DAYS:
        raise Invalid(_('A report covers at most {max} days.', max=MAX_CUSTOM_DAYS), code='invalid_range')
    tz = _zone(zone)
    return Period(first, last, zone, _midnight(first, tz), _midnight(last + timedelta(days=1), tz))


def period_for(name: str, *, zone: str, now: datetime | None = None, first: date | None = None,
               last: date | None = None) -> Period:
    """The named range as local days in `zone`; 'custom' takes `first` and `last` (inclusive)."""
    try:
        which = RangeName(name)
    except ValueError as error:
        raise Invalid(_('Unknown range "{range}".', range=name), code='invalid_range') from error
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
        raise Invalid(_('A custom range needs a first and a last day.'), code='invalid_range')
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
    satisfaction: Satisfaction = field(default_factory=Satisfaction)
    """K2: the surveys asked by the period's closes and their ratings (services/satisfaction.py)."""
    previous_satisfaction: Satisfaction = field(default_factory=Satisfaction)


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


@dataclass(frozen=True)
class PeriodValues:
    """A period's counts and the per-conversation times its percentiles are taken over, read in one index-only
    scan of the period."""
    new: int
    replied: int
    responses: list[float]
    """First response seconds of the conversations that got a reply (plain floats: tuples here cost a garbage
    collection pass per report at 100k conversations)."""
    responders: list[int | None]
    """Who sent each of those first responses, in the same order."""
    closes: list[float]
    """Seconds from the start to the latest close, of the conversations closed now."""


def _collected(column: Any, dialect: str, where: Any) -> Any:
    """All of a column's values over the rows matching `where`, as one value: SQLite's JSON array, PostgreSQL's
    array. Both aggregates of one query see the rows in the same order, so two of them stay aligned."""
    gather = func.json_group_array(column) if dialect == 'sqlite' else func.array_agg(column)
    return gather.filter(where)


def _decoded(value: Any) -> list[Any]:
    if value is None:  # PostgreSQL's array_agg over no rows
        return []
    return list(json.loads(value) if isinstance(value, str) else value)


async def _period_values(db: AsyncSession, period: Period) -> PeriodValues:
    # One scan of the covering index, its values gathered into three arrays in the database: one row comes back
    # instead of one per conversation (18,781 Row objects at 100k, and the garbage collection passes they caused),
    # and no sorted OFFSET query per percentile (six per period before, each sorting the period's rows).
    # SQLite without statistics would rather walk the status index (status = 'closed' looks selective).
    dialect = (await db.connection()).dialect.name
    replied = col(Conversation.first_response_seconds).is_not(None)
    closed = and_(col(Conversation.close_seconds).is_not(None), col(Conversation.status) == ConversationStatus.CLOSED)
    new, staff_replied, responses, responders, closes = (await _rows(db, select(
        func.count(col(Conversation.id)),
        func.coalesce(func.sum(case((col(Conversation.staff_replied), 1), else_=0)), 0),
        _collected(col(Conversation.first_response_seconds), dialect, replied),
        _collected(col(Conversation.first_responder_id), dialect, replied),
        _collected(col(Conversation.close_seconds), dialect, closed))
        .with_hint(Conversation, 'INDEXED BY ix_conversation_report', 'sqlite').where(_in(period))))[0]
    return PeriodValues(new=int(new), replied=int(staff_replied),
                        responses=[float(value) for value in _decoded(responses)],
                        responders=[None if who is None else int(who) for who in _decoded(responders)],
                        closes=[float(value) for value in _decoded(closes)])


def percentiles(values: list[float], shares: tuple[float, ...] = (0.5, 0.9)) -> list[float | None]:
    """Linear between the closest ranks (numpy's default; 0.5 is the median)."""
    if not values:
        return [None for _share in shares]
    ordered = sorted(values)
    found: list[float | None] = []
    for share in shares:
        position = share * (len(ordered) - 1)
        low = int(position)
        high = ordered[min(low + 1, len(ordered) - 1)]
        found.append(ordered[low] + (high - ordered[low]) * (position - low))
    return found


async def _figures(db: AsyncSession, period: Period, values: PeriodValues) -> Figures:
    response_median, response_p90 = percentiles(values.responses)
    close_median, = percentiles(values.closes, shares=(0.5,))
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
    return Figures(new_conversations=values.new, replied_conversations=values.replied,
                   first_response_median_seconds=response_median, first_response_p90_seconds=response_p90,
                   time_to_close_median_seconds=close_median,
                   followed_by_order=len(converted), order_revenue_cents=sum(revenue.values()))


async def _by_staff(db: AsyncSession, period: Period, values: PeriodValues) -> list[StaffRow]:
    rows = (await _rows(db,
        select(col(Staff.id), col(Staff.name), func.count(col(ConversationStaff.conversation_id)),
               func.sum(col(ConversationStaff.replies)))
        .join(ConversationStaff, col(ConversationStaff.staff_id) == col(Staff.id))
        .join(Conversation, col(Conversation.id) == col(ConversationStaff.conversation_id))
        .where(_in(period))
        .group_by(col(Staff.id), col(Staff.name))))
    firsts: dict[int, list[float]] = {}
    for seconds, responder in zip(values.responses, values.responders, strict=True):
        if responder is not None:
            firsts.setdefault(responder, []).append(seconds)
    result = []
    for staff_id, name, conversations, replies in rows:
        median, = percentiles(firsts.get(staff_id, []), shares=(0.5,))
        result.append(StaffRow(staff_id=staff_id, name=name, conversations_replied=conversations, replies=int(replies),
                               first_responses=len(firsts.get(staff_id, [])), first_response_median_seconds=median))
    return sorted(result, key=lambda row: (-row.conversations_replied, row.name))


async def _by_channel(db: AsyncSession, period: Period) -> list[CountRow]:
    rows = (await _rows(db,
        select(col(Conversation.channel), func.count(col(Conversation.id)),
               func.coalesce(func.sum(case((col(Conversation.staff_replied), 1), else_=0)), 0))
        .where(_in(period)).group_by(col(Conversation.channel))))
    return sorted((CountRow(key=channel, conversations=count, replied=int(replied))
                   for channel, count, replied in rows), key=lambda row: (-row.conversations, row.key))


def _quarter_hour(dialect: str) -> Any:
    """Conversation.started_at (UTC) as whole quarter hours since 1970: every zone's offset is a multiple of 15
    minutes, so each quarter hour falls in one local hour and the heat map can be counted in SQL."""
    if dialect == 'sqlite':
        return cast(func.strftime('%s', col(Conversation.started_at)), Integer) // 900
    return cast(func.floor(extract('epoch', col(Conversation.started_at)) / 900), BigInteger)


async def _topics_and_hours(db: AsyncSession, period: Period) -> tuple[list[CountRow], list[list[int]]]:
    """Topics (a JSON list per conversation) grouped by their text, and starts per quarter hour, so that only a few
    hundred groups come back to be placed in the store's zone."""
    replied = func.coalesce(func.sum(case((col(Conversation.staff_replied), 1), else_=0)), 0)
    topic_sets = cast(col(Conversation.topics), Text)
    conversations: Counter[str] = Counter()
    replied_by_topic: Counter[str] = Counter()
    for topics_text, count, replied_count in await _rows(db, select(topic_sets, func.count(), replied)
                                                         .where(_in(period)).group_by(topic_sets)):
        for topic in set(json.loads(topics_text or '[]') or []):
            conversations[topic] += count
            replied_by_topic[topic] += int(replied_count)
    by_topic = sorted((CountRow(key=topic, conversations=count, replied=replied_by_topic[topic])
                       for topic, count in conversations.items()), key=lambda row: (-row.conversations, row.key))
    bucket = _quarter_hour((await db.connection()).dialect.name).label('quarter')
    zone = _zone(period.zone)
    heat = [[0] * 24 for _day in range(7)]
    for quarter, count in await _rows(db, select(bucket, func.count()).where(_in(period)).group_by(bucket)):
        local = datetime.fromtimestamp(int(quarter) * 900, tz=UTC).astimezone(zone)
        heat[local.weekday()][local.hour] += count
    return by_topic, heat


async def build_report(*, db: AsyncSession, staff: Staff | None, period: Period) -> Report:
    """K1 for `period` and the period of equal length before it; staff need the see-reports permission."""
    require(staff, Permission.SEE_REPORTS)
    values = await _period_values(db, period)
    current = await _figures(db, period, values)
    previous_period = period.previous()
    previous = await _figures(db, previous_period, await _period_values(db, previous_period))
    by_topic, heat = await _topics_and_hours(db, period)
    return Report(period=period, previous_period=previous_period, current=current, previous=previous,
                  by_staff=await _by_staff(db, period, values), by_topic=by_topic,
                  by_channel=await _by_channel(db, period), heat_map=heat,
                  satisfaction=await satisfaction(db, start=period.start, end=period.end),
                  previous_satisfaction=await satisfaction(db, start=previous_period.start,
                                                           end=previous_period.end))
