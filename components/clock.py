"""Times shown in the viewer's own time zone, written the way the viewer's language writes them."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services import locale_format


class ViewerClock:
    def __init__(self, zone_name: str = 'UTC') -> None:
        self.zone = self._zone(zone_name)

    @staticmethod
    def _zone(name: str) -> ZoneInfo:
        try:
            return ZoneInfo(name or 'UTC')
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo('UTC')

    def set_zone(self, name: str) -> None:
        self.zone = self._zone(name)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def short(self, moment: datetime, *, now: datetime | None = None) -> str:
        """14:05 today, 'Mon 14:05' this week, '3 Nov' this year, else '3 Nov 2025' (English; see locale_format)."""
        now_local = self.local(now or datetime.now(UTC))
        local = self.local(moment)
        if local.date() == now_local.date():
            return locale_format.time_of_day(local)
        days = (now_local.date() - local.date()).days
        if 0 < days < 7:
            return locale_format.weekday_time(local)
        if local.year == now_local.year:
            return locale_format.day_month(local)
        return locale_format.day_month_year(local)

    def time_of_day(self, moment: datetime) -> str:
        return locale_format.time_of_day(self.local(moment))

    def date_and_time(self, moment: datetime) -> str:
        """'3 Nov 2025 · 14:05' in the viewer's zone and language."""
        return locale_format.date_and_time(self.local(moment))
