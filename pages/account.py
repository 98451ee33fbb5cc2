"""/account: a member's own password and browsers (U1); /invite/{token}: an invited member sets a password and is
signed in."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from components.api_token_panel import ApiTokenPanel
from components.client_address import client_address
from pages.language import browser_language, use_language
from pages.login import browser_id, end_pages_of_staff
from pages.staff_auth import signed_in_staff
from services import staff_admin
from services.api_token_commands import ApiTokenCommands
from services.errors import ServiceError
from services.i18n import _
from services.runtime import Runtime
from services.sign_in_tickets import SignInTickets
from services.staff import MIN_PASSWORD
from services.staff_commands import StaffCommands


def page_header(title: str) -> None:
    with ui.header().classes('h-14 px-4 items-center gap-3 bg-white text-stone-900 border-b border-stone-200'):
        ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/inbox')).props(
            f'flat round dense aria-label="{_("Back to the inbox")}"')
        ui.label(title).classes('text-lg font-semibold')


def password_input(label: str, *, mark: str, autocomplete: str = 'new-password') -> ui.input:
    return ui.input(label, password=True, password_toggle_button=True).props(
        f'outlined dense maxlength=1000 autocomplete={autocomplete}').classes('w-full').mark(mark)


def install_account_pages(runtime: Runtime, tickets: SignInTickets) -> None:
    @ui.page('/account', title=_('Your account · Inbox'))
    async def account_page() -> RedirectResponse | None:
        staff = await signed_in_staff(runtime, '/account')
        if isinstance(staff, RedirectResponse):
            return staff
        assert staff.id is not None
        commands = StaffCommands(runtime, staff_id=staff.id, address=client_address())
        ui.page_title(_('Your account · Inbox'))
        ui.query('body').classes('bg-stone-100')
        page_header(_('Your account'))
        with ui.column().classes('w-full max-w-xl mx-auto p-4 gap-4'):
            with ui.card().classes('w-full p-6 gap-1 rounded-xl'):
                ui.label(staff.name).classes('text-base font-semibold').mark('account-name')
                ui.label(staff.email).classes('text-sm text-stone-600')

            with ui.card().classes('w-full p-6 gap-3 rounded-xl'):
                ui.label(_('Change your password')).classes('text-base font-semibold')
                current = password_input(_('Current password'), mark='current-password',
                                         autocomplete='current-password')
                new = password_input(_('New password'), mark='new-password')
                ui.label(_('At least {count} characters.', count=MIN_PASSWORD)).classes('text-xs text-stone-500')
                message = ui.label('').classes('text-sm').mark('password-message')

                async def change() -> None:
                    message.classes(remove='text-red-700 text-green-800')
                    try:
                        changed = await commands.change_own_password(current=current.value or '',
                                                                     new=new.value or '')
                    except ServiceError as failure:
                        message.classes(add='text-red-700')
                        message.set_text(failure.message)
                        return
                    app.storage.user['staff_epoch'] = changed.session_epoch  # this browser stays signed in
                    end_pages_of_staff(runtime.bus, staff.id or 0, except_browser=browser_id())
                    current.value = new.value = ''
                    message.classes(add='text-green-800')
                    message.set_text(_('Password changed. Your other browsers were signed out.'))

                ui.button(_('Change password'), on_click=change).props('unelevated no-caps color=indigo-8').mark(
                    'change-password')

            with ui.card().classes('w-full p-6 gap-3 rounded-xl'):
                ui.label(_('Other browsers')).classes('text-base font-semibold')
                ui.label(_('Signed in on a computer you no longer use? Sign out everywhere but here.')).classes(
                    'text-sm text-stone-600')

                async def sign_out_others() -> None:
                    try:
                        member = await commands.sign_out_other_browsers()
                    except ServiceError as failure:
                        ui.notify(failure.message, type='negative')
                        return
                    app.storage.user['staff_epoch'] = member.session_epoch
                    end_pages_of_staff(runtime.bus, staff.id or 0, except_browser=browser_id())
                    ui.notify(_('Your other browsers were signed out.'), type='positive')

                ui.button(_('Sign out other browsers'), icon='devices', on_click=sign_out_others).props(
                    'outline no-caps color=indigo-8').mark('sign-out-others')

            tokens = ApiTokenPanel(ApiTokenCommands(runtime, staff_id=staff.id))
            await tokens.start()
        return None

    @ui.page('/invite/{token}', title=_('Accept invitation · Inbox'))
    async def invitation_page(request: Request, token: str) -> None:
        use_language(browser_language(request))
        ui.page_title(_('Accept invitation · Inbox'))
        ui.query('body').classes('bg-stone-100')
        async with runtime.db.sessions() as db:
            try:
                invited = await staff_admin.invited_member(db=db, token=token)
                problem = ''
            except ServiceError as failure:
                invited, problem = None, failure.message
        with ui.card().classes('absolute-center w-[420px] max-w-[92vw] p-8 gap-4 shadow-lg rounded-2xl'):
            with ui.row().classes('items-center gap-2'):
                ui.icon('forum', size='28px').classes('text-indigo-700')
                ui.label(_('Inbox')).classes('text-2xl font-bold text-stone-900')
            if invited is None:
                ui.label(problem).classes('text-stone-700').mark('invitation-problem')
                ui.link(_('Go to sign in'), '/login').classes('text-indigo-700')
                return
            ui.label(_('Welcome, {name}. Choose a password to join the team.', name=invited.name)).classes(
                'text-sm text-stone-700').mark('invitation-welcome')
            ui.label(invited.email).classes('text-sm font-semibold')
            password = password_input(_('New password'), mark='invitation-password')
            password.props('autofocus')
            ui.label(_('At least {count} characters.', count=MIN_PASSWORD)).classes('text-xs text-stone-500')
            error = ui.label('').classes('text-sm text-red-700').mark('invitation-error')

            async def accept() -> None:
                error.set_text('')
                try:
                    async with runtime.db.sessions() as db:
                        staff = await staff_admin.accept_invitation(db=db, token=token, password=password.value or '',
                                                                     address=client_address())
                except ServiceError as failure:
                    error.set_text(failure.message)
                    return
                assert staff.id is not None
                ticket = tickets.issue(staff_id=staff.id, browser_id=browser_id())
                ui.navigate.to(f'/login/finish?ticket={ticket}&next={quote("/inbox")}')

            password.on('keydown.enter', accept)
            ui.button(_('Set password and sign in'), on_click=accept).props(
                'unelevated no-caps color=indigo-8').classes('w-full').mark('accept-invitation')
