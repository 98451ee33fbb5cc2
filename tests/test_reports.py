"""K1 reports on hand-made conversations with known answers: ranges in the store's zone across DST and midnight,
conversations never replied to, reopened ones, orders on day 6 (counted) and day 8 (not)."""
from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from db.migrate import alembic_config
from db.models import Conversation, Customer, Message, Order, Staff
from db.states import Author, Channel, ConversationStatus
from services import conversations, reports
from services.errors import Invalid, PermissionDenied
from services.events import EventBus
from services.permissions import Permission
from tests.conftest import add_staff
from tests.report_data import fill_report_columns

ZONE = 'Europe/Copenhagen'
# 2026-03-29: clocks go from 02:00 to 03:00 in Copenhagen, so that local day lasts 23 hours:
# 2026-03-28 23:00 UTC to 2026-03-29 22:00 UTC.
DST_DAY = date(2026, 3, 29)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def customer(db: AsyncSession, email: str) -> Customer:
    row = Customer(email=email)
    db.add(row)
    await db.commit()
    return row


async def conversation(db: AsyncSession, who: Customer, started: datetime, *, channel: str = Channel.CHAT,
                       topics: list[str] | None = None) -> Conversation:
    row = Conversation(customer_id=who.id, channel=channel, started_at=started, last_message_at=started,
                       topics=topics or [])
    db.add(row)
    await db.commit()
    return row


async def message(db: AsyncSession, talk: Conversation, at: datetime, staff: Staff | None = None) -> None:
    db.add(Message(conversation_id=talk.id, author=Author.STAFF if staff else Author.CUSTOMER,
                   staff_id=staff.id if staff else None, body='hello', created_at=at))
    await db.commit()
    await fill_report_columns(db, talk.id or 0)


@pytest.fixture
async def owner(db: AsyncSession) -> Staff:
    return await add_staff(db, email='owner@example.com', name='Olga Owner', is_owner=True)


def test_named_ranges_are_whole_local_days() -> None:
    now = utc(2026, 3, 31, 22, 30)  # already 1 April in Copenhagen (00:30 CEST)
    assert reports.period_for('today', zone=ZONE, now=now).first_day == date(2026, 4, 1)
    this_month = reports.period_for('this_month', zone=ZONE, now=now)
    assert (this_month.first_day, this_month.last_day) == (date(2026, 4, 1), date(2026, 4, 1))
    last_month = reports.period_for('last_month', zone=ZONE, now=now)
    assert (last_month.first_day, last_month.last_day) == (date(2026, 3, 1), date(2026, 3, 31))
    assert last_month.start == utc(2026, 2, 28, 23) and last_month.end == utc(2026, 3, 31, 22)
    week = reports.period_for('last_7_days', zone=ZONE, now=now)
    assert (week.first_day, week.last_day, week.days) == (date(2026, 3, 26), date(2026, 4, 1), 7)
    assert week.previous().last_day == date(2026, 3, 25) and week.previous().days == 7
    assert reports.period_for('yesterday', zone=ZONE, now=now).first_day == date(2026, 3, 31)
    assert reports.period_for('last_30_days', zone=ZONE, now=now).days == 30


def test_the_dst_day_lasts_23_hours() -> None:
    period = reports.period_for('custom', zone=ZONE, first=DST_DAY, last=DST_DAY)
    assert (period.start, period.end) == (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))


@pytest.mark.parametrize(('name', 'first', 'last'), [('weekly', None, None), ('custom', None, None),
                                                     ('custom', date(2026, 3, 2), date(2026, 3, 1)),
                                                     ('custom', date(2024, 1, 1), date(2026, 1, 1))])
def test_bad_ranges_are_refused(name: str, first: date | None, last: date | None) -> None:
    with pytest.raises(Invalid):
        reports.period_for(name, zone=ZONE, first=first, last=last)


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(Invalid):
        reports.period_for('today', zone='Mars/Olympus')


def test_percentiles_interpolate() -> None:
    assert reports.percentile([], 0.9) is None
    assert reports.percentile([5.0], 0.9) == 5.0
    assert reports.percentile([float(n) for n in range(1, 11)], 0.9) == pytest.approx(9.1)


async def test_reports_need_the_permission(db: AsyncSession) -> None:
    staff = await add_staff(db, email='no@example.com')
    period = reports.period_for('today', zone=ZONE)
    with pytest.raises(PermissionDenied):
        await reports.build_report(db=db, staff=staff, period=period)
    allowed = await add_staff(db, email='yes@example.com', permissions=[Permission.SEE_REPORTS])
    assert (await reports.build_report(db=db, staff=allowed, period=period)).current.new_conversations == 0


async def test_conversations_count_in_the_local_day_they_started_across_dst_and_midnight(
        db: AsyncSession, owner: Staff) -> None:
    shopper = await customer(db, 'a@example.com')
    await conversation(db, shopper, utc(2026, 3, 28, 22, 30))  # 23:30 on the 28th: the previous day
    await conversation(db, shopper, utc(2026, 3, 28, 23, 30), channel=Channel.EMAIL)  # 00:30 on the 29th
    await conversation(db, shopper, utc(2026, 3, 29, 1, 30), topics=['shipping', 'returns'])  # 03:30 CEST
    await conversation(db, shopper, utc(2026, 3, 29, 21, 59), topics=['shipping'])  # 23:59 CEST
    await conversation(db, shopper, utc(2026, 3, 29, 22, 0))  # 00:00 on the 30th: the next day
    period = reports.period_for('custom', zone=ZONE, first=DST_DAY, last=DST_DAY)
    report = await reports.build_report(db=db, staff=owner, period=period)
    assert report.current.new_conversations == 3 and report.previous.new_conversations == 1
    assert report.previous_period.first_day == date(2026, 3, 28)
    sunday = report.heat_map[6]
    assert (sunday[0], sunday[3], sunday[23], sum(sunday)) == (1, 1, 1, 3)
    assert sum(map(sum, report.heat_map)) == 3
    assert [(row.key, row.conversations) for row in report.by_topic] == [('shipping', 2), ('returns', 1)]
    assert [(row.key, row.conversations) for row in report.by_channel] == [('chat', 2), ('email', 1)]


