"""Chat availability (A1): the store's weekly hours, holidays, greeting, away message, reply time, and whether the
chat is available at an instant.

- Hours are ranges per weekday in the store's time zone (services/opening_hours.py does the time arithmetic). No
  ranges at all means no hours are set: the chat is available at any time (as before A1). With hours set, a weekday
  without ranges is closed.
- Holidays are local dates, closed all day, with an optional label.
- Greeting and away message are per language; a language without its own text falls back to the store's default
  language (services/saved_replies.STORE_DEFAULT_LANGUAGE), then to the built-in text in the asked language.
- "Away when nobody is signed in": also away while no staff member with the chat permission has a staff page open
  (services/presence.py, STAFF_SEEN_WITHIN).

Reading is public (the widget asks); changing needs MANAGE_REPLIES ("manage saved replies and availability").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import AvailabilityHoliday, AvailabilityRange, AvailabilitySetting, AvailabilityText, Staff
from db.types import utcnow
from services.errors import Invalid, TooLarge
from services.i18n import N_, SUPPORTED_LANGUAGES, _, language
from services.opening_hours import MINUTES_A_DAY, Hours, Range, current_range_end, is_open, next_opening
from services.permissions import Permission, require
from services.presence import staff_on_duty
from services.saved_replies import STORE_DEFAULT_LANGUAGE
from services.store import get_store


class ReplyTime(StrEnum):
    MINUTES = 'minutes'
    HOURS = 'hours'
    DAY = 'day'


REPLY_TIME_TEXTS: dict[ReplyTime, str] = {
    ReplyTime.MINUTES: N_('We usually reply in a few minutes'),
    ReplyTime.HOURS: N_('We usually reply in a few hours'),
    ReplyTime.DAY: N_('We usually reply within a day'),
}
DEFAULT_GREETING = N_('Hi! How can we help you today?')
DEFAULT_AWAY_MESSAGE = N_('We are away right now. Leave us a message and we will answer as soon as we are back.')
WEEKDAY_NAMES = (N_('Monday'), N_('Tuesday'), N_('Wednesday'), N_('Thursday'), N_('Friday'), N_('Saturday'),
                 N_('Sunday'))
MAX_RANGES_A_DAY = 6
MAX_HOLIDAYS = 200
MAX_GREETING = 500
MAX_AWAY_MESSAGE = 1000
MAX_LABEL = 100


@dataclass(frozen=True)
class Holiday:
    day: date
    label: str = ''


@dataclass(frozen=True)
class Texts:
    greeting: str = ''
    away_message: str = ''


@dataclass(frozen=True)
class AvailabilitySettings:
    """What the owner set (also the input of save_settings: it is validated there)."""
    ranges: tuple[Range, ...] = ()
    holidays: tuple[Holiday, ...] = ()
    texts: dict[str, Texts] = field(default_factory=dict)
    reply_time: str = ReplyTime.HOURS
    away_when_nobody: bool = False


@dataclass(frozen=True)
class Availability:
    """Whether the chat is available at one instant, and when it is back."""
    available: bool
    back_at: datetime | None
    """The next opening in the store's zone; None while available, or when it is unknown (no hours ahead, or away
    only because nobody is signed in)."""
    period: str
    """Which away period this is ('' while available): services/away_notices.py posts one away message per
    conversation and period."""


def hhmm(minute: int) -> str:
    return f'{minute // 60:02d}:{minute % 60:02d}'


def parse_hhmm(text: str) -> int:
    """'09:30' -> 570; '24:00' -> 1440; anything else Invalid."""
    hours, sep, minutes = text.strip().partition(':')
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise Invalid(_('"{text}" is not a time. Write it as 09:30.', text=text.strip()[:20]), code='invalid_time')
    minute = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or minute > MINUTES_A_DAY:
        raise Invalid(_('"{text}" is not a time. Write it as 09:30.', text=text.strip()[:20]), code='invalid_time')
    return minute


def _validated_ranges(ranges: tuple[Range, ...]) -> tuple[Range, ...]:
    clean = sorted(ranges)
    for hours_range in clean:
        day = _(WEEKDAY_NAMES[hours_range.weekday]) if 0 <= hours_range.weekday <= 6 else '?'
        if not 0 <= hours_range.weekday <= 6:
            raise Invalid(_('A weekday is 0 (Monday) to 6 (Sunday).'), code='invalid_weekday')
        if not (0 <= hours_range.start_minute < MINUTES_A_DAY and 0 < hours_range.end_minute <= MINUTES_A_DAY):
            raise Invalid(_('{day}: hours are between 00:00 and 24:00.', day=day), code='invalid_time')
        if hours_range.end_minute <= hours_range.start_minute:
            raise Invalid(_('{day}: {end} is not after {start}.', day=day, start=hhmm(hours_range.start_minute),
                            end=hhmm(hours_range.end_minute)), code='end_before_start')
    for earlier, later in zip(clean, clean[1:], strict=False):
        if earlier.weekday == later.weekday and later.start_minute < earlier.end_minute:
            raise Invalid(_('{day}: {first} and {second} overlap.', day=_(WEEKDAY_NAMES[later.weekday]),
                            first=f'{hhmm(earlier.start_minute)}-{hhmm(earlier.end_minute)}',
                            second=f'{hhmm(later.start_minute)}-{hhmm(later.end_minute)}'),
                          code='overlapping_ranges')
    for weekday in range(7):
        if sum(1 for r in clean if r.weekday == weekday) > MAX_RANGES_A_DAY:
            raise Invalid(_('{day}: at most {count} ranges.', day=_(WEEKDAY_NAMES[weekday]), count=MAX_RANGES_A_DAY),
                          code='too_many_ranges')
    return tuple(clean)


def parse_day(text: str) -> date:
    """'2026-12-24' -> that date; anything else Invalid (the message names what was typed)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise Invalid(_('"{text}" is not a date. Write it as 2026-12-24.', text=text.strip()[:20]),
                      code='invalid_date') from error


