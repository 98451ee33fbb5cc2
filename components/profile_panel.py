"""The customer panel beside the thread (P1, P5 now; Note, Cart and Last order placed follow)."""
from __future__ import annotations

from datetime import datetime, timezone

from nicegui import ui

from components.clock import ViewerClock
from services import customers
from services import store as store_service
from services.i18n import _, ngettext
from services.runtime import Runtime
from services.views import ConversationRow


def _since(moment: datetime) -> str:
    days = (datetime.now(timezone.utc) - moment).days
    if days < 1:
        return _('Customer since today')
    if days < 60:
        return ngettext('Customer for {n} day', 'Customer for {n} days', days)
    months = days // 30
    if months < 24:
        return ngettext('Customer for {n} month', 'Customer for {n} months', months)
    return ngettext('Customer for {n} year', 'Customer for {n} years', days // 365)


class ProfilePanel:
    def __init__(self, runtime: Runtime, *, clock: ViewerClock) -> None:
        self.runtime = runtime
        self.clock = clock
        self.root = ui.column().classes('w-full gap-0 p-0')
        self.clear()

    def clear(self) -> None:
        self.root.clear()
        with self.root:
            ui.label(_('Customer details appear here when a conversation is open.')).classes(
                'text-sm text-stone-500 p-5')

    def _section(self, title: str) -> ui.column:
        with self.root:
            with ui.column().classes('w-full gap-1 px-5 py-4 border-b border-stone-100') as section:
                ui.label(title).classes('text-xs font-semibold uppercase tracking-wide text-stone-500 mb-1')
        return section

    async def show(self, row: ConversationRow) -> None:
        async with self.runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            profile = await customers.get_profile(db=db, customer_id=row.customer_id, currency=store.currency)
        self.root.clear()
        with self._section(_('Customer')):
            with ui.row().classes('items-center gap-2'):
                ui.label(profile.name).classes('text-base font-semibold text-stone-900').mark('profile-name')
                ui.label(_('Returning customer') if profile.returning else _('New customer')).classes(
                    'text-xs rounded-full px-2 py-0.5 bg-stone-100 text-stone-700')
                if profile.subscribed:
                    ui.label(_('Subscribed')).classes('text-xs rounded-full px-2 py-0.5 bg-green-50 text-green-800')
            ui.label(_since(profile.customer_since)).classes('text-sm text-stone-600')
            if profile.returning:
                ui.label(_('{amount} {currency} spent over {n} orders', amount=profile.lifetime_spend,
                           currency=profile.currency, n=profile.order_count)).classes('text-sm text-stone-600')
            for icon, value in (('mail_outline', profile.email), ('phone', profile.phone),
                                ('place', profile.location)):
                if value:
                    with ui.row().classes('items-center gap-2 text-sm text-stone-700 no-wrap'):
                        ui.icon(icon, size='16px').classes('text-stone-400')
                        ui.label(value).classes('truncate')
            if profile.local_time is not None:
                with ui.row().classes('items-center gap-2 text-sm text-stone-700'):
                    ui.icon('schedule', size='16px').classes('text-stone-400')
                    ui.label(_('{time} local time', time=profile.local_time.strftime('%H:%M')))
        with self._section(_('Conversation details')):
            for label, value in ((_('Status'), _('Open') if row.status == 'open' else _('Closed')),
                                 (_('Channel'), _('Online store chat') if row.channel == 'chat' else _('E-mail')),
                                 (_('Started'), self.clock.short(row.started_at)),
                                 (_('Topic'), _('None yet'))):
                with ui.row().classes('w-full justify-between text-sm'):
                    ui.label(label).classes('text-stone-500')
                    ui.label(value).classes('text-stone-800')
        with self.root:
            ui.label(_('Note, Cart and Last order placed will be shown here in a coming version.')).classes(
                'text-xs text-stone-400 px-5 py-4')
