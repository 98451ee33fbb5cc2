"""/staff: the team (U1) with status and permissions; add (invitation link shown once, or a first password), edit,
deactivate or reactivate, reset a password; the owner sees and revokes a member's API tokens (W2). Only for members
with MANAGE_STAFF; services/staff_admin.py and services/api_tokens.py check."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from components.api_token_panel import open_member_tokens
from components.client_address import client_address
from pages.account import page_header, password_input
from pages.login import end_pages_of_staff
from pages.staff_auth import signed_in_staff
from services.api_token_commands import ApiTokenCommands
from services.errors import ServiceError
from services.i18n import _
from services.permissions import LABELS, Permission, granted, has, refusal
from services.runtime import Runtime
from services.staff import Staff
from services.staff_admin import INVITATION_DAYS
from services.staff_commands import StaffCommands


def invitation_link(base: str, token: str) -> str:
    return f'{base.rstrip("/")}/invite/{token}'


def show_invitation(container: ui.element, link: str) -> None:
    """The link, once: it is not stored, so closing the dialog loses it (a reset issues a new one)."""
    with container:
        ui.label(_('Send this link to the new member. It is shown only now and works once, for {days} days.',
                   days=INVITATION_DAYS)).classes('text-sm text-stone-700')
        with ui.row().classes('items-center gap-2 w-full no-wrap'):
            field = ui.input(value=link).props('outlined dense readonly').classes('grow font-mono text-xs').mark(
                'invitation-link')
            ui.button(icon='content_copy', on_click=lambda: ui.clipboard.write(field.value)).props(
                f'flat round dense aria-label="{_("Copy")}"').tooltip(_('Copy')).mark('copy-invitation')


def permission_boxes(chosen: frozenset[Permission]) -> dict[Permission, ui.checkbox]:
    with ui.column().classes('gap-0'):
        return {permission: ui.checkbox(_(LABELS[permission]), value=permission in chosen).mark(
            f'permission-{permission.value}') for permission in Permission}


def install_staff_pages(runtime: Runtime) -> None:
    @ui.page('/staff', title=_('Staff · Inbox'))
    async def staff_page(request: Request) -> RedirectResponse | None:
        me = await signed_in_staff(runtime, '/staff')
        if isinstance(me, RedirectResponse):
            return me
        assert me.id is not None
        ui.page_title(_('Staff · Inbox'))
        ui.query('body').classes('bg-stone-100')
        page_header(_('Staff'))
        body = ui.column().classes('w-full max-w-3xl mx-auto p-4 gap-4')
        if not has(me, Permission.MANAGE_STAFF):
            with body, ui.column().classes('w-full items-center text-center gap-2 pt-16'):
                ui.icon('lock', size='48px').classes('text-stone-400')
                ui.label(refusal(Permission.MANAGE_STAFF)).classes('text-lg font-semibold').mark('staff-refused')
            return None
        commands = StaffCommands(runtime, staff_id=me.id, address=client_address())
        tokens = ApiTokenCommands(runtime, staff_id=me.id)
        base = str(request.base_url)
        with body:
            with ui.row().classes('w-full items-center'):
                ui.label(_('Your team')).classes('text-base font-semibold')
                ui.space()
                ui.button(_('Store settings'), icon='storefront', on_click=lambda: ui.navigate.to('/settings/store')
                          ).props('flat no-caps').mark('store-settings-link')
                ui.button(_('Add staff member'), icon='person_add', on_click=lambda: add_dialog()).props(
                    'unelevated no-caps color=indigo-8').mark('add-staff')
            listing = ui.column().classes('w-full gap-2').mark('staff-list')

        async def run(action: Callable[[], Awaitable[object]], done: str) -> bool:
            try:
                await action()
            except ServiceError as failure:
                ui.notify(failure.message, type='negative')
                return False
            ui.notify(done, type='positive')
            await show()
            return True

        async def show() -> None:
            try:
                members = await commands.list()
            except ServiceError as failure:
                listing.clear()
                with listing:
                    ui.label(failure.message).classes('text-red-700')
                return
            listing.clear()
            with listing:
                for member in members:
                    member_card(member)

        def member_card(member: Staff) -> None:
            assert member.id is not None
            member_id = member.id
            with ui.card().classes('w-full p-4 gap-2 rounded-xl').mark(f'staff-{member.email}'):
                with ui.row().classes('w-full items-center gap-2'):
                    ui.label(member.name).classes('font-semibold')
                    ui.label(member.email).classes('text-sm text-stone-600')
                    if member.is_owner:
                        ui.badge(_('Owner'), color='indigo-8')
                    ui.space()
                    if not member.active:
                        ui.badge(_('Deactivated'), color='red-8').mark('status-deactivated')
                    elif member.invitation_hash and not member.password_hash:
                        ui.badge(_('Invited'), color='amber-8').mark('status-invited')
                    else:
                        ui.badge(_('Active'), color='green-8').mark('status-active')
                with ui.row().classes('gap-1'):
                    for permission in Permission:
                        if permission in granted(member):
                            ui.label(_(LABELS[permission])).classes(
                                'text-xs rounded-full bg-stone-100 text-stone-700 px-2 py-0.5')
                with ui.row().classes('gap-1'):
                    ui.button(_('Edit'), icon='edit', on_click=lambda m=member: edit_dialog(m)).props(
                        'flat dense no-caps').mark('edit-staff')
                    if member.id != me.id and (not member.is_owner or me.is_owner):  # own: /account
                        ui.button(_('Reset password'), icon='key', on_click=lambda m=member: reset_dialog(m)).props(
                            'flat dense no-caps').mark('reset-password')
                    if me.is_owner and member.id != me.id:  # own tokens: /account
                        ui.button(_('API tokens'), icon='vpn_key', on_click=lambda m=member: open_member_tokens(
                            tokens, member_id=m.id or 0, member_name=m.name)).props('flat dense no-caps').mark(
                            'member-api-tokens-button')
                    if member.id != me.id and not member.is_owner:
                        if member.active:
                            async def deactivate(target: int = member_id) -> None:
                                if await run(lambda: commands.set_active(target, active=False),
                                             _('Staff member deactivated')):
                                    end_pages_of_staff(runtime.bus, target)  # now, not at the next check
                            ui.button(_('Deactivate'), icon='block', on_click=deactivate).props(
                                'flat dense no-caps color=red-8').mark('deactivate-staff')
                        else:
                            ui.button(_('Reactivate'), icon='restart_alt', on_click=lambda target=member_id: run(
                                lambda: commands.set_active(target, active=True), _('Staff member reactivated'))
                            ).props('flat dense no-caps').mark('reactivate-staff')

        def add_dialog() -> None:
            with ui.dialog() as dialog, ui.card().classes('w-[480px] max-w-[95vw] gap-3 p-6'):
                ui.label(_('Add staff member')).classes('text-base font-semibold')
                email = ui.input(_('E-mail')).props('outlined dense type=email maxlength=320').classes(
                    'w-full').mark('new-staff-email')
                name = ui.input(_('Name')).props('outlined dense maxlength=200').classes('w-full').mark(
                    'new-staff-name')
                ui.label(_('Permissions')).classes('text-sm font-semibold')
                boxes = permission_boxes(frozenset({Permission.REPLY, Permission.SHARE_PRODUCTS,
                                                    Permission.SHARE_DISCOUNTS}))
                how = ui.radio({'invite': _('Send an invitation link'), 'password': _('Set a first password')},
                               value='invite').props('inline').mark('add-how')
                password = password_input(_('First password'), mark='new-staff-password')
                password.bind_visibility_from(how, 'value', value='password')
                error = ui.label('').classes('text-sm text-red-700').mark('add-error')
                result = ui.column().classes('w-full gap-2')

                async def save() -> None:
                    error.set_text('')
                    try:
                        added = await commands.add(
                            email=email.value or '', name=name.value or '',
                            permissions=[p for p, box in boxes.items() if box.value],
                            password=(password.value or '') if how.value == 'password' else None)
                    except ServiceError as failure:
                        error.set_text(failure.message)
                        return
                    await show()
                    if added.invitation_token is None:
                        dialog.close()
                        ui.notify(_('Staff member added'), type='positive')
                        return
                    form.set_visibility(False)
                    show_invitation(result, invitation_link(base, added.invitation_token))

                with ui.row().classes('w-full justify-end') as form:
                    ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps')
                    ui.button(_('Add'), on_click=save).props('unelevated no-caps color=indigo-8').mark(
                        'save-new-staff')
                ui.button(_('Done'), on_click=dialog.close).props('flat no-caps').bind_visibility_from(
                    form, 'visible', backward=lambda visible: not visible).mark('invitation-done')
            dialog.open()

        def edit_dialog(member: Staff) -> None:
            assert member.id is not None
            member_id = member.id
            with ui.dialog() as dialog, ui.card().classes('w-[480px] max-w-[95vw] gap-3 p-6'):
                ui.label(_('Edit {name}', name=member.name)).classes('text-base font-semibold')
                name = ui.input(_('Name'), value=member.name).props('outlined dense maxlength=200').classes(
                    'w-full').mark('edit-staff-name')
                if member.is_owner:
                    ui.label(_('The owner has every permission.')).classes('text-sm text-stone-600')
                    boxes: dict[Permission, ui.checkbox] = {}
                else:
                    ui.label(_('Permissions')).classes('text-sm font-semibold')
                    boxes = permission_boxes(granted(member))
                    if member.id == me.id:
                        for box in boxes.values():
                            box.disable()  # the service refuses dropping your own permissions: don't offer it
                        ui.label(_('You cannot remove your own permissions.')).classes('text-xs text-stone-500')
                error = ui.label('').classes('text-sm text-red-700').mark('edit-error')

                async def save() -> None:
                    chosen = granted(member) if member.is_owner or member.id == me.id else [
                        p for p, box in boxes.items() if box.value]
                    try:
                        await commands.edit(member_id, name=name.value or '', permissions=chosen)
                    except ServiceError as failure:
                        error.set_text(failure.message)
                        return
                    dialog.close()
                    ui.notify(_('Staff member saved'), type='positive')
                    await show()

                with ui.row().classes('w-full justify-end'):
                    ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps')
                    ui.button(_('Save'), on_click=save).props('unelevated no-caps color=indigo-8').mark('save-staff')
            dialog.open()

        def reset_dialog(member: Staff) -> None:
            assert member.id is not None
            member_id = member.id
            with ui.dialog() as dialog, ui.card().classes('w-[480px] max-w-[95vw] gap-3 p-6'):
                ui.label(_('Reset the password of {name}', name=member.name)).classes('text-base font-semibold')
                ui.label(_('Their browsers are signed out and the old password stops working.')).classes(
                    'text-sm text-stone-600')
                how = ui.radio({'invite': _('Send a new invitation link'), 'password': _('Set a new password')},
                               value='invite').props('inline')
                password = password_input(_('New password'), mark='reset-new-password')
                password.bind_visibility_from(how, 'value', value='password')
                error = ui.label('').classes('text-sm text-red-700')
                result = ui.column().classes('w-full gap-2')

                async def save() -> None:
                    error.set_text('')
                    try:
                        token = await commands.reset_password(
                            member_id, password=(password.value or '') if how.value == 'password' else None)
                    except ServiceError as failure:
                        error.set_text(failure.message)
                        return
                    end_pages_of_staff(runtime.bus, member_id)
                    await show()
                    if token is None:
                        dialog.close()
                        ui.notify(_('Password changed'), type='positive')
                        return
                    form.set_visibility(False)
                    show_invitation(result, invitation_link(base, token))

                with ui.row().classes('w-full justify-end') as form:
                    ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps')
                    ui.button(_('Reset password'), on_click=save).props('unelevated no-caps color=indigo-8').mark(
                        'save-reset')
                ui.button(_('Done'), on_click=dialog.close).props('flat no-caps').bind_visibility_from(
                    form, 'visible', backward=lambda visible: not visible)
            dialog.open()

        await show()
        return None