def _validated_holidays(holidays: tuple[Holiday, ...]) -> tuple[Holiday, ...]:
    if len(holidays) > MAX_HOLIDAYS:
        raise Invalid(_('At most {count} holidays.', count=MAX_HOLIDAYS), code='too_many_holidays')
    seen: set[date] = set()
    clean: list[Holiday] = []
    for holiday in holidays:
        if holiday.day in seen:
            raise Invalid(_('{day} is listed twice.', day=holiday.day.isoformat()), code='duplicate_holiday')
        seen.add(holiday.day)
        label = holiday.label.replace('\x00', '').strip()
        if len(label) > MAX_LABEL:
            raise TooLarge(_('A holiday label has at most {count} characters.', count=MAX_LABEL))
        clean.append(Holiday(day=holiday.day, label=label))
    return tuple(sorted(clean, key=lambda h: h.day))


def _validated_texts(texts: dict[str, Texts]) -> dict[str, Texts]:
    clean: dict[str, Texts] = {}
    for lang, given in texts.items():
        if lang not in SUPPORTED_LANGUAGES:
            raise Invalid(_('Unknown language: {language}.', language=lang[:10]), code='invalid_language')
        greeting = given.greeting.replace('\x00', '').strip()
        away = given.away_message.replace('\x00', '').strip()
        if len(greeting) > MAX_GREETING:
            raise TooLarge(_('A greeting has at most {count} characters.', count=MAX_GREETING))
        if len(away) > MAX_AWAY_MESSAGE:
            raise TooLarge(_('An away message has at most {count} characters.', count=MAX_AWAY_MESSAGE))
        if greeting or away:
            clean[lang] = Texts(greeting=greeting, away_message=away)
    return clean


def validated(settings: AvailabilitySettings) -> AvailabilitySettings:
    if settings.reply_time not in set(ReplyTime):
        raise Invalid(_('The reply time is minutes, hours or a day.'), code='invalid_reply_time')
    return AvailabilitySettings(ranges=_validated_ranges(settings.ranges),
                                holidays=_validated_holidays(settings.holidays),
                                texts=_validated_texts(settings.texts), reply_time=settings.reply_time,
                                away_when_nobody=settings.away_when_nobody)


async def load_settings(db: AsyncSession) -> AvailabilitySettings:
    setting = await db.get(AvailabilitySetting, 1)
    ranges = (await db.exec(select(AvailabilityRange))).all()
    holidays = (await db.exec(select(AvailabilityHoliday))).all()
    texts = (await db.exec(select(AvailabilityText))).all()
    return AvailabilitySettings(
        ranges=tuple(sorted(Range(r.weekday, r.start_minute, r.end_minute) for r in ranges)),
        holidays=tuple(sorted((Holiday(h.day, h.label) for h in holidays), key=lambda h: h.day)),
        texts={t.language: Texts(t.greeting, t.away_message) for t in texts},
        reply_time=setting.reply_time if setting else ReplyTime.HOURS,
        away_when_nobody=setting.away_when_nobody if setting else False)


