"""Discount codes (S2): list with status, create and edit with validation (/discounts)."""
from __future__ import annotations

from datetime import UTC, datetime

from fastapi.responses import RedirectResponse
from nicegui import ui

from pages.staff_auth import chat_staff_or_redirect
from services import discounts, sharing
from services.errors import ServiceError
from services.i18n import N_, _
from services.runtime import Runtime
from services.staff import get_active_staff

STATUS_LABEL = {'active': N_('Active'), 'scheduled': N_('Scheduled'), 'expired': N_('Expired'),
                'used_up': N_('Used up'), 'inactive': N_('Inactive')}  # N_: translated with _() when shown


def _parse_day(text: str, *, end: bool) -> datetime | None:
    text = (text or '').strip()
    if not text:
        return None
    try:
        day = datetime.strptime(text, '%Y-%m-%d')
    except ValueError:
        raise ServiceError(_('Dates are written YYYY-MM-DD.')) from None
    moment = day.replace(hour=23, minute=59, second=59) if end else day
    return moment.replace(tzinfo=UTC)


def install_discount_pages(runtime: Runtime) -> None:
    @ui.page('/discounts', title=_('Discount codes'))
    async def discounts_page() -> RedirectResponse | None:
        staff = await chat_staff_or_redirect(runtime, '/discounts')
        if staff is None or isinstance(staff, RedirectResponse):
            return staff
        ui.page_title(_('Discount codes'))
        ui.query('body').classes('bg-stone-100')
        with ui.header().classes('h-14 px-4 items-center gap-3 bg-white text-stone-900 border-b border-stone-200'):
            back = ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/inbox')).props('flat round dense')
            back.props['aria-label'] = _('Back to the inbox')
            ui.label(_('Discount codes')).classes('text-lg font-semibold')
            ui.space()
            ui.button(_('New code'), icon='add', on_click=lambda: edit(None)).props(
                'unelevated no-caps color=indigo-8').mark('new-code')
        table = ui.column().classes('w-full max-w-3xl mx-auto p-4 gap-2')

        async def show() -> None:
            async with runtime.db.sessions() as db:
                codes = await sharing.list_discount_codes(db=db, limit=500)
            table.clear()
            with table:
                if not codes:
                    ui.label(_('No discount codes yet.')).classes('text-stone-500')
                for code in codes:
                    with ui.card().classes('w-full p-3 rounded-xl'), ui.row().classes('w-full items-center no-wrap'):
                        with ui.column().classes('gap-0 grow'):
                            ui.label(code.code).classes('font-mono font-semibold')
                            window = code.starts_at.date().isoformat() + ' – ' + (
                                code.ends_at.date().isoformat() if code.ends_at else _('no end'))
                            used = f'{code.times_used}/{code.usage_limit}' if code.usage_limit else str(code.times_used)
                            ui.label(_('{value} off · {window} · used {used}', value=code.value, window=window,
                                       used=used)).classes('text-xs text-stone-500')
                        ui.label(_(STATUS_LABEL[code.status])).classes('text-xs rounded-full px-2 py-0.5 bg-stone-100')
                        ui.button(_('Edit'), on_click=editor(code.id)).props('flat dense no-caps').mark(
                            f'edit-{code.code}')

        def editor(code_id: int):  # type: ignore[no-untyped-def]
            return lambda: edit(code_id)

        async def edit(code_id: int | None) -> None:
            existing = None
            if code_id is not None:
                async with runtime.db.sessions() as db:
                    existing = next((c for c in await sharing.list_discount_codes(db=db, limit=500)
                                     if c.id == code_id), None)
            with ui.dialog() as dialog, ui.card().classes('w-[420px] max-w-[95vw] gap-2'):
                ui.label(_('Edit code') if existing else _('New code')).classes('text-lg font-semibold')
                code = ui.input(_('Code'), value=existing.code if existing else '').props('outlined dense').mark('code')
                kind = ui.select({'percentage': _('Percentage'), 'fixed': _('Fixed amount')},
                                 value=existing.kind if existing else 'percentage', label=_('Kind')).props(
                    'outlined dense')
                value = ui.input(_('Value (percent or amount)'),
                                 value=(existing.value.rstrip(' %') if existing else '')).props('outlined dense').mark(
                    'value')
                starts = ui.input(_('Starts (YYYY-MM-DD)'), value=(existing.starts_at.date().isoformat() if existing
                                                                   else datetime.now(UTC).date().isoformat())
                                  ).props('outlined dense')
                ends = ui.input(_('Ends (YYYY-MM-DD, optional)'),
                                value=existing.ends_at.date().isoformat() if existing and existing.ends_at else ''
                                ).props('outlined dense')
                limit = ui.input(_('Usage limit (optional)'),
                                 value=str(existing.usage_limit) if existing and existing.usage_limit else '').props(
                    'outlined dense')
                active = ui.checkbox(_('Active'), value=existing.active if existing else True)
                error = ui.label('').classes('text-sm text-red-700').mark('code-error')

                async def save() -> None:
                    try:
                        limit_text = (limit.value or '').strip()
                        if limit_text and not limit_text.isdigit():
                            raise ServiceError(_('A usage limit is a whole number.'))
                        code_in = discounts.DiscountCodeIn(
                            code=code.value or '', kind=str(kind.value), value=value.value or '',
                            starts_at=_parse_day(starts.value, end=False) or datetime.now(UTC),
                            ends_at=_parse_day(ends.value, end=True),
                            usage_limit=int(limit_text) if limit_text else None,
                            active=bool(active.value))
                        async with runtime.db.sessions() as db:
                            current = await get_active_staff(db=db, staff_id=staff.id)
                            await discounts.save_code(db=db, staff=current, code_in=code_in, code_id=code_id)
                    except ServiceError as failure:
                        error.set_text(failure.message)
                        return
                    dialog.close()
                    await show()
                    ui.notify(_('Code saved'), type='positive')

                with ui.row().classes('w-full justify-end'):
                    ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps')
                    ui.button(_('Save'), on_click=save).props('unelevated no-caps color=indigo-8').mark('save-code')
            dialog.open()

        await show()
        return None
