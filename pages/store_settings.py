"""/settings/store: the store's name, time zone, currency, storefront, widget look and allowed domains, and the
identity secret with rotation (U2). For members with MANAGE_STAFF (the owner has it); services/store.py checks."""
from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from components.client_address import client_address
from pages.account import page_header
from pages.retention_card import retention_card
from pages.settings import identity_card
from pages.staff_auth import signed_in_staff
from services import store as store_service
from services.errors import ServiceError
from services.i18n import _
from services.inbox_commands import acting
from services.permissions import Permission, has, refusal
from services.privacy_commands import PrivacyCommands
from services.runtime import Runtime
from services.store import StoreSettingsIn


def install_store_settings_page(runtime: Runtime) -> None:
    @ui.page('/settings/store', title=_('Store settings · Inbox'))
    async def store_settings_page() -> RedirectResponse | None:
        me = await signed_in_staff(runtime, '/settings/store')
        if isinstance(me, RedirectResponse):
            return me
        assert me.id is not None
        staff_id = me.id
        address = client_address()
        ui.page_title(_('Store settings · Inbox'))
        ui.query('body').classes('bg-stone-100')
        page_header(_('Store settings'))
        body = ui.column().classes('w-full max-w-2xl mx-auto p-4 gap-4')
        if not has(me, Permission.MANAGE_STAFF):
            with body, ui.column().classes('w-full items-center text-center gap-2 pt-16'):
                ui.icon('lock', size='48px').classes('text-stone-400')
                ui.label(refusal(Permission.MANAGE_STAFF)).classes('text-lg font-semibold').mark('store-refused')
            return None
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)

        with body, ui.card().classes('w-full p-6 gap-3 rounded-xl').mark('store-settings'):
            ui.label(_('Store')).classes('text-base font-semibold')
            name = ui.input(_('Store name'), value=store.name).props('outlined dense maxlength=200').classes(
                'w-full').mark('store-name')
            with ui.row().classes('w-full gap-3 no-wrap'):
                zone = ui.input(_('Time zone'), value=store.time_zone).props(
                    'outlined dense maxlength=64 hint="Europe/Helsinki"').classes('grow').mark('store-time-zone')
                currency = ui.input(_('Currency'), value=store.currency).props(
                    'outlined dense maxlength=3 hint="EUR"').classes('w-32').mark('store-currency')
            storefront = ui.input(_('Storefront address'), value=store.storefront_url).props(
                'outlined dense maxlength=500 type=url hint="https://shop.example.com"').classes('w-full').mark(
                'store-storefront')
            ui.label(_('Chat widget')).classes('text-base font-semibold pt-2')
            with ui.row().classes('w-full items-center gap-3 no-wrap'):
                colour = ui.input(_('Colour'), value=store.widget_color).props(
                    'outlined dense maxlength=7 hint="#2563eb"').classes('w-40').mark('widget-colour')
                swatch = ui.element('div').classes('w-8 h-8 rounded-full border border-stone-300')
                swatch.style(f'background: {store.widget_color}')
                colour.on_value_change(lambda e: swatch.style(
                    f'background: {e.value}') if store_service.COLOUR.fullmatch(str(e.value or '')) else None)
                position = ui.toggle({'left': _('Left'), 'right': _('Right')},
                                     value=store.widget_position).props('no-caps').mark('widget-position')
            domains = ui.textarea(_('Allowed widget domains'), value='\n'.join(store_service.allowed_domains(store))
                                  ).props('outlined dense autogrow maxlength=5000').classes('w-full').mark(
                'widget-domains')
            ui.label(_('One host name a line, such as shop.example.com. The widget opens only on these sites and '
                       'the chat may be framed only by them. Leave empty to allow any site.')).classes(
                'text-xs text-stone-500')
            error = ui.label('').classes('text-sm text-red-700').mark('store-error')

            async def save() -> None:
                error.set_text('')
                settings = StoreSettingsIn(
                    name=name.value or '', time_zone=zone.value or '', currency=currency.value or '',
                    storefront_url=storefront.value or '', widget_color=colour.value or '',
                    widget_position=str(position.value or ''), allowed_domains=(domains.value or '').split())
                try:
                    async with acting(runtime, staff_id) as (db, actor):
                        await store_service.update_settings(db=db, actor=actor, settings=settings,
                                                            address=address)
                except ServiceError as failure:
                    error.set_text(failure.message)
                    return
                ui.notify(_('Store settings saved'), type='positive')

            ui.button(_('Save'), on_click=save).props('unelevated no-caps color=indigo-8').mark('save-store')

        async def rotate() -> None:
            try:
                async with acting(runtime, staff_id) as (db, actor):
                    rotated = await store_service.rotate_identity_secret(db=db, actor=actor, address=address)
            except ServiceError as failure:
                ui.notify(failure.message, type='negative')
                return
            secret_field.value = rotated.identity_secret
            ui.notify(_('New identity secret: put it on your storefront server now.'), type='warning')

        with body:
            retention_card(PrivacyCommands(runtime, staff_id=staff_id, address=address), store.retention_days)
            secret_field = identity_card(store.identity_secret)
            ui.button(_('Rotate identity secret'), icon='autorenew', on_click=rotate).props(
                'outline no-caps color=red-8').mark('rotate-secret').tooltip(
                _('Signatures made with the old secret stop working at once.'))
        return None