async def save_settings(*, db: AsyncSession, staff: Staff | None,
                        settings: AvailabilitySettings) -> AvailabilitySettings:
    """Replace every availability setting with `settings` (validated first: nothing changes when it is refused)."""
    clean = await stage_settings(db=db, staff=staff, settings=settings)
    await db.commit()
    return clean


async def stage_settings(*, db: AsyncSession, staff: Staff | None,
                         settings: AvailabilitySettings) -> AvailabilitySettings:
    """save_settings without the commit (the demo store is loaded in one transaction)."""
    require(staff, Permission.MANAGE_REPLIES)
    clean = validated(settings)
    await db.exec(delete(AvailabilityRange))
    await db.exec(delete(AvailabilityHoliday))
    await db.exec(delete(AvailabilityText))
    for hours_range in clean.ranges:
        db.add(AvailabilityRange(weekday=hours_range.weekday, start_minute=hours_range.start_minute,
                                 end_minute=hours_range.end_minute))
    for holiday in clean.holidays:
        db.add(AvailabilityHoliday(day=holiday.day, label=holiday.label))
    for lang, texts in clean.texts.items():
        db.add(AvailabilityText(language=lang, greeting=texts.greeting, away_message=texts.away_message))
    setting = await db.get(AvailabilitySetting, 1) or AvailabilitySetting(id=1)
    setting.reply_time, setting.away_when_nobody, setting.updated_at = clean.reply_time, clean.away_when_nobody, \
        utcnow()
    db.add(setting)
    await db.flush()
    return clean


def hours_of(settings: AvailabilitySettings, time_zone: str) -> Hours:
    return Hours(time_zone=time_zone, ranges=settings.ranges, holidays=frozenset(h.day for h in settings.holidays))


def availability_at(settings: AvailabilitySettings, time_zone: str, at: datetime, *,
                    staff_present: bool = True) -> Availability:
    """Pure: the chat's availability at `at` for these settings (staff_present: someone has a staff page open)."""
    hours = hours_of(settings, time_zone)
    if settings.ranges and not is_open(hours, at):
        back = next_opening(hours, at)
        period = 'closed:' + (back.astimezone(UTC).isoformat(timespec='minutes') if back else 'never')
        return Availability(available=False, back_at=back, period=period)
    if settings.away_when_nobody and not staff_present:
        end = current_range_end(hours, at) if settings.ranges else None
        # once per stretch of hours, or once per local day when there are no hours
        key = end.astimezone(UTC).isoformat(timespec='minutes') if end else at.astimezone(hours.zone).date().isoformat()
        return Availability(available=False, back_at=None, period='unstaffed:' + key)
    return Availability(available=True, back_at=None, period='')


async def current_availability(db: AsyncSession, *, at: datetime | None = None,
                               settings: AvailabilitySettings | None = None) -> Availability:
    """The chat's availability now (or at `at`), reading the settings (unless given), the store's zone and staff
    presence."""
    at = at or utcnow()
    settings = settings or await load_settings(db)
    store = await get_store(db)
    present = await staff_on_duty(db, now=at) if settings.away_when_nobody else True
    return availability_at(settings, store.time_zone, at, staff_present=present)


def _text_in(settings: AvailabilitySettings, lang: str, pick: str) -> str:
    for candidate in (lang, STORE_DEFAULT_LANGUAGE):
        texts = settings.texts.get(candidate)
        if texts is not None and getattr(texts, pick):
            return str(getattr(texts, pick))
    return ''


def greeting_for(settings: AvailabilitySettings, lang: str) -> str:
    """The greeting in `lang`, else in the store's default language, else the built-in one in `lang`."""
    found = _text_in(settings, lang, 'greeting')
    if found:
        return found
    with language(lang):
        return _(DEFAULT_GREETING)


def away_message_for(settings: AvailabilitySettings, lang: str) -> str:
    found = _text_in(settings, lang, 'away_message')
    if found:
        return found
    with language(lang):
        return _(DEFAULT_AWAY_MESSAGE)


def reply_time_text(settings: AvailabilitySettings, lang: str) -> str:
    with language(lang):
        return _(REPLY_TIME_TEXTS[ReplyTime(settings.reply_time)])
