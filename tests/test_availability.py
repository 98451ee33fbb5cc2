"""Chat availability (A1): hours in the store's zone across DST and midnight, holidays, several ranges, back_at,
validation, texts per language and the permission."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from services import availability
from services.availability import AvailabilitySettings, Holiday, Texts, availability_at, parse_day, parse_hhmm
from services.errors import Invalid, PermissionDenied
from services.opening_hours import Hours, Range, current_range_end, is_open, next_opening
from services.permissions import Permission
from services.presence import StaffPresence, staff_on_duty
from services.store import get_store
from tests.conftest import add_staff

MON, TUE, FRI, SAT, SUN = 0, 1, 4, 5, 6
WEEKDAYS_9_TO_5 = tuple(Range(day, 9 * 60, 17 * 60) for day in range(5))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_helsinki_spring_change_keeps_local_opening_times() -> None:
    hours = Hours('Europe/Helsinki', WEEKDAYS_9_TO_5)  # clocks jump 03:00 -> 04:00 on Sunday 2026-03-29
    assert is_open(hours, utc('2026-03-27T07:30Z'))  # Friday 09:30 EET (+02:00)
    assert not is_open(hours, utc('2026-03-27T06:30Z'))  # Friday 08:30
    back = next_opening(hours, utc('2026-03-28T10:00Z'))  # Saturday noon
    assert back == utc('2026-03-30T06:00Z') and back.isoformat() == '2026-03-30T09:00:00+03:00'
    assert is_open(hours, utc('2026-03-30T06:00Z')) and not is_open(hours, utc('2026-03-30T05:59Z'))


def test_helsinki_autumn_change_and_berlin_autumn_back_at() -> None:
    helsinki = Hours('Europe/Helsinki', WEEKDAYS_9_TO_5)  # 2026-10-25: 04:00 -> 03:00
    assert next_opening(helsinki, utc('2026-10-24T12:00Z')) == utc('2026-10-26T07:00Z')  # Monday 09:00 +02:00
    berlin = Hours('Europe/Berlin', (Range(SUN, 2 * 60 + 30, 4 * 60),))  # 02:30 happens twice on 2026-10-25
    back = next_opening(berlin, utc('2026-10-24T20:00Z'))
    assert back is not None and back.isoformat() == '2026-10-25T02:30:00+02:00'  # its first occurrence


def test_berlin_spring_range_starting_in_the_skipped_hour_opens_when_clocks_jump() -> None:
    berlin = Hours('Europe/Berlin', (Range(SUN, 2 * 60 + 30, 5 * 60),))  # 2026-03-29: 02:00 -> 03:00
    back = next_opening(berlin, utc('2026-03-28T20:00Z'))
    assert back == utc('2026-03-29T01:00Z') and back.isoformat() == '2026-03-29T03:00:00+02:00'
    assert not is_open(berlin, utc('2026-03-29T00:59Z')) and is_open(berlin, utc('2026-03-29T01:00Z'))


def test_ranges_across_midnight_and_to_24_00() -> None:
    hours = Hours('UTC', (Range(FRI, 22 * 60, 24 * 60), Range(SAT, 0, 2 * 60)))
    friday = '2026-12-04'
    assert is_open(hours, utc(f'{friday}T23:59Z')) and is_open(hours, utc('2026-12-05T01:00Z'))
    assert not is_open(hours, utc('2026-12-05T02:00Z'))
    assert next_opening(hours, utc(f'{friday}T21:00Z')) == utc(f'{friday}T22:00Z')
    assert current_range_end(hours, utc(f'{friday}T23:00Z')) == utc('2026-12-05T02:00Z')
    assert next_opening(hours, utc('2026-12-05T02:00Z')) == utc('2026-12-11T22:00Z')  # the next Friday


def test_holiday_is_closed_all_day_and_back_at_skips_it() -> None:
    hours = Hours('Europe/Helsinki', WEEKDAYS_9_TO_5, frozenset({date(2026, 12, 7)}))  # a Monday
    assert not is_open(hours, utc('2026-12-07T10:00Z'))
    assert next_opening(hours, utc('2026-12-05T10:00Z')) == utc('2026-12-08T07:00Z')  # Tuesday 09:00 +02:00


def test_several_ranges_a_day_and_no_ranges_at_all() -> None:
    hours = Hours('UTC', (Range(MON, 9 * 60, 12 * 60), Range(MON, 13 * 60, 17 * 60)))
    assert next_opening(hours, utc('2026-12-07T12:30Z')) == utc('2026-12-07T13:00Z')
    assert next_opening(hours, utc('2026-12-07T10:00Z')) is None  # open now
    settings = AvailabilitySettings()
    now = utc('2026-12-07T03:00Z')
    assert availability_at(settings, 'UTC', now).available  # no hours set: always available
    only_holidays = Hours('UTC', (Range(MON, 0, 60),), frozenset(date(2026, 12, 7) + timedelta(days=7 * n)
                                                              for n in range(60)))
    assert next_opening(only_holidays, now) is None


def test_availability_names_the_period_and_the_nobody_option() -> None:
    settings = AvailabilitySettings(ranges=WEEKDAYS_9_TO_5, away_when_nobody=True)
    saturday = availability_at(settings, 'Europe/Berlin', utc('2026-12-05T10:00Z'))
    assert not saturday.available and saturday.back_at == utc('2026-12-07T08:00Z')
    assert saturday.period == availability_at(settings, 'Europe/Berlin', utc('2026-12-06T20:00Z')).period
    open_monday = utc('2026-12-07T09:00Z')
    assert availability_at(settings, 'Europe/Berlin', open_monday, staff_present=True).available
    nobody = availability_at(settings, 'Europe/Berlin', open_monday, staff_present=False)
    assert not nobody.available and nobody.back_at is None and nobody.period.startswith('unstaffed:')


def test_validation_names_the_problem() -> None:
    def refused(settings: AvailabilitySettings) -> str:
        with pytest.raises(Invalid) as error:
            availability.validated(settings)
        return error.value.code

    assert refused(AvailabilitySettings(ranges=(Range(MON, 600, 540),))) == 'end_before_start'
    assert refused(AvailabilitySettings(ranges=(Range(MON, 540, 720), Range(MON, 700, 800)))) == 'overlapping_ranges'
    assert refused(AvailabilitySettings(ranges=(Range(7, 0, 60),))) == 'invalid_weekday'
    assert refused(AvailabilitySettings(reply_time='weeks')) == 'invalid_reply_time'
    assert refused(AvailabilitySettings(holidays=(Holiday(date(2026, 1, 1)), Holiday(date(2026, 1, 1))))) == \
        'duplicate_holiday'
    assert refused(AvailabilitySettings(texts={'sv': Texts('Hej')})) == 'invalid_language'
    with pytest.raises(Invalid, match='Monday: 09:00-12:00 and 11:00-13:00 overlap'):
        availability.validated(AvailabilitySettings(ranges=(Range(MON, 540, 720), Range(MON, 660, 780))))
    touching = availability.validated(AvailabilitySettings(ranges=(Range(MON, 720, 1440), Range(MON, 0, 720))))
    assert touching.ranges == (Range(MON, 0, 720), Range(MON, 720, 1440))
    assert parse_hhmm('09:30') == 570 and parse_hhmm('24:00') == 1440
    for bad in ('9', '25:00', '09:60', '24:01', 'ab:cd'):
        with pytest.raises(Invalid):
            parse_hhmm(bad)
    assert parse_day('2026-12-24') == date(2026, 12, 24)
    for bad in ('2026-02-30', '24.12.2026', ''):
        with pytest.raises(Invalid, match='is not a date'):
            parse_day(bad)


async def test_saving_needs_the_permission_and_reads_back(db: AsyncSession) -> None:
    clerk = await add_staff(db, email='clerk@example.com')  # default permissions: no MANAGE_REPLIES
    settings = AvailabilitySettings(ranges=WEEKDAYS_9_TO_5, holidays=(Holiday(date(2026, 12, 24), 'Christmas Eve'),),
                                    texts={'en': Texts('Hello!', 'Back soon.'), 'de': Texts('Hallo!', '')},
                                    reply_time='minutes', away_when_nobody=True)
    with pytest.raises(PermissionDenied):
        await availability.save_settings(db=db, staff=clerk, settings=settings)
    manager = await add_staff(db, email='m@example.com', permissions={Permission.REPLY, Permission.MANAGE_REPLIES})
    await availability.save_settings(db=db, staff=manager, settings=settings)
    loaded = await availability.load_settings(db)
    assert loaded == settings
    assert availability.greeting_for(loaded, 'de') == 'Hallo!'
    assert availability.away_message_for(loaded, 'de') == 'Back soon.'  # the store's default language
    assert availability.greeting_for(AvailabilitySettings(), 'en') == availability.DEFAULT_GREETING
    assert availability.reply_time_text(loaded, 'en') == 'We usually reply in a few minutes'
    with pytest.raises(Invalid):  # refused: nothing changes
        await availability.save_settings(db=db, staff=manager, settings=AvailabilitySettings(
            ranges=(Range(MON, 600, 500),)))
    await db.rollback()
    assert await availability.load_settings(db) == settings


async def test_away_when_nobody_follows_staff_pages(db: AsyncSession) -> None:
    store = await get_store(db)
    store.time_zone = 'Europe/Helsinki'
    db.add(store)
    await db.commit()
    owner = await add_staff(db, is_owner=True)
    assert owner.id is not None
    await availability.save_settings(db=db, staff=owner, settings=AvailabilitySettings(away_when_nobody=True))
    now = utc('2026-12-07T10:00Z')
    assert not (await availability.current_availability(db, at=now)).available
    no_chat = await add_staff(db, email='books@example.com', can_chat=False)
    presence = StaffPresence()
    assert no_chat.id is not None
    await presence.seen(db, no_chat.id, now=now)
    assert not await staff_on_duty(db, now=now)  # without the chat permission they do not count
    await presence.seen(db, owner.id, now=now)
    assert (await availability.current_availability(db, at=now + timedelta(minutes=1))).available
    assert not await staff_on_duty(db, now=now + timedelta(minutes=3))  # the page was closed since


def test_the_demo_store_is_open_when_it_is_loaded_and_for_hours_after() -> None:
    from app.demo import demo_hours

    for text in ('2026-12-07T00:30', '2026-12-09T12:00', '2026-12-12T19:00', '2026-12-13T23:30'):
        loaded = datetime.fromisoformat(text).replace(tzinfo=UTC)
        hours = Hours('UTC', demo_hours(loaded))
        assert availability.validated(AvailabilitySettings(ranges=hours.ranges)).ranges == tuple(sorted(hours.ranges))
        assert all(is_open(hours, loaded + timedelta(minutes=m)) for m in range(0, 6 * 60, 15)), text
