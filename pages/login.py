"""Staff sign-in and sign-out (M3)."""
from __future__ import annotations

import re
import time
import uuid
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import Client, app, ui

from pages.language import browser_language, use_language
from services import staff as staff_service
from services.errors import ServiceError
from services.events import EventBus
from services.i18n import SOURCE_LANGUAGE, _
from services.runtime import Runtime
from services.sign_in_tickets import SignInTickets

LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*")
"""A path on this site: URL characters only (browsers drop tabs and newlines, so `/\\t/evil.example` would become
`//evil.example`, another host), and no second slash or backslash right after the first."""


def safe_next(target: str | None) -> str:
    """Only local paths, so a crafted link cannot send a signed-in user elsewhere."""
    if target and len(target) <= 2000 and LOCAL_PATH.fullmatch(target):
        return target
    return '/inbox'


def browser_id() -> str:
    """NiceGUI's id of this browser (in the signed session cookie), which `app.storage.user` is kept under."""
    return str(app.storage.browser.get('id', ''))


def renew_browser_id() -> str:
    """A new id for this browser: the answer to this request carries it in the signed cookie, and from the next
    request on `app.storage.user` is the new id's (empty) storage. Only in an ordinary request, never on a socket."""
    new_id = str(uuid.uuid4())
    app.storage.browser['id'] = new_id
    return new_id


def reload_tabs_of(browser: str) -> None:
    """Every open page of that browser id reloads now (and so meets the sign-in page), not at its next check."""
    for client in list(Client.instances.values()):
        try:
            of_browser = client.request.session.get('id') == browser
        except (RuntimeError, AssertionError):  # a client built without a request, or one without a session
            continue
        if of_browser and client.has_socket_connection:
            with client:
                ui.navigate.reload()


def reload_tabs_of_staff(staff_id: int, *, except_browser: str = '') -> None:
    """Every open page of that member's browsers (but `except_browser`) in this process reloads now and so meets
    the sign-in page (the pages' guards, pages/staff_auth.py, would within seconds)."""
    users = getattr(app.storage, '_users', {})  # NiceGUI keeps each browser's user storage here, by browser id
    for browser, storage in list(users.items()):
        if browser != except_browser and storage.get('staff_id') == staff_id:
            reload_tabs_of(browser)


def end_pages_of_staff(bus: EventBus, staff_id: int, *, except_browser: str = '') -> None:
    """That member's open pages (but `except_browser`'s) end now, here and in every other process (the relayed
    event, app/listeners.py), instead of at their guards' next check."""
    reload_tabs_of_staff(staff_id, except_browser=except_browser)
    bus.staff_access_changed.emit(staff_id)


def install_login_pages(runtime: Runtime) -> SignInTickets:
    """The sign-in pages; their tickets, which the invitation page (pages/account.py) signs in with too."""
    tickets = SignInTickets()

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
            ticket = tickets.issue(staff_id=staff.id, browser_id=browser_id())
            ui.navigate.to(f'/login/finish?ticket={ticket}&next={quote(safe_next(next))}')

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
    async def logout(request: Request) -> RedirectResponse:
        # Another site's link or image must not sign staff out: browsers say where a request came from.
        if request.headers.get('sec-fetch-site', 'same-origin') not in ('same-origin', 'none'):
            return RedirectResponse('/inbox')
        staff_id = app.storage.user.get('staff_id')
        if staff_id:
            async with runtime.db.sessions() as db:
                await staff_service.sign_out(db=db, staff_id=int(staff_id),
                                             address=request.client.host if request.client else '')
        signed_out = browser_id()
        app.storage.user.clear()
        renew_browser_id()
        reload_tabs_of(signed_out)
        return RedirectResponse('/login')

    @ui.page('/login/finish')
    async def finish_sign_in(ticket: str = '', next: str = '/inbox') -> RedirectResponse:  # noqa: A002
        """Two hops: the sign-in page's ticket gets the browser a new id and a ticket for it; that one signs it in
        (the new id's storage exists only from the request after the one that made it)."""
        target = safe_next(next)
        found = tickets.redeem(ticket, browser_id=browser_id())
        if found is None:
            return RedirectResponse(f'/login?next={quote(target)}')
        if not found.renewed:
            app.storage.user.clear()  # the id this browser had before: it never becomes a signed-in one
            again = tickets.issue(staff_id=found.staff_id, browser_id=renew_browser_id(), renewed=True)
            return RedirectResponse(f'/login/finish?ticket={again}&next={quote(target)}')
        app.storage.user['seen_at'] = time.time()  # pages/staff_auth.py: the idle timeout counts from here
        async with runtime.db.sessions() as db:
            staff = await staff_service.get_active_staff(db=db, staff_id=found.staff_id)
        app.storage.user['staff_epoch'] = staff.session_epoch if staff else 0  # pages/staff_auth.py compares it
        app.storage.user['staff_id'] = found.staff_id
        return RedirectResponse(target)

    return tickets
