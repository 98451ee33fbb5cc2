"""The signed-in staff member of a page, or where to send the browser instead."""
from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import RedirectResponse
from nicegui import app, ui

from pages.language import use_language
from services.i18n import _
from services.runtime import Runtime
from services.staff import Staff, get_active_staff


async def signed_in_staff(runtime: Runtime, path: str) -> Staff | RedirectResponse:
    """The active staff member with the chat permission; a redirect to /login when signed out."""
    async with runtime.db.sessions() as db:
        staff = await get_active_staff(db=db, staff_id=app.storage.user.get('staff_id'))
    if staff is None:
        app.storage.user.pop('staff_id', None)
        return RedirectResponse(f'/login?next={quote(path)}')
    if staff.language:  # chosen in the language menu (or taken from the browser at the first sign-in)
        use_language(staff.language)
    return staff


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
    if not staff.can_chat:
        no_chat_permission_notice()
        return None
    return staff
