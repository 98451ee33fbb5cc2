"""K1 Reports (/reports): a range of days in the store's zone, figure cards beside the previous period, breakdown
tables with CSV downloads and the weekday × hour heat map. The numbers come from services/reports.py."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.responses import RedirectResponse
from nicegui import ui

from components.badges import topic_label
from pages.staff_auth import signed_in_staff
from services import report_csv, reports
from services.errors import ServiceError
from services.i18n import N_, _
from services.locale_format import money, one_decimal, percent
from services.permissions import Permission, has, refusal
from services.runtime import Runtime
from services.satisfaction import Satisfaction
from services.store import get_store

RANGE_LABELS = {reports.RangeName.TODAY: N_('Today'), reports.RangeName.YESTERDAY: N_('Yesterday'),
                reports.RangeName.LAST_7_DAYS: N_('Last 7 days'), reports.RangeName.LAST_30_DAYS: N_('Last 30 days'),
                reports.RangeName.THIS_MONTH: N_('This month'), reports.RangeName.LAST_MONTH: N_('Last month'),
                reports.RangeName.CUSTOM: N_('Custom dates')}
DEFINITIONS = {
    'new': N_('Conversations that started in the period (in the store\'s time zone).'),
    'replied': N_('Conversations of the period with at least one staff message.'),
    'first_median': N_('Median time from the shopper\'s first message to the first staff reply after it; only '
                       'conversations that got a reply.'),
    'first_p90': N_('9 of 10 first replies came at least this fast; only conversations that got a reply.'),
    'close': N_('Median time from the start to the latest close, for conversations closed now.'),
    'orders': N_('Conversations whose shopper placed an order (not cancelled) within 7 days of the start.'),
    'revenue': N_('The total of those orders, each order counted once.'),
    'average': N_('The mean of the ratings (1 to 5) given to the surveys that closes of the period sent.'),
    'answered': N_('Ratings received for the surveys the period\'s closes sent (in the chat or by e-mail).'),
}
CHANNEL_LABELS = {'chat': N_('Chat'), 'email': N_('E-mail')}  # _() when shown


def channel_label(key: str) -> str:
    """A channel's name in the viewer's language (the stored key when it is one we do not know)."""
    return _(CHANNEL_LABELS[key]) if key in CHANNEL_LABELS else key


def duration(seconds: float | None) -> str:
    if seconds is None:
        return '–'
    whole = round(seconds)
    if whole < 60:
        return _('{n} s', n=whole)
    minutes = whole // 60
    if minutes < 60:
        return _('{n} min', n=minutes)
    return _('{h} h {m} min', h=minutes // 60, m=minutes % 60)


def _figure(title: str, definition: str, value: str, previous: str, mark: str) -> None:
    with ui.card().classes('p-3 rounded-xl gap-1 min-w-[180px] grow').mark(f'figure-{mark}'):
        with ui.row().classes('items-center gap-1 no-wrap'):
            ui.label(title).classes('text-sm text-stone-600')
            info = ui.button(icon='info_outline').props('flat round dense size=sm').tooltip(definition)
            info.props['aria-label'] = _('What this figure means')
            with info, ui.menu(), ui.card().classes('max-w-xs p-2'):  # one click (or Enter) shows it too
                ui.label(definition).classes('text-sm')
        ui.label(value).classes('text-2xl font-semibold text-stone-900')
        ui.label(_('Previous period: {value}', value=previous)).classes('text-xs text-stone-500')


def _table(title: str, columns: list[tuple[str, str]], rows: list[dict[str, object]], csv: bytes,
           filename: str) -> None:
    with ui.card().classes('w-full p-3 rounded-xl gap-2'):
        with ui.row().classes('w-full items-center'):
            ui.label(title).classes('font-semibold')
            ui.space()
            ui.button(_('Download CSV'), icon='download',
                      on_click=lambda: ui.download(csv, filename, 'text/csv')).props('flat dense no-caps').mark(
                f'csv-{filename}')
        if not rows:
            ui.label(_('Nothing in this period.')).classes('text-sm text-stone-500')
            return
        ui.table(columns=[{'name': key, 'label': label, 'field': key, 'align': 'left'} for key, label in columns],
                 rows=rows, row_key=columns[0][0]).props('flat dense').classes('w-full').mark(f'table-{filename}')


def _heat_map(report: reports.Report) -> None:
    days = [_(day) for day in report_csv.WEEKDAYS]
    cells = [[hour, day, report.heat_map[day][hour]] for day in range(7) for hour in range(24)]
    ui.echart({
        'tooltip': {'position': 'top'},
        'grid': {'left': 50, 'right': 10, 'top': 10, 'bottom': 90},
        'xAxis': {'type': 'category', 'data': [str(hour) for hour in range(24)], 'splitArea': {'show': True}},
        'yAxis': {'type': 'category', 'data': days, 'inverse': True, 'splitArea': {'show': True}},
        'visualMap': {'min': 0, 'max': max(max(row) for row in report.heat_map) or 1, 'calculable': True,
                      'orient': 'horizontal', 'left': 'center', 'bottom': 0,
                      'inRange': {'color': ['#eef2ff', '#3730a3']}},
        'series': [{'type': 'heatmap', 'data': cells, 'label': {'show': False}}],
    }).classes('w-full h-72').mark('heat-map')


def _topics_chart(report: reports.Report) -> None:
    rows = report.by_topic[:10]
    ui.echart({
        'grid': {'left': 120, 'right': 20, 'top': 10, 'bottom': 30},
        'xAxis': {'type': 'value', 'minInterval': 1},
        'yAxis': {'type': 'category', 'data': [topic_label(row.key) for row in rows], 'inverse': True},
        'series': [{'type': 'bar', 'data': [row.conversations for row in rows], 'itemStyle': {'color': '#4338ca'}}],
        'tooltip': {},
    }).classes('w-full h-64').mark('topics-chart')


def _average(value: float | None) -> str:
    return '–' if value is None else _('{value} / 5', value=one_decimal(value))


def _share(satisfaction: Satisfaction) -> str:
    if satisfaction.share_answered is None:
        return '–'
    return _('{percent} ({ratings} of {surveys} surveys)',
             percent=percent(satisfaction.share_answered),
             ratings=satisfaction.ratings, surveys=satisfaction.surveys)


def _satisfaction(report: reports.Report) -> None:
    """K2: average, share answered and the 1-to-5 distribution, each beside the previous period."""
    now, before = report.satisfaction, report.previous_satisfaction
    with ui.card().classes('w-full p-3 rounded-xl gap-2').mark('satisfaction'):
        with ui.row().classes('w-full items-center'):
            ui.label(_('Satisfaction')).classes('font-semibold')
            ui.space()
            ui.button(_('Download CSV'), icon='download',
                      on_click=lambda: ui.download(report_csv.satisfaction_csv(report), 'satisfaction.csv',
                                                   'text/csv')).props('flat dense no-caps').mark(
                'csv-satisfaction.csv')
        if now.surveys == 0 and before.surveys == 0:
            ui.label(_('No conversation closed in this period asked for a rating.')).classes(
                'text-sm text-stone-500').mark('satisfaction-empty')
            return
        with ui.row().classes('w-full gap-3'):
            _figure(_('Average rating'), _(DEFINITIONS['average']), _average(now.average), _average(before.average),
                    'rating-average')
            _figure(_('Share answered'), _(DEFINITIONS['answered']), _share(now), _share(before), 'rating-share')
        ui.echart({
            'tooltip': {'trigger': 'axis'},
            'legend': {'data': [_('This period'), _('Previous period')], 'bottom': 0},
            'grid': {'left': 40, 'right': 20, 'top': 10, 'bottom': 40},
            'xAxis': {'type': 'category', 'data': [_('{rating} out of 5', rating=score) for score in range(1, 6)]},
            'yAxis': {'type': 'value', 'minInterval': 1},
            'series': [{'name': _('This period'), 'type': 'bar', 'data': list(now.distribution),
                        'itemStyle': {'color': '#4338ca'}},
                       {'name': _('Previous period'), 'type': 'bar', 'data': list(before.distribution),
                        'itemStyle': {'color': '#c7d2fe'}}],
        }).classes('w-full h-56').mark('rating-distribution')


def render_report(report: reports.Report, currency: str) -> None:
    now, before = report.current, report.previous

    def cents(value: int) -> str:
        return money(Decimal(value) / 100, currency)

    with ui.row().classes('w-full gap-3'):
        _figure(_('New conversations'), _(DEFINITIONS['new']), str(now.new_conversations),
                str(before.new_conversations), 'new')
        _figure(_('Replied conversations'), _(DEFINITIONS['replied']), str(now.replied_conversations),
                str(before.replied_conversations), 'replied')
        _figure(_('First response (median)'), _(DEFINITIONS['first_median']),
                duration(now.first_response_median_seconds), duration(before.first_response_median_seconds),
                'first-median')
        _figure(_('First response (90th percentile)'), _(DEFINITIONS['first_p90']),
                duration(now.first_response_p90_seconds), duration(before.first_response_p90_seconds), 'first-p90')
        _figure(_('Time to close (median)'), _(DEFINITIONS['close']), duration(now.time_to_close_median_seconds),
                duration(before.time_to_close_median_seconds), 'close')
        _figure(_('Followed by an order'), _(DEFINITIONS['orders']), str(now.followed_by_order),
                str(before.followed_by_order), 'orders')
        _figure(_('Order revenue'), _(DEFINITIONS['revenue']), cents(now.order_revenue_cents),
                cents(before.order_revenue_cents), 'revenue')
    _satisfaction(report)
    if now.new_conversations == 0:
        ui.label(_('No conversations started in this period.')).classes('text-stone-500').mark('reports-empty')
        return
    with ui.card().classes('w-full p-3 rounded-xl gap-2'):
        with ui.row().classes('w-full items-center'):
            ui.label(_('When conversations start (store time)')).classes('font-semibold')
            ui.space()
            ui.button(_('Download CSV'), icon='download',
                      on_click=lambda: ui.download(report_csv.heat_map_csv(report), 'heat-map.csv', 'text/csv')
                      ).props('flat dense no-caps')
        _heat_map(report)
    if report.by_topic:
        with ui.card().classes('w-full p-3 rounded-xl gap-2'):
            ui.label(_('Conversations by topic')).classes('font-semibold')
            _topics_chart(report)
    _table(_('By staff member'), [('name', _('Staff member')), ('replied', _('Conversations replied')),
                                  ('replies', _('Replies')), ('firsts', _('First responses')),
                                  ('median', _('First response (median)'))],
           [{'name': row.name, 'replied': row.conversations_replied, 'replies': row.replies,
             'firsts': row.first_responses, 'median': duration(row.first_response_median_seconds)}
            for row in report.by_staff], report_csv.staff_csv(report), 'staff.csv')
    _table(_('By topic'), [('key', _('Topic')), ('conversations', _('Conversations')), ('replied', _('Replied'))],
           [{'key': topic_label(row.key), 'conversations': row.conversations, 'replied': row.replied}
            for row in report.by_topic], report_csv.counts_csv(report.by_topic, _('Topic'), topic_label), 'topics.csv')
    _table(_('By channel'), [('key', _('Channel')), ('conversations', _('Conversations')), ('replied', _('Replied'))],
           [{'key': channel_label(row.key), 'conversations': row.conversations, 'replied': row.replied}
            for row in report.by_channel], report_csv.counts_csv(report.by_channel, _('Channel'), channel_label),
           'channels.csv')


def install_report_pages(runtime: Runtime) -> None:
    @ui.page('/reports', title=_('Reports'))
    async def reports_page() -> RedirectResponse | None:
        staff = await signed_in_staff(runtime, '/reports')
        if isinstance(staff, RedirectResponse):
            return staff
        ui.page_title(_('Reports'))
        ui.query('body').classes('bg-stone-100')
        with ui.header().classes('h-14 px-4 items-center gap-3 bg-white text-stone-900 border-b border-stone-200'):
            back = ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/inbox')).props('flat round dense')
            back.props['aria-label'] = _('Back to the inbox')
            ui.label(_('Reports')).classes('text-lg font-semibold')
        if not has(staff, Permission.SEE_REPORTS):
            ui.label(refusal(Permission.SEE_REPORTS)).classes('absolute-center text-lg')
            return None
        async with runtime.db.sessions() as db:
            store = await get_store(db)
        zone, currency = store.time_zone, store.currency
        with ui.row().classes('w-full max-w-6xl mx-auto px-4 pt-4 items-end gap-3'):
            picker = ui.select({name.value: _(label) for name, label in RANGE_LABELS.items()},
                               value=reports.RangeName.LAST_30_DAYS.value, label=_('Range')).props(
                'outlined dense').classes('min-w-[180px]').mark('range')
            first = ui.input(_('First day'), value=date.today().replace(day=1).isoformat()).props(
                'outlined dense type=date').mark('first-day')
            last = ui.input(_('Last day'), value=date.today().isoformat()).props(
                'outlined dense type=date').mark('last-day')
            apply = ui.button(_('Show'), on_click=lambda: show()).props('unelevated no-caps color=indigo-8')
            period_label = ui.label('').classes('text-sm text-stone-600').mark('period')
        body = ui.column().classes('w-full max-w-6xl mx-auto p-4 gap-3')

        def custom_visible() -> None:
            for element in (first, last, apply):
                element.set_visibility(picker.value == reports.RangeName.CUSTOM)

        async def show() -> None:
            custom_visible()
            body.clear()
            with body:
                with ui.row().classes('items-center gap-2').mark('reports-loading'):
                    ui.spinner(size='md')
                    ui.label(_('Loading…'))
            try:
                period = reports.period_for(
                    picker.value, zone=zone,
                    first=date.fromisoformat(first.value) if first.value else None,
                    last=date.fromisoformat(last.value) if last.value else None)
                async with runtime.db.sessions() as db:
                    report = await reports.build_report(db=db, staff=staff, period=period)
            except (ServiceError, ValueError) as error:  # a bad custom range: said on the page, in the viewer's words
                body.clear()
                with body, ui.row().classes('items-center gap-2 rounded-lg bg-red-50 px-3 py-2 text-red-800').props(
                        'role=alert').mark('reports-error'):
                    ui.icon('error_outline', size='20px')
                    ui.label(error.message if isinstance(error, ServiceError) else _('Dates are written YYYY-MM-DD.'))
                return
            period_label.text = _('{first} – {last}, compared with {previous_first} – {previous_last} ({zone})',
                                  first=period.first_day.isoformat(), last=period.last_day.isoformat(),
                                  previous_first=report.previous_period.first_day.isoformat(),
                                  previous_last=report.previous_period.last_day.isoformat(), zone=zone)
            body.clear()
            with body:
                render_report(report, currency)

        picker.on_value_change(lambda: show() if picker.value != reports.RangeName.CUSTOM else custom_visible())
        custom_visible()
        ui.timer(0, show, once=True)
        return None
