"""/audit: the audit log (G4) for the store owner: newest first, filters (action, staff member, days in the store's
time zone, text), 50 a page, CSV download of everything the filters match, and how long the log keeps events.
services/audit.py refuses everyone but the owner; this page only shows the refusal."""
from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from fastapi.responses import RedirectResponse
from nicegui import ui

from components.client_address import client_address
from pages.account import page_header
from pages.staff_auth import signed_in_staff
from services import audit
from services.audit import AuditFilter
from services.errors import ServiceError
from services.i18n import _, ngettext
from services.inbox_commands import acting
from services.locale_format import date_and_time
from services.runtime import Runtime
from services.store import get_store

ALL = ''


def detail_text(detail: dict[str, object]) -> str:
    """`field: old → new` for changes, `key: value` otherwise (values as JSON, so text stays text)."""
    parts = []
    for key, value in detail.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f'{key}: {json.dumps(value[0], ensure_ascii=False)} → '
                         f'{json.dumps(value[1], ensure_ascii=False)}')
        else:
            parts.append(f'{key}: {json.dumps(value, ensure_ascii=False)}')
    return '; '.join(parts)


def install_audit_log_page(runtime: Runtime) -> None:
    @ui.page('/audit', title=_('Audit log · Inbox'))
    async def audit_page() -> RedirectResponse | None:
        me = await signed_in_staff(runtime, '/audit')
        if isinstance(me, RedirectResponse):
            return me
        assert me.id is not None
        staff_id = me.id
        address = client_address()
        ui.page_title(_('Audit log · Inbox'))
        ui.query('body').classes('bg-stone-100')
        page_header(_('Audit log'))
        body = ui.column().classes('w-full max-w-6xl mx-auto p-4 gap-3')
        try:
            async with acting(runtime, staff_id) as (db, actor):
                names = await audit.actors(db=db, staff=actor)
                store = await get_store(db)
        except ServiceError as refused:
            with body, ui.column().classes('w-full items-center text-center gap-2 pt-16'):
                ui.icon('lock', size='48px').classes('text-stone-400')
                ui.label(refused.message).classes('text-lg font-semibold').mark('audit-refused')
            return None
        zone = store.time_zone
        state = {'page': 1}

        with body, ui.row().classes('w-full items-end gap-3').mark('audit-filters'):
            action = ui.select({ALL: _('All actions')} | {a.value: audit.label(a) for a in audit.Action},
                               value=ALL, label=_('Action')).props('outlined dense').classes(
                'min-w-[200px]').mark('audit-action')
            who = ui.select({0: _('Everyone')} | dict(names), value=0, label=_('Staff member')).props(
                'outlined dense').classes('min-w-[180px]').mark('audit-staff')
            first = ui.input(_('First day'), value='').props('outlined dense type=date').mark('audit-from')
            last = ui.input(_('Last day'), value='').props('outlined dense type=date').mark('audit-to')
            words = ui.input(_('Search'), value='').props(
                'outlined dense clearable maxlength=100').classes('grow').mark('audit-text')
            ui.button(_('Show'), on_click=lambda: show(1)).props('unelevated no-caps color=indigo-8').mark(
                'audit-show')
            ui.button(_('Download CSV'), icon='download', on_click=lambda: download()).props(
                'flat no-caps').mark('audit-csv')
        with body:
            results = ui.column().classes('w-full gap-2').mark('audit-results')
        words.on('keydown.enter', lambda: show(1))

        def current_filter() -> AuditFilter:
            since, until = audit.day_bounds(date.fromisoformat(first.value) if first.value else None,
                                            date.fromisoformat(last.value) if last.value else None, zone)
            return AuditFilter(action=str(action.value or ''), staff_id=int(who.value) or None, since=since,
                               until=until, text=str(words.value or ''))

        async def show(page: int) -> None:
            results.clear()
            with results, ui.row().classes('items-center gap-2').mark('audit-loading'):
                ui.spinner(size='md')
                ui.label(_('Loading…'))
            try:
                where = current_filter()
                async with acting(runtime, staff_id) as (db, actor):
                    found = await audit.events(db=db, staff=actor, where=where, page=page)
            except (ServiceError, ValueError) as error:
                results.clear()
                with results:
                    ui.label(getattr(error, 'message', _('Dates are written YYYY-MM-DD.'))).classes(
                        'text-red-700').mark('audit-error')
                return
            state['page'] = found.page
            results.clear()
            with results:
                render_events(found, zone)

        def render_events(found: audit.AuditPage, zone_name: str) -> None:
            if not found.events:
                with ui.column().classes('w-full items-center text-center gap-2 py-12').mark('audit-empty'):
                    ui.icon('history', size='40px').classes('text-stone-400')
                    ui.label(_('No events match these filters.')).classes('text-stone-600')
                return
            tz = ZoneInfo(zone_name)
            rows = [{'id': event.id, 'at': date_and_time(event.at.astimezone(tz)), 'action': audit.label(event.action),
                     'actor': event.actor_label, 'target': event.target, 'detail': detail_text(event.detail),
                     'address': event.address} for event in found.events]
            columns = [('at', _('When ({zone})', zone=zone_name)), ('action', _('Action')), ('actor', _('Who')),
                       ('target', _('Target')), ('detail', _('What changed')), ('address', _('Address'))]
            with ui.card().classes('w-full p-0 rounded-xl'):
                ui.table(columns=[{'name': key, 'label': title, 'field': key, 'align': 'left'}
                                  for key, title in columns], rows=rows, row_key='id').props(
                    'flat dense wrap-cells').classes('w-full').mark('audit-table')
            with ui.row().classes('w-full items-center gap-2'):
                ui.label(ngettext('{n} event · page {page} of {pages}', '{n} events · page {page} of {pages}',
                                  found.total, page=found.page, pages=found.pages)).classes(
                    'text-sm text-stone-600').mark('audit-count')
                ui.space()
                ui.button(_('Newer'), icon='chevron_left', on_click=lambda: show(found.page - 1)).props(
                    'flat no-caps' + (' disable' if found.page <= 1 else '')).mark('audit-newer')
                ui.button(_('Older'), icon='chevron_right', on_click=lambda: show(found.page + 1)).props(
                    'flat no-caps' + (' disable' if found.page >= found.pages else '')).mark('audit-older')

        async def download() -> None:
            try:
                where = current_filter()
                async with acting(runtime, staff_id) as (db, actor):
                    data = await audit.events_csv(db=db, staff=actor, where=where)
            except (ServiceError, ValueError) as error:
                ui.notify(getattr(error, 'message', _('Dates are written YYYY-MM-DD.')), type='negative')
                return
            ui.download(data.encode(), 'audit-log.csv', 'text/csv')

        with body, ui.card().classes('w-full p-4 gap-2 rounded-xl').mark('audit-retention'):
            ui.label(_('Keeping the log')).classes('font-semibold')
            with ui.row().classes('items-end gap-3'):
                days = ui.number(_('Delete events older than (days)'), value=store.audit_retention_days,
                                 min=audit.MIN_RETENTION_DAYS, max=audit.MAX_RETENTION_DAYS, step=1,
                                 format='%d').props('outlined dense').classes('w-64').mark('audit-retention-days')

                async def save_days() -> None:
                    try:
                        async with acting(runtime, staff_id) as (db, actor):
                            kept = await audit.set_retention_days(db=db, staff=actor, days=int(days.value or 0),
                                                                  address=address)
                    except ServiceError as failure:
                        ui.notify(failure.message, type='negative')
                        return
                    ui.notify(_('The log keeps events for {days} days.', days=kept), type='positive')

                ui.button(_('Save'), on_click=save_days).props('unelevated no-caps color=indigo-8').mark(
                    'audit-retention-save')
            ui.label(_('Old events are deleted once a day.')).classes('text-xs text-stone-500')

        ui.timer(0, lambda: show(1), once=True)
        return None
