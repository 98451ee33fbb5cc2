"""The signed-in staff member of a page, or where to send the browser instead."""
from __future__ import annotations

import time
from urllib.parse import quote

from fastapi.responses import RedirectResponse
from nicegui import app, context, ui

from pages.language import use_language
from services.i18n import _
from services.permissions import Permission, granted, has
from services.runtime import Runtime
from services.staff import Staff, get_active_staff


async def signed_in_staff(runtime: Runtime, path: str) -> Staff | RedirectResponse:
    """The active staff member of this browser; a redirect to /login when signed out or idle too long.

    The page that gets a staff member also gets a guard: it reloads itself (and so ends its live updates) when the
    member signs out in another tab, is deactivated, or loses the chat permission."""
    storage = app.storage.user
    seen_at = float(storage.get('seen_at') or 0)
    if storage.get('staff_id') and time.time() - seen_at > runtime.config.staff_idle_seconds:
        storage.pop('staff_id', None)  # no page of this browser was open for that long: sign in again
    async with runtime.db.sessions() as db:
        staff = await get_active_staff(db=db, staff_id=storage.get('staff_id'))
        if staff is not None and staff.id is not None and same_session(staff):
            await runtime.staff_presence.seen(db, staff.id)  # A1: someone is signed in with a page open
    if staff is not None and not same_session(staff):
        staff = None  # signed out everywhere since (password changed or reset, "sign out other browsers")
    if staff is None:
        storage.pop('staff_id', None)
        return RedirectResponse(f'/login?next={quote(path)}')
    storage['seen_at'] = time.time()
    if staff.language:  # chosen in the language menu (or taken from the browser at the first sign-in)
        use_language(staff.language)
    _guard_page(runtime, staff)
    return staff


def same_session(staff: Staff) -> bool:
    """Whether this browser signed in under the member's current session epoch (services/staff_admin.py)."""
    return int(app.storage.user.get('staff_epoch') or 0) == staff.session_epoch


def _guard_page(runtime: Runtime, staff: Staff) -> None:
    staff_id, granted_before = staff.id, granted(staff)

    async def check() -> None:
        storage = app.storage.user
        if storage.get('staff_id') != staff_id:  # signed out (or in as someone else) in another tab
            ui.navigate.reload()
            return
        async with runtime.db.sessions() as db:
            current = await get_active_staff(db=db, staff_id=staff_id)
            if current is not None and staff_id is not None:
                await runtime.staff_presence.seen(db, staff_id)
        if current is None or not same_session(current) or granted(current) != granted_before:
            ui.navigate.reload()  # the page is built again for what they may see now, or sends them to sign in
            return
        storage['seen_at'] = time.time()

    with context.client.layout:  # beside the page's content, not in it: pages arrange their content themselves
        ui.timer(runtime.config.staff_guard_seconds, check, immediate=False)


def no_chat_permission_notice() -> None:
    with ui.column().classes('absolute-center items-center text-center gap-2 max-w-md'):
        ui.icon('block', size='48px').classes('text-stone-400')
        ui.label(_('You do not have the online-store chat permission.')).classes('text-lg font-semibold')
        ui.label(_('Ask the store owner to give you the chat permission to use the inbox.')).classes('text-stone-600')


async def chat_staff_or_redirect(runtime: Runtime, path: str) -> Staff | RedirectResponse | None:
    """For staff pages: the member with the chat permission; a redirect when signed out; None (after showing why)
    when they lack the permission."""
    staff = await signed_in_staff(runtime, path)
    if isinstance(staff, RedirectResponse):
        return staff
    if not has(staff, Permission.REPLY):
        no_chat_permission_notice()
        return None
    return staff
