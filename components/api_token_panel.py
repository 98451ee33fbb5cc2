"""The Account page's "API tokens" card (W2): make a named personal token (its secret shown once, with Copy), see
the own tokens with when each was last used, revoke one; and the Staff page's dialog in which the owner sees and
revokes another member's tokens."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from components.clock import ViewerClock
from components.command_feedback import REFUSED, run_command
from services.api_token_commands import ApiTokenCommands
from services.api_tokens import MAX_NAME, ApiTokenView, CreatedToken
from services.i18n import _


class ApiTokenPanel:
    def __init__(self, commands: ApiTokenCommands) -> None:
        self.commands = commands
        self.clock = ViewerClock('UTC')
        with ui.card().classes('w-full p-6 gap-3 rounded-xl'):
            ui.label(_('API tokens')).classes('text-base font-semibold')
            ui.label(_('A personal token lets a script or another tool use the staff API as you, with your '
                       'permissions. Treat it like a password.')).classes('text-sm text-stone-600')
            with ui.row().classes('w-full items-center gap-2 no-wrap'):
                self.name = ui.input(_('Token name')).props(f'outlined dense maxlength={MAX_NAME}').classes(
                    'grow').mark('api-token-name')
                self.name.on('keydown.enter', self.create)
                ui.button(_('Create token'), on_click=self.create).props(
                    'unelevated no-caps color=indigo-8').mark('create-api-token')
            self.created = ui.column().classes('w-full gap-2')
            self.rows = ui.column().classes('w-full gap-0')

    async def start(self) -> None:
        await self.show_tokens()

    async def create(self) -> None:
        made = await run_command(self.commands.create(self.name.value or ''))
        if made is REFUSED:
            return
        assert isinstance(made, CreatedToken)
        self.name.value = ''
        self.show_secret(made.secret)
        await self.show_tokens()

    def show_secret(self, secret: str) -> None:
        """The secret, once: only its hash is stored, so it cannot be shown again."""
        self.created.clear()
        with self.created:
            ui.label(_('Copy your new token now. It is shown only once.')).classes('text-sm text-stone-700')
            with ui.row().classes('items-center gap-2 w-full no-wrap'):
                field = ui.input(_('Your new token'), value=secret).props('outlined dense readonly').classes(
                    'grow font-mono text-xs').mark('api-token-secret')
                ui.button(icon='content_copy', on_click=lambda: ui.clipboard.write(field.value)).props(
                    f'flat round dense aria-label="{_("Copy")}"').tooltip(_('Copy')).mark('copy-api-token')

    async def revoke(self, token_id: int) -> None:
        if await run_command(self.commands.revoke(token_id), success=_('Token revoked.')) is REFUSED:
            return
        await self.show_tokens()

    async def show_tokens(self) -> None:
        tokens = await run_command(self.commands.list_own())
        if tokens is REFUSED:
            return
        assert isinstance(tokens, list)
        token_rows(self.rows, tokens, clock=self.clock, revoke=self.revoke, empty=_('You have no API tokens.'))


def token_rows(container: ui.element, tokens: list[ApiTokenView], *, clock: ViewerClock,
               revoke: Callable[[int], Awaitable[None]], empty: str) -> None:
    """The tokens as rows (name, created, last used, Revoke), or `empty` when there are none."""
    container.clear()
    with container:
        if not tokens:
            ui.label(empty).classes('text-sm text-stone-500').mark('no-api-tokens')
        for token in tokens:
            used = (_('Last used {when} UTC', when=clock.date_and_time(token.last_used_at))
                    if token.last_used_at else _('Never used'))
            with ui.row().classes('w-full items-center justify-between py-2 border-t border-stone-200 '
                                  'no-wrap').mark(f'api-token-{token.id}'):
                with ui.column().classes('gap-0 min-w-0'):
                    ui.label(token.name).classes('text-sm font-medium truncate')
                    ui.label(_('Created {when} UTC', when=clock.date_and_time(token.created_at)) + ' · '
                             + used).classes('text-xs text-stone-500')
                ui.button(_('Revoke'), on_click=lambda token_id=token.id: revoke(token_id)).props(
                    f'flat dense no-caps color=red-8 aria-label="{_("Revoke {name}", name=token.name)}"'
                ).mark(f'revoke-api-token-{token.id}')


async def open_member_tokens(commands: ApiTokenCommands, *, member_id: int, member_name: str) -> None:
    """The owner's view of another member's tokens, in a dialog, each with Revoke (the service checks the owner)."""
    clock = ViewerClock('UTC')
    with ui.dialog() as dialog, ui.card().classes('w-[480px] max-w-[95vw] gap-3 p-6'):
        ui.label(_('API tokens of {name}', name=member_name)).classes('text-base font-semibold')
        rows = ui.column().classes('w-full gap-0').mark('member-api-tokens')
        with ui.row().classes('w-full justify-end'):
            ui.button(_('Done'), on_click=dialog.close).props('flat no-caps')

    async def show() -> None:
        tokens = await run_command(commands.list_of(member_id))
        if tokens is REFUSED:
            dialog.close()
            return
        assert isinstance(tokens, list)
        token_rows(rows, tokens, clock=clock, revoke=revoke, empty=_('{name} has no API tokens.', name=member_name))

    async def revoke(token_id: int) -> None:
        if await run_command(commands.revoke(token_id), success=_('Token revoked.')) is not REFUSED:
            await show()

    await show()
    dialog.open()
