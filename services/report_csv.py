"""K1's tables as CSV files (UTF-8 with a BOM so that spreadsheet programs read the letters right)."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence

from services.i18n import N_, _
from services.reports import CountRow, Report

WEEKDAYS = (N_('Mon'), N_('Tue'), N_('Wed'), N_('Thu'), N_('Fri'), N_('Sat'), N_('Sun'))  # _() when shown


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(['' if value is None else value for value in row])
    return ('\ufeff' + out.getvalue()).encode('utf-8')


def _seconds(value: float | None) -> object:
    return None if value is None else round(value)


def staff_csv(report: Report) -> bytes:
    return _csv([_('Staff member'), _('Conversations replied'), _('Replies'), _('First responses'),
                 _('Median first response (seconds)')],
                ([row.name, row.conversations_replied, row.replies, row.first_responses,
                  _seconds(row.first_response_median_seconds)] for row in report.by_staff))


def counts_csv(rows: list[CountRow], key_header: str, label: Callable[[str], str] = str) -> bytes:
    """One row per key, named by `label` (a topic's or channel's name in the viewer's language)."""
    return _csv([key_header, _('Conversations'), _('Replied')],
                ([label(row.key), row.conversations, row.replied] for row in rows))


def heat_map_csv(report: Report) -> bytes:
    return _csv([_('Weekday'), *[str(hour) for hour in range(24)]],
                ([_(WEEKDAYS[day]), *report.heat_map[day]] for day in range(7)))


def _share(value: float | None) -> object:
    return None if value is None else round(100 * value, 1)


def _average(value: float | None) -> object:
    return None if value is None else round(value, 2)


def satisfaction_csv(report: Report) -> bytes:
    """K2: each figure for the period and the one before it."""
    now, before = report.satisfaction, report.previous_satisfaction
    rows: list[list[object]] = [
        [_('Surveys sent'), now.surveys, before.surveys],
        [_('Ratings'), now.ratings, before.ratings],
        [_('Share answered (%)'), _share(now.share_answered), _share(before.share_answered)],
        [_('Average rating'), _average(now.average), _average(before.average)],
        *[[_('Rated {rating}', rating=score), now.distribution[score - 1], before.distribution[score - 1]]
          for score in range(1, 6)],
    ]
    return _csv([_('Figure'), _('This period'), _('Previous period')], rows)
