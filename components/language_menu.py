"""The staff member's language: a button in the header with a menu of the six languages, each in its own name."""
from __future__ import annotations

from nicegui import ui

from components.command_feedback import REFUSED, run_command
from services.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, _, current_language
from services.inbox_commands import InboxCommands


def language_menu(commands: InboxCommands) -> ui.button:
    """Picking a language saves it on the staff member and redraws the page in it."""

    async def choose(code: str) -> None:
        if await run_command(commands.set_language(code)) is not REFUSED:
            ui.navigate.reload()  # the page is built again, in the language now saved on the staff member

    def chooser(code: str):  # type: ignore[no-untyped-def]
        return lambda: choose(code)

    current = current_language()
    button = ui.button(icon='translate').props('flat round dense').mark('language-menu')
    button.props['aria-label'] = _('Language')
    button.tooltip(_('Language'))
    with button, ui.menu().props('anchor="bottom right" self="top right"'):
        for code in SUPPORTED_LANGUAGES:
            with ui.menu_item(on_click=chooser(code)).props(f'lang={code}').mark(f'language-{code}'):
                with ui.row().classes('items-center gap-3 no-wrap'):
                    if code == current:
                        ui.icon('check', size='18px').classes('text-indigo-700')
                    else:
                        ui.element('span').classes('w-[18px]')
                    ui.label(LANGUAGE_NAMES[code])
    return button