async def test_first_response_counts_only_replied_conversations_and_replies_after_the_shopper(
        db: AsyncSession, owner: Staff) -> None:
    ana = await add_staff(db, email='ana@example.com', name='Ana Berg')
    shopper = await customer(db, 'b@example.com')
    start = utc(2026, 5, 4, 8)
    quick = await conversation(db, shopper, start)
    await message(db, quick, start)
    await message(db, quick, start + timedelta(seconds=60), staff=ana)
    await message(db, quick, start + timedelta(seconds=500), staff=owner)
    slow = await conversation(db, shopper, start + timedelta(hours=1))
    await message(db, slow, start + timedelta(hours=1), staff=owner)  # staff wrote first: not a response
    await message(db, slow, start + timedelta(hours=2))
    await message(db, slow, start + timedelta(hours=2, seconds=300), staff=owner)
    never = await conversation(db, shopper, start + timedelta(hours=3))
    await message(db, never, start + timedelta(hours=3))
    period = reports.period_for('custom', zone=ZONE, first=date(2026, 5, 4), last=date(2026, 5, 4))
    report = await reports.build_report(db=db, staff=owner, period=period)
    figures = report.current
    assert (figures.new_conversations, figures.replied_conversations) == (3, 2)
    assert figures.first_response_median_seconds == 180
    assert figures.first_response_p90_seconds == pytest.approx(60 + 0.9 * 240)
    by_name = {row.name: row for row in report.by_staff}
    assert (by_name['Ana Berg'].first_responses, by_name['Ana Berg'].first_response_median_seconds) == (1, 60)
    assert (by_name['Olga Owner'].conversations_replied, by_name['Olga Owner'].replies) == (2, 3)
    assert by_name['Olga Owner'].first_response_median_seconds == 300


async def test_time_to_close_takes_the_latest_close_and_leaves_reopened_ones_out(
        db: AsyncSession, owner: Staff) -> None:
    shopper = await customer(db, 'c@example.com')
    bus = EventBus()
    started = datetime.now(UTC) - timedelta(hours=2)
    closed = await conversation(db, shopper, started)
    reopened = await conversation(db, shopper, started)
    for talk in (closed, reopened):
        await conversations.set_status(db=db, bus=bus, staff=owner, conversation_id=talk.id,
                                       status=ConversationStatus.CLOSED)
    await conversations.set_status(db=db, bus=bus, staff=owner, conversation_id=reopened.id,
                                   status=ConversationStatus.OPEN)
    period = reports.period_for('last_7_days', zone=ZONE)
    median = (await reports.build_report(db=db, staff=owner, period=period)).current.time_to_close_median_seconds
    assert median is not None and 2 * 3600 - 60 < median < 2 * 3600 + 600
    await conversations.set_status(db=db, bus=bus, staff=owner, conversation_id=reopened.id,
                                   status=ConversationStatus.CLOSED)
    await db.refresh(reopened)
    await db.refresh(closed)
    assert reopened.closed_at is not None and closed.closed_at is not None
    assert reopened.closed_at >= closed.closed_at
    report = await reports.build_report(db=db, staff=owner, period=period)
    expected = ((closed.closed_at - started).total_seconds() + (reopened.closed_at - started).total_seconds()) / 2
    assert report.current.time_to_close_median_seconds == pytest.approx(expected)


async def test_orders_within_7_days_of_the_start_count_once(db: AsyncSession, owner: Staff) -> None:
    buyer = await customer(db, 'd@example.com')
    late = await customer(db, 'e@example.com')
    start = utc(2026, 6, 1, 10)
    await conversation(db, buyer, start)
    await conversation(db, buyer, start + timedelta(hours=1))  # the same order follows both conversations
    await conversation(db, late, start)
    db.add(Order(number=1, customer_id=buyer.id, placed_at=start + timedelta(days=6), total_cents=4_500))
    db.add(Order(number=2, customer_id=buyer.id, placed_at=start - timedelta(days=1), total_cents=9_999))  # before
    db.add(Order(number=3, customer_id=buyer.id, placed_at=start + timedelta(days=2), total_cents=7_000,
                 status='cancelled'))
    db.add(Order(number=4, customer_id=late.id, placed_at=start + timedelta(days=8), total_cents=1_000))
    await db.commit()
    period = reports.period_for('custom', zone=ZONE, first=date(2026, 6, 1), last=date(2026, 6, 1))
    figures = (await reports.build_report(db=db, staff=owner, period=period)).current
    assert (figures.followed_by_order, figures.order_revenue_cents) == (2, 4_500)


@pytest.mark.sqlite_only
def test_the_migration_adds_closed_at_and_goes_back(tmp_path: Path) -> None:
    from alembic import command
    url = f'sqlite+aiosqlite:///{tmp_path / "old.db"}'
    command.upgrade(alembic_config(url), 'head')
    command.downgrade(alembic_config(url), '0012')
    with sqlite3.connect(tmp_path / 'old.db') as connection:
        assert 'closed_at' not in {row[1] for row in connection.execute('PRAGMA table_info(conversation)')}
    command.upgrade(alembic_config(url), 'head')
    with sqlite3.connect(tmp_path / 'old.db') as connection:
        assert 'closed_at' in {row[1] for row in connection.execute('PRAGMA table_info(conversation)')}
