"""Manage a customer (/customers/{id}, P1's Manage link) and look at an order (/orders/{id}, P4)."""
from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from components.client_address import client_address
from components.clock import ViewerClock
from pages.staff_auth import chat_staff_or_redirect
from services import customers, locale_format, orders
from services import store as store_service
from services.errors import NotFound, ServiceError
from services.i18n import NP_, _, pgettext
from services.permissions import Permission, has
from services.privacy_commands import PrivacyCommands
from services.runtime import Runtime
from services.staff import get_active_staff

ORDER_STATUS = {'open': NP_('order', 'Open'), 'paid': NP_('order', 'Paid'), 'fulfilled': NP_('order', 'Fulfilled'),
                'cancelled': NP_('order', 'Cancelled')}  # shown with pgettext('order', ...)


def _shell(title: str, back: str = '/inbox') -> ui.column:
    ui.page_title(title)
    ui.query('body').classes('bg-stone-100')
    with ui.header().classes('h-14 px-4 items-center gap-3 bg-white text-stone-900 border-b border-stone-200'):
        ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to(back)).props(
            f'flat round dense aria-label="{_("Back to the inbox")}"')
        ui.label(title).classes('text-lg font-semibold')
    return ui.column().classes('w-full max-w-2xl mx-auto p-4 gap-4')


def privacy_card(commands: PrivacyCommands, profile: customers.CustomerProfile) -> None:
    """G2 and G1 for the owner and Manage staff: download everything stored about the customer, or erase them."""
    with ui.card().classes('w-full p-6 gap-3 rounded-xl'):
        ui.label(_('Privacy')).classes('text-base font-semibold')
        ui.label(_('Download everything stored about this customer as one JSON file.')).classes(
            'text-sm text-stone-600')

        async def download() -> None:
            try:
                name, data = await commands.export_customer(profile.id)
            except ServiceError as failure:
                ui.notify(failure.message, type='negative')
                return
            ui.download.content(data, name, 'application/json')

        with ui.row().classes('gap-3'):
            ui.button(_('Download data'), icon='download', on_click=download).props(
                'outline no-caps color=indigo-8').mark('download-customer-data')
            ui.button(_('Erase customer'), icon='delete_forever',
                      on_click=lambda: erase_dialog(commands, profile)).props(
                'outline no-caps color=red-8').mark('erase-customer')


def erase_dialog(commands: PrivacyCommands, profile: customers.CustomerProfile) -> None:
    """G1's confirmation: it names the customer and erases only once their e-mail is typed."""
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-md p-6 gap-3'):
        ui.label(_('Erase {name}?', name=profile.name)).classes('text-lg font-semibold').mark('erase-title')
        ui.label(_('Their name, e-mail, phone, location, note, carts, images and the texts of every message in their '
                   'conversations are erased for good. The conversations and orders stay, without them. This cannot '
                   'be undone.')).classes('text-sm text-stone-700')
        typed = ui.input(_('Type {email} to confirm', email=profile.email)).props(
            'outlined dense autofocus autocomplete=off').classes('w-full').mark('erase-confirm-email')
        error = ui.label('').classes('text-sm text-red-700')
        busy: list[bool] = []

        async def erase() -> None:
            if (typed.value or '').strip().lower() != profile.email.lower():
                error.set_text(_('Type the e-mail exactly as shown to confirm.'))
                return
            if busy:
                return
            busy.append(True)
            try:
                await commands.erase_customer(profile.id)
            except ServiceError as failure:
                error.set_text(failure.message)
                return
            finally:
                busy.clear()
            dialog.close()
            ui.notify(_('Customer erased'), type='positive')
            ui.navigate.to(f'/customers/{profile.id}')

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps')
            erase_button = ui.button(_('Erase customer'), on_click=erase).props(
                'unelevated no-caps color=red-8').mark('erase-confirm')
            erase_button.bind_enabled_from(typed, 'value', backward=lambda value: (value or '').strip().lower() ==
                                           profile.email.lower())
        typed.on('keydown.enter', erase)
    dialog.open()


