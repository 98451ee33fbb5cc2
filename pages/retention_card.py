"""The retention card of /settings/store (G3): off by default; before switching on it shows what would be erased now;
"Run now" erases what is due. services/retention.py checks the permission and the days."""
from __future__ import annotations

from nicegui import ui

from services.errors import ServiceError
from services.i18n import _, ngettext
from services.privacy_commands import PrivacyCommands
from services.retention import MIN_DAYS, RetentionPreview

DEFAULT_DAYS = 365


def effect_text(found: RetentionPreview) -> str:
    messages = ngettext('{n} message', '{n} messages', found.messages)
    return ngettext('Would erase the texts of {messages} in {n} conversation now.',
                    'Would erase the texts of {messages} in {n} conversations now.', found.conversations,
                    messages=messages)


def retention_card(commands: PrivacyCommands, days: int | None) -> None:
    state: dict[str, int | None] = {'days': days}
    with ui.card().classes('w-full p-6 gap-3 rounded-xl').mark('retention'):
        ui.label(_('Retention')).classes('text-base font-semibold')
        status = ui.label('').classes('text-sm').mark('retention-status')
        with ui.row().classes('w-full items-end gap-3'):
            number = ui.number(_('Erase message texts of conversations closed more than N days ago'),
                               value=days or DEFAULT_DAYS, min=MIN_DAYS, step=1, format='%d').props(
                'outlined dense').classes('grow').mark('retention-days')
            ui.button(_('Show the effect'), on_click=lambda: show_effect()).props(
                'flat no-caps').mark('retention-preview')
        effect = ui.label('').classes('text-sm text-stone-700').mark('retention-effect')
        ui.label(_('Days are counted in the store\'s time zone from local midnight; a conversation reopened since is '
                   'not touched. The conversations, their counts and the Reports stay; images of those messages and '
                   'their search entries go. Runs once a day.')).classes('text-xs text-stone-500')
        with ui.row().classes('gap-2'):
            switch_on = ui.button(_('Switch on'), on_click=lambda: confirm_on()).props(
                'unelevated no-caps color=red-8').mark('retention-on')
            save_days = ui.button(_('Save'), on_click=lambda: save(wanted())).props(
                'unelevated no-caps color=indigo-8').mark('retention-save')
            switch_off = ui.button(_('Switch off'), on_click=lambda: save(None)).props(
                'outline no-caps').mark('retention-off')
            run = ui.button(_('Run now'), icon='delete_sweep', on_click=lambda: run_now()).props(
                'outline no-caps color=red-8').mark('retention-run')

    def wanted() -> int:
        return int(number.value or 0)

    def refresh() -> None:
        on = state['days'] is not None
        status.set_text(_('On: texts are erased {days} days after the close.', days=state['days']) if on
                        else _('Off: message texts are kept.'))
        for button, visible in ((switch_on, not on), (save_days, on), (switch_off, on), (run, on)):
            button.set_visibility(visible)

    async def show_effect() -> RetentionPreview | None:
        effect.set_text(_('Loading…'))
        try:
            found = await commands.retention_preview(wanted())
        except ServiceError as failure:
            effect.set_text(failure.message)
            return None
        effect.set_text(effect_text(found))
        return found

    async def save(days_wanted: int | None) -> None:
        try:
            state['days'] = await commands.set_retention(days_wanted)
        except ServiceError as failure:
            ui.notify(failure.message, type='negative')
            return
        ui.notify(_('Retention saved'), type='positive')
        refresh()

    async def confirm_on() -> None:
        found = await show_effect()
        if found is None:
            return
        with ui.dialog() as dialog, ui.card().classes('p-6 gap-3 max-w-md').mark('retention-confirm'):
            ui.label(_('Switch retention on?')).classes('text-base font-semibold')
            ui.label(effect_text(found)).classes('text-sm')
            ui.label(_('Erased texts cannot be brought back.')).classes('text-sm text-red-700')
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps')

                async def confirmed() -> None:
                    dialog.close()
                    await save(wanted())

                ui.button(_('Switch on'), on_click=confirmed).props('unelevated no-caps color=red-8').mark(
                    'retention-confirm-on')
        dialog.open()

    async def run_now() -> None:
        run.props('loading')
        try:
            report = await commands.run_retention()
        except ServiceError as failure:
            ui.notify(failure.message, type='negative')
            return
        finally:
            run.props(remove='loading')
        if report is None:
            ui.notify(_('Retention is off.'), type='warning')
            return
        ui.notify(ngettext('Erased the texts of {n} conversation.', 'Erased the texts of {n} conversations.',
                           report.conversations), type='positive')

    refresh()
