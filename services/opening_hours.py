"""Weekly working hours in a time zone (A1): whether an instant is inside them, and when they open next.

Hours are wall-clock ranges per weekday (0 Monday .. 6 Sunday) in minutes from local midnight; 1440 is 24:00, so
Friday 22:00-24:00 and Saturday 00:00-02:00 are one stretch. A holiday (a local date) is closed all day. Every
instant is judged by its local wall-clock time, so a range keeps its local times across DST changes: 09:00 is 07:00
UTC in Helsinki's summer and 06:00 UTC in its winter. On the spring day a range that starts inside the skipped hour
opens when the clocks jump (the first instant whose local time is past its start); on the autumn day a time that
happens twice means its first occurrence.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_A_DAY = 24 * 60
SEARCH_DAYS = 400
"""How far ahead next_opening looks (holidays can close many days in a row); beyond: never opens."""


@dataclass(frozen=True, order=True)
class Range:
    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Hours:
    time_zone: str
    ranges: tuple[Range, ...]
    holidays: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def is_open(hours: Hours, at: datetime) -> bool:
    local = at.astimezone(hours.zone)
    if local.date() in hours.holidays:
        return False
    minute = local.hour * 60 + local.minute
    weekday = local.weekday()
    return any(r.weekday == weekday and r.start_minute <= minute < r.end_minute for r in hours.ranges)


def _instant(zone: ZoneInfo, day: date, minute: int) -> datetime:
    """The first instant whose local time on `day` is at or past `minute` (24:00 is the next midnight)."""
    if minute >= MINUTES_A_DAY:
        return _instant(zone, day + timedelta(days=1), 0)
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    first = wall.astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return first  # the time exists (its first occurrence, fold 0, when it happens twice)
    # Skipped by a spring change: open when the clocks jump, found between the two readings of the wall time.
    low, high = wall.replace(fold=1).astimezone(UTC), first
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wall.replace(tzinfo=None):
            high = middle
        else:
            low = middle
    return high.replace(second=0, microsecond=0)


def next_opening(hours: Hours, at: datetime) -> datetime | None:
    """When the hours next open after `at` (an aware datetime in the store's zone); None when they never do (no
    ranges, or only holidays for SEARCH_DAYS) or when `at` is inside the hours."""
    if not hours.ranges or is_open(hours, at):
        return None
    zone = hours.zone
    today = at.astimezone(zone).date()
    by_weekday: dict[int, list[Range]] = {}
    for hours_range in sorted(hours.ranges):
        by_weekday.setdefault(hours_range.weekday, []).append(hours_range)
    for offset in range(SEARCH_DAYS):
        day = today + timedelta(days=offset)
        if day in hours.holidays:
            continue
        for hours_range in by_weekday.get(day.weekday(), []):
            opens = _instant(zone, day, hours_range.start_minute)
            closes = _instant(zone, day, hours_range.end_minute)
            if opens > at and closes > opens:
                return opens.astimezone(zone)
    return None


def current_range_end(hours: Hours, at: datetime) -> datetime | None:
    """While open: when the stretch of hours `at` is in closes (following ranges that touch, such as 22:00-24:00 and
    00:00-02:00, across days); None while closed."""
    if not is_open(hours, at):
        return None
    zone = hours.zone
    end = at
    for _step in range(8 * len(hours.ranges) + 1):
        local = end.astimezone(zone)
        minute = local.hour * 60 + local.minute
        found = next((r for r in hours.ranges if r.weekday == local.weekday() and r.start_minute <= minute
                      < r.end_minute), None)
        if found is None or local.date() in hours.holidays:
            break
        end = _instant(zone, local.date(), found.end_minute)
    return end.astimezone(zone)