def install_customer_pages_for_staff(runtime: Runtime) -> None:
    @ui.page('/customers/{customer_id}', title=_('Customer'))
    async def customer_page(customer_id: int) -> RedirectResponse | None:
        staff = await chat_staff_or_redirect(runtime, f'/customers/{customer_id}')
        if staff is None or isinstance(staff, RedirectResponse):
            return staff
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            try:
                profile = await customers.get_profile(db=db, customer_id=customer_id, currency=store.currency)
            except NotFound:
                profile = None
        body = _shell(_('Manage customer'))
        with body:
            if profile is None:
                ui.label(_('This customer does not exist.')).classes('text-stone-600')
                return None
            if profile.erased:
                with ui.card().classes('w-full p-6 gap-2 rounded-xl'):
                    ui.label(profile.name).classes('text-lg font-semibold').mark('customer-erased')
                    ui.label(_('Their personal data and message texts were erased. The conversations and orders '
                               'stay, without them.')).classes('text-sm text-stone-600')
                return None
            with ui.card().classes('w-full p-6 gap-3 rounded-xl'):
                name = ui.input(_('Name'), value=profile.name if profile.name != profile.email else '').props(
                    'outlined').classes('w-full')
                email = ui.input(_('E-mail'), value=profile.email).props('outlined type=email').classes('w-full')
                phone = ui.input(_('Phone'), value=profile.phone).props('outlined type=tel').classes('w-full')
                with ui.row().classes('w-full gap-3 no-wrap'):
                    city = ui.input(_('City'), value=profile.city).props('outlined').classes('grow')
                    country = ui.input(_('Country'), value=profile.country).props('outlined').classes('grow')
                timezone = ui.input(_('Time zone'), value=profile.timezone,
                                    placeholder='Europe/Copenhagen').props('outlined').classes('w-full')
                email_ok = ui.checkbox(_('Accepts e-mail marketing'), value=profile.accepts_email_marketing)
                sms_ok = ui.checkbox(_('Accepts SMS marketing'), value=profile.accepts_sms_marketing)
                error = ui.label('').classes('text-sm text-red-700').mark('customer-error')

                async def save() -> None:
                    error.set_text('')
                    try:
                        async with runtime.db.sessions() as db:
                            current = await get_active_staff(db=db, staff_id=staff.id)
                            await customers.update_customer(db=db, staff=current, customer_id=customer_id,
                                                            customer_in=customers.CustomerUpdate(
                                                                name=name.value or '', email=email.value or '',
                                                                phone=phone.value or '', city=city.value or '',
                                                                country=country.value or '',
                                                                timezone=timezone.value or '',
                                                                accepts_email_marketing=bool(email_ok.value),
                                                                accepts_sms_marketing=bool(sms_ok.value)))
                    except ServiceError as failure:
                        error.set_text(failure.message)
                        return
                    ui.notify(_('Customer saved'), type='positive')

                ui.button(_('Save'), on_click=save).props('unelevated no-caps color=indigo-8').mark('save-customer')
            if has(staff, Permission.MANAGE_STAFF):
                privacy_card(PrivacyCommands(runtime, staff_id=staff.id or 0, address=client_address()), profile)
        return None

    @ui.page('/orders/{order_id}', title=_('Order'))
    async def order_page(order_id: int) -> RedirectResponse | None:
        staff = await chat_staff_or_redirect(runtime, f'/orders/{order_id}')
        if staff is None or isinstance(staff, RedirectResponse):
            return staff
        async with runtime.db.sessions() as db:
            try:
                order, customer = await orders.get_order(db=db, order_id=order_id)
            except NotFound:
                order = None
        clock = ViewerClock('UTC')
        body = _shell(_('Order #{number}', number=order.number) if order else _('Order'))
        with body:
            if order is None:
                ui.label(_('This order does not exist.')).classes('text-stone-600')
                return None
            with ui.card().classes('w-full p-6 gap-2 rounded-xl'):
                with ui.row().classes('w-full justify-between items-baseline'):
                    ui.label(f'#{order.number}').classes('text-xl font-semibold')
                    ui.label(pgettext('order', ORDER_STATUS.get(order.status, order.status))).classes(
                        'text-xs rounded-full px-2 py-0.5 bg-stone-100')
                ui.label(f'{clock.date_and_time(order.placed_at)} UTC · {customer.name or customer.email}').classes(
                    'text-sm text-stone-600')
                ui.separator()
                for line in order.lines:
                    with ui.row().classes('w-full justify-between text-sm no-wrap'):
                        variant = '' if line.variant_title == 'Default Title' else f' ({line.variant_title})'
                        ui.label(f'{line.quantity} × {line.product_title}{variant}').classes('truncate')
                        ui.label(locale_format.money(line.line_total, order.currency)).classes('shrink-0')
                ui.separator()
                rows = [('subtotal', _('Subtotal'), order.subtotal)]
                if order.discount:
                    rows.append(('discount', _('Discount {code}', code=order.discount_code or ''), -order.discount))
                rows.append(('total', _('Total'), order.total))
                for key, label, amount in rows:
                    with ui.row().classes('w-full justify-between text-sm'):
                        ui.label(label)
                        ui.label(locale_format.money(amount, order.currency)).mark(f'order-{key}')
                ui.link(_('Manage customer'), f'/customers/{customer.id}').classes('text-sm text-indigo-700')
        return None
