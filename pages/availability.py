"""/availability (A1): working hours per weekday, holidays, greeting and away message per language, the expected
reply time and "away when nobody is signed in". For members with MANAGE_REPLIES; services/availability.py checks.

Open chat pages and widgets poll GET /api/v1/chat/config every 60 s, so a saved change reaches them within a minute
and new page loads at once (the answer is cached for 15 s); this process's away messages follow at once, other
processes' within services/away_notices.SETTINGS_FRESH_SECONDS."""
from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from pages.account import page_header
from pages.staff_auth import signed_in_staff
from services import availability
from services import store as store_service
from services.availability import (
    WEEKDAY_NAMES,
    AvailabilitySettings,
    Holiday,
    ReplyTime,
    Texts,
    hhmm,
    parse_day,
    parse_hhmm,
)
from services.errors import Invalid, ServiceError
from services.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, _, pgettext
from services.inbox_commands import acting
from services.opening_hours import Range
from services.permissions import Permission, has, refusal
from services.runtime import Runtime

REPLY_TIME_CHOICES = {  # N_ texts of services/availability, translated when shown
    ReplyTime.MINUTES: availability.REPLY_TIME_TEXTS[ReplyTime.MINUTES],
    ReplyTime.HOURS: availability.REPLY_TIME_TEXTS[ReplyTime.HOURS],
    ReplyTime.DAY: availability.REPLY_TIME_TEXTS[ReplyTime.DAY],
}


