"""Staff sign-in and sign-out (M3)."""
from __future__ import annotations

import re
import time

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from pages.language import browser_language, use_language
from services import staff as staff_service
from services.errors import ServiceError
from services.i18n import SOURCE_LANGUAGE, _
from services.runtime import Runtime

LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*")
"""A path on this site: URL characters only (browsers drop tabs and newlines, so `/\\t/evil.example` would become
`//evil.example`, another host), and no second slash or backslash right after the first."""


def safe_next(target: str | None) -> str:
    """Only local paths, so a crafted link cannot send a signed-in user elsewhere."""
    if target and len(target) <= 2000 and LOCAL_PATH.fullmatch(target):
        return target
    return '/inbox'


def install_login_pages(runtime: Runtime) -> None:
    @ui.page('/login', title=_('Sign in · Inbox'))
    async def login_page(request: Request, next: str = '/inbox') -> RedirectResponse | None:  # noqa: A002
        if app.storage.user.get('staff_id'):
            return RedirectResponse(safe_next(next))
        client_address = request.client.host if request.client else 'unknown'

        async def try_sign_in() -> None:
            error.set_text('')
            button.props('loading')
            try:
                async with runtime.db.sessions() as db:
                    staff = await staff_service.sign_in(db=db, limits=runtime.limits.login, email=email.value or '',
                                                        password=password.value or '', client_address=client_address)
                    assert staff.id is not None
                    await staff_service.set_language(db=db, staff_id=staff.id, only_if_unset=True,
                                                     language=browser_language(request) or SOURCE_LANGUAGE)
            except ServiceError as failure:
                error.set_text(failure.message)
                password.value = ''
                return
            finally:
                button.props(remove='loading')
            app.storage.user['seen_at'] = time.time()  # pages/staff_auth.py: the idle timeout counts from here
            app.storage.user['staff_id'] = staff.id
            ui.navigate.to(safe_next(next))

        use_language(browser_language(request))  # the sign-in page speaks the browser's language
        ui.page_title(_('Sign in · Inbox'))
        ui.query('body').classes('bg-stone-100')
        with ui.card().classes('absolute-center w-[380px] max-w-[92vw] p-8 gap-4 shadow-lg rounded-2xl'):
            with ui.row().classes('items-center gap-2'):
                ui.icon('forum', size='28px').classes('text-indigo-700')
                ui.label(_('Inbox')).classes('text-2xl font-bold text-stone-900')
            ui.label(_('Sign in to answer your customers.')).classes('text-sm text-stone-600')
            email = ui.input(_('E-mail')).props('outlined type=email autocomplete=username autofocus').classes(
                'w-full').mark('login-email')
            password = ui.input(_('Password'), password=True).props(
                'outlined autocomplete=current-password').classes('w-full').mark('login-password').on(
                'keydown.enter', try_sign_in)
            error = ui.label('').classes('text-sm text-red-700').mark('login-error')
            button = ui.button(_('Sign in'), on_click=try_sign_in).props('unelevated no-caps color=indigo-8 size=md'
                                                                       ).classes('w-full').mark('login-submit')
        return None

    @ui.page('/logout')
    def logout(request: Request) -> RedirectResponse:
        # Another site's link or image must not sign staff out: browsers say where a request came from.
        if request.headers.get('sec-fetch-site', 'same-origin') not in ('same-origin', 'none'):
            return RedirectResponse('/inbox')
        app.storage.user.pop('staff_id', None)
        return RedirectResponse('/login')
