"""Times shown in the viewer's own time zone."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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
        """14:05 today, 'Mon 14:05' this week, '3 Nov' this year, else '3 Nov 2025'."""
        now_local = self.local(now or datetime.now(timezone.utc))
        local = self.local(moment)
        if local.date() == now_local.date():
            return local.strftime('%H:%M')
        days = (now_local.date() - local.date()).days
        if 0 < days < 7:
            return local.strftime('%a %H:%M')
        if local.year == now_local.year:
            return f'{local.day} {local.strftime("%b")}'
        return f'{local.day} {local.strftime("%b %Y")}'

    def time_of_day(self, moment: datetime) -> str:
        return self.local(moment).strftime('%H:%M')