def install_availability_page(runtime: Runtime) -> None:
    @ui.page('/availability', title=_('Availability · Inbox'))
    async def availability_page() -> RedirectResponse | None:
        me = await signed_in_staff(runtime, '/availability')
        if isinstance(me, RedirectResponse):
            return me
        assert me.id is not None
        staff_id = me.id
        ui.page_title(_('Availability · Inbox'))
        ui.query('body').classes('bg-stone-100')
        page_header(_('Availability'))
        body = ui.column().classes('w-full max-w-3xl mx-auto p-4 gap-4')
        if not has(me, Permission.MANAGE_REPLIES):
            with body, ui.column().classes('w-full items-center text-center gap-2 pt-16'):
                ui.icon('lock', size='48px').classes('text-stone-400')
                ui.label(refusal(Permission.MANAGE_REPLIES)).classes('text-lg font-semibold').mark(
                    'availability-refused')
            return None
        async with runtime.db.sessions() as db:
            settings = await availability.load_settings(db)
            store = await store_service.get_store(db)
            now = await availability.current_availability(db, settings=settings)

        # what the form holds: times as typed (checked on Save), so a half-typed time is never lost
        hours: dict[int, list[list[str]]] = {day: [] for day in range(7)}
        for saved in settings.ranges:
            hours[saved.weekday].append([hhmm(saved.start_minute), hhmm(saved.end_minute)])
        holidays: list[list[str]] = [[h.day.isoformat(), h.label] for h in settings.holidays]

        with body:
            status = ui.label('').classes('text-sm text-stone-700').mark('availability-now')

            def show_status(current: availability.Availability) -> None:
                if current.available:
                    status.set_text(_('Right now the chat shows you as available.'))
                elif current.back_at is not None:
                    status.set_text(_('Right now the chat shows you as away, back {when}.',
                                      when=current.back_at.strftime('%Y-%m-%d %H:%M')))
                else:
                    status.set_text(_('Right now the chat shows you as away.'))

            show_status(now)

            with ui.card().classes('w-full p-6 gap-2 rounded-xl').mark('working-hours'):
                ui.label(_('Working hours')).classes('text-base font-semibold')
                ui.label(_('In the store\'s time zone, {zone}. A day without hours is closed; with no hours at all '
                           'the chat is always available.', zone=store.time_zone)).classes('text-xs text-stone-500')
                days = ui.column().classes('w-full gap-1')

            def draw_days() -> None:
                days.clear()
                with days:
                    for day in range(7):
                        with ui.row().classes('w-full items-center gap-2 py-1 border-b border-stone-100'):
                            ui.label(_(WEEKDAY_NAMES[day])).classes('w-28 font-medium')
                            with ui.row().classes('grow items-center gap-2'):
                                if not hours[day]:
                                    ui.label(pgettext('opening hours', 'Closed')).classes(
                                        'text-sm text-stone-500').mark(f'closed-{day}')
                                for index, pair in enumerate(hours[day]):
                                    range_row(day, index, pair)
                            add = ui.button(icon='add', on_click=adder(day)).props('flat round dense').mark(
                                f'add-range-{day}')
                            add.props['aria-label'] = _('Add hours on {day}', day=_(WEEKDAY_NAMES[day]))
                            add.tooltip(_('Add hours'))

            def range_row(day: int, index: int, pair: list[str]) -> None:
                with ui.row().classes('items-center gap-1 no-wrap'):
                    start = ui.input(pgettext('opening hours', 'From'), value=pair[0]).props(
                        'outlined dense maxlength=5').classes('w-24').mark(f'range-{day}-{index}-start')
                    start.on_value_change(lambda e: pair.__setitem__(0, str(e.value or '')))
                    ui.label('–')
                    end = ui.input(pgettext('opening hours', 'To'), value=pair[1]).props(
                        'outlined dense maxlength=5').classes('w-24').mark(f'range-{day}-{index}-end')
                    end.on_value_change(lambda e: pair.__setitem__(1, str(e.value or '')))
                    remove = ui.button(icon='close', on_click=remover(day, index)).props('flat round dense size=sm')
                    remove.props['aria-label'] = _('Remove these hours')

            def adder(day: int):  # type: ignore[no-untyped-def]
                def add() -> None:
                    last_end = hours[day][-1][1] if hours[day] else '09:00'
                    hours[day].append([last_end, '17:00' if last_end < '17:00' else '24:00'])
                    draw_days()
                return add

            def remover(day: int, index: int):  # type: ignore[no-untyped-def]
                def remove() -> None:
                    hours[day].pop(index)
                    draw_days()
                return remove

            draw_days()

            with ui.card().classes('w-full p-6 gap-2 rounded-xl').mark('holidays'):
                ui.label(_('Holidays')).classes('text-base font-semibold')
                ui.label(_('Closed all day, whatever the weekday\'s hours say.')).classes('text-xs text-stone-500')
                holiday_list = ui.column().classes('w-full gap-1')
                ui.button(_('Add holiday'), icon='event', on_click=lambda: add_holiday()).props(
                    'flat no-caps dense').mark('add-holiday')

            def draw_holidays() -> None:
                holiday_list.clear()
                with holiday_list:
                    if not holidays:
                        ui.label(_('No holidays.')).classes('text-sm text-stone-500')
                    for index, entry in enumerate(holidays):
                        with ui.row().classes('w-full items-center gap-2 no-wrap'):
                            day_input = ui.input(_('Date'), value=entry[0]).props(
                                'outlined dense type=date').classes('w-44').mark(f'holiday-{index}-date')
                            day_input.on_value_change(lambda e, entry=entry: entry.__setitem__(0, str(e.value or '')))
                            label = ui.input(_('Label (optional)'), value=entry[1]).props(
                                'outlined dense maxlength=100').classes('grow').mark(f'holiday-{index}-label')
                            label.on_value_change(lambda e, entry=entry: entry.__setitem__(1, str(e.value or '')))
                            remove = ui.button(icon='close', on_click=holiday_remover(index)).props(
                                'flat round dense size=sm')
                            remove.props['aria-label'] = _('Remove this holiday')

            def add_holiday() -> None:
                holidays.append(['', ''])
                draw_holidays()

            def holiday_remover(index: int):  # type: ignore[no-untyped-def]
                def remove() -> None:
                    holidays.pop(index)
                    draw_holidays()
                return remove

            draw_holidays()

            with ui.card().classes('w-full p-6 gap-2 rounded-xl').mark('availability-texts'):
                ui.label(_('Greeting and away message')).classes('text-base font-semibold')
                ui.label(_('Shown in the shopper\'s language; a language left empty uses English, else the built-in '
                           'text. The away message is posted once in a conversation when a shopper writes while '
                           'you are away.')).classes('text-xs text-stone-500')
                with ui.tabs().props('dense no-caps align=left').classes('w-full') as tabs:
                    for lang in SUPPORTED_LANGUAGES:
                        ui.tab(lang, label=LANGUAGE_NAMES[lang])
                greetings: dict[str, ui.textarea] = {}
                away_messages: dict[str, ui.textarea] = {}
                with ui.tab_panels(tabs, value=SUPPORTED_LANGUAGES[0]).classes('w-full'):
                    for lang in SUPPORTED_LANGUAGES:
                        with ui.tab_panel(lang).classes('p-0 pt-2 gap-2'):
                            given = settings.texts.get(lang, Texts())
                            greetings[lang] = ui.textarea(_('Greeting'), value=given.greeting).props(
                                f'outlined dense autogrow maxlength={availability.MAX_GREETING}').classes(
                                'w-full').mark(f'greeting-{lang}')
                            away_messages[lang] = ui.textarea(_('Away message'), value=given.away_message).props(
                                f'outlined dense autogrow maxlength={availability.MAX_AWAY_MESSAGE}').classes(
                                'w-full').mark(f'away-{lang}')

            with ui.card().classes('w-full p-6 gap-2 rounded-xl'):
                ui.label(_('Expected reply time')).classes('text-base font-semibold')
                reply_time = ui.radio({key: _(text) for key, text in REPLY_TIME_CHOICES.items()},
                                      value=settings.reply_time).mark('reply-time')
                nobody = ui.checkbox(_('Away when nobody is signed in'), value=settings.away_when_nobody).mark(
                    'away-when-nobody')
                ui.label(_('Also away inside working hours while no one with the chat permission has the inbox '
                           'open.')).classes('text-xs text-stone-500')

            error = ui.label('').classes('text-sm text-red-700').mark('availability-error')

            def collected() -> AvailabilitySettings:
                ranges = tuple(Range(day, parse_hhmm(start), parse_hhmm(end))
                               for day, pairs in hours.items() for start, end in pairs)
                days_off: list[Holiday] = []
                for day_text, label in holidays:
                    if day_text.strip():
                        days_off.append(Holiday(parse_day(day_text), label))
                    elif label.strip():
                        raise Invalid(_('The holiday "{label}" needs a date.', label=label.strip()[:100]),
                                      code='invalid_date')
                return AvailabilitySettings(
                    ranges=ranges, holidays=tuple(days_off),
                    texts={lang: Texts(greetings[lang].value or '', away_messages[lang].value or '')
                           for lang in SUPPORTED_LANGUAGES},
                    reply_time=str(reply_time.value or ''), away_when_nobody=bool(nobody.value))

            async def save() -> None:
                error.set_text('')
                try:
                    wanted = collected()
                    async with acting(runtime, staff_id) as (db, actor):
                        await availability.save_settings(db=db, staff=actor, settings=wanted)
                        current = await availability.current_availability(db)
                except ServiceError as failure:
                    error.set_text(failure.message)
                    return
                runtime.away_notices.forget()
                show_status(current)
                ui.notify(_('Availability saved'), type='positive')

            ui.button(_('Save'), on_click=save).props('unelevated no-caps color=indigo-8').mark('save-availability')
        return None
