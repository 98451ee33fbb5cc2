"""The customer panel beside the thread: Customer (P1), Note (P2), Cart (P3), Last order placed (P4),
Conversation details (P5)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from nicegui import ui

from components.badges import status_label, topic_label, unverified_chip
from components.clock import ViewerClock
from components.command_feedback import Refused, run_command
from services import carts, locale_format
from services.carts import CartView
from services.customers import CustomerProfile
from services.i18n import NP_, _, ngettext, pgettext
from services.inbox_commands import InboxCommands
from services.inbox_reads import CustomerPanel, InboxReads
from services.orders import OrderView
from services.views import ConversationRow

CART_PREVIEW = 3
ORDER_STATUS = {'open': NP_('order', 'Open'), 'paid': NP_('order', 'Paid'), 'fulfilled': NP_('order', 'Fulfilled'),
                'cancelled': NP_('order', 'Cancelled')}  # shown with pgettext('order', ...)


def customer_since(moment: datetime) -> str:
    days = (datetime.now(UTC) - moment).days
    if days < 1:
        return _('Customer since today')
    if days < 60:
        return ngettext('Customer for {n} day', 'Customer for {n} days', days)
    months = days // 30
    if months < 24:
        return ngettext('Customer for {n} month', 'Customer for {n} months', months)
    return ngettext('Customer for {n} year', 'Customer for {n} years', days // 365)


def money(amount: object, currency: str) -> str:
    return locale_format.money(amount, currency)


@dataclass(frozen=True)
class _Shown:
    """What the panel shows of one conversation; each section is redrawn only when its own part changed."""
    row: ConversationRow
    profile: CustomerProfile
    cart: CartView
    last: OrderView | None

    def part(self, section: str) -> object:
        profile = self.profile
        if section == 'customer':
            return replace(profile, note='', note_updated_at=None, note_updated_by=''), self.row.unverified_claim
        if section == 'note':
            return profile.note, profile.note_updated_at, profile.note_updated_by
        if section == 'cart':
            return self.cart
        if section == 'last_order':
            return self.last, profile.order_count, profile.id
        return self.row.topics[:1], self.row.status, self.row.channel, self.row.started_at


SECTIONS = ('customer', 'note', 'cart', 'last_order', 'details')


class ProfilePanel:
    def __init__(self, *, commands: InboxCommands, reads: InboxReads, clock: ViewerClock) -> None:
        self.commands = commands
        self.reads = reads
        self.clock = clock
        self.row: ConversationRow | None = None
        self.shown: _Shown | None = None
        self.boxes: dict[str, ui.column] = {}
        self.note_input: ui.textarea | None = None
        self.note_stamp: ui.label | None = None
        self.note_saved = ''
        """The note as last loaded or saved: while the textarea holds something else, staff are typing."""
        self.root = ui.column().classes('w-full gap-0 p-0')
        self.clear()

    def clear(self) -> None:
        self.row = None
        self.shown = None
        self.boxes = {}
        self.note_input = self.note_stamp = None
        self.root.clear()
        with self.root:
            ui.label(_('Customer details appear here when a conversation is open.')).classes(
                'text-sm text-stone-500 p-5')

    def _section(self, title: str, *, action: tuple[str, object] | None = None) -> ui.column:
        with ui.column().classes('w-full gap-1 px-5 py-4 border-b border-stone-100') as section:
            with ui.row().classes('w-full items-center justify-between'):
                ui.label(title).classes('text-xs font-semibold uppercase tracking-wide text-stone-500')
                if action is not None:
                    label, handler = action
                    ui.button(label, on_click=handler).props('flat dense no-caps size=sm color=indigo-8')
        return section

    async def _load(self, conversation_id: int) -> _Shown:
        panel: CustomerPanel = await self.reads.customer_panel(conversation_id)
        return _Shown(row=panel.row, profile=panel.profile, cart=panel.cart, last=panel.last_order)

    async def show(self, row: ConversationRow) -> None:
        """Show this conversation's customer; for the one already shown, update in place (refresh)."""
        shown = await self._load(row.id)
        if self.shown is None or self.shown.row.id != row.id or not self.boxes:
            self.root.clear()
            self.note_input = self.note_stamp = None  # deleted with the root: never touch them again
            with self.root:
                self.boxes = {section: ui.column().classes('w-full gap-0') for section in SECTIONS}
            changed = list(SECTIONS)
        else:
            changed = [section for section in SECTIONS if shown.part(section) != self.shown.part(section)]
        self.row, self.shown = shown.row, shown
        for section in changed:
            self._draw(section, shown)

    async def refresh(self) -> None:
        """Re-read what the panel shows (the row too: topics, status) and redraw only the sections that changed."""
        if self.row is not None:
            await self.show(self.row)

    def _draw(self, section: str, shown: _Shown) -> None:
        if section == 'note' and self.note_input is not None and not self.note_input.is_deleted:
            self._update_note(shown.profile)
            return
        box = self.boxes[section]
        box.clear()
        with box:
            if section == 'customer':
                self._customer(shown.profile, unverified=shown.row.unverified_claim)
            elif section == 'note':
                self._note(shown.profile)
            elif section == 'cart':
                self._cart(shown.cart)
            elif section == 'last_order':
                self._last_order(shown.last, shown.profile)
            else:
                self._details(shown.row)

    def _update_note(self, profile: CustomerProfile) -> None:
        """Someone saved the note meanwhile: take their text unless this staff member is typing their own."""
        assert self.note_input is not None and self.note_stamp is not None
        if (self.note_input.value or '') == self.note_saved:
            self.note_input.value = profile.note
        self.note_saved = profile.note
        self.note_stamp.set_text(self._note_stamp(profile))

    def _customer(self, profile: CustomerProfile, *, unverified: bool) -> None:
        with self._section(_('Customer')):
            with ui.row().classes('w-full items-center gap-2'):
                ui.label(profile.name).classes('text-base font-semibold text-stone-900').mark('profile-name')
                ui.link(_('Manage'), f'/customers/{profile.id}').classes('text-sm text-indigo-700 ml-auto')
            with ui.row().classes('items-center gap-1.5'):
                if unverified:  # V1: whoever is chatting has not proved they are this customer
                    unverified_chip().mark('profile-unverified')
                ui.label(_('Returning customer') if profile.returning else _('New customer')).classes(
                    'text-xs rounded-full px-2 py-0.5 bg-stone-100 text-stone-700')
                if profile.subscribed:
                    ui.label(_('Subscribed')).classes('text-xs rounded-full px-2 py-0.5 bg-green-50 text-green-800')
            ui.label(customer_since(profile.customer_since)).classes('text-sm text-stone-600')
            if profile.returning:
                ui.label(ngettext('{amount} spent on {n} order', '{amount} spent on {n} orders', profile.order_count,
                                  amount=money(profile.lifetime_spend, profile.currency))).classes(
                    'text-sm text-stone-600').mark('lifetime-spend')
            for icon, value in (('mail_outline', profile.email), ('phone', profile.phone),
                                ('place', profile.location)):
                if value:
                    with ui.row().classes('items-center gap-2 text-sm text-stone-700 no-wrap w-full'):
                        ui.icon(icon, size='16px').classes('text-stone-400')
                        ui.label(value).classes('truncate')
            if profile.local_time is not None:
                with ui.row().classes('items-center gap-2 text-sm text-stone-700'):
                    ui.icon('schedule', size='16px').classes('text-stone-400')
                    ui.label(_('{time} local time', time=locale_format.time_of_day(profile.local_time))).mark(
                        'local-time')

    def _note(self, profile: CustomerProfile) -> None:
        self.note_saved = profile.note
        with self._section(_('Note')):
            self.note_input = note = ui.textarea(placeholder=_('Add a note about this customer (only staff see it)'),
                               value=profile.note).props('outlined dense autogrow maxlength=5000').classes(
                'w-full').mark('note')
            note.props['aria-label'] = _('Note')
            with ui.row().classes('w-full items-center justify-between'):
                self.note_stamp = stamp = ui.label(self._note_stamp(profile)).classes('text-xs text-stone-500')

                async def save() -> None:
                    saved = await run_command(self.commands.save_note(customer_id=profile.id, text=note.value or ''))
                    if isinstance(saved, Refused):
                        return
                    self.note_saved = saved.note
                    stamp.set_text(self._note_stamp(saved))
                    ui.notify(_('Note saved'), type='positive')

                ui.button(_('Save note'), on_click=save).props('flat dense no-caps size=sm color=indigo-8').mark(
                    'save-note')

    def _note_stamp(self, profile: CustomerProfile) -> str:
        if profile.note_updated_at is None:
            return ''
        return _('Edited by {name}, {when}', name=profile.note_updated_by or _('staff'),
                 when=self.clock.short(profile.note_updated_at))

    def _cart(self, cart: CartView) -> None:
        action = (_('See all'), lambda: self._all_cart_items(cart)) if len(cart.items) > CART_PREVIEW else None
        with self._section(_('Cart'), action=action):
            if cart.is_empty:
                ui.label(_('The cart is empty.')).classes('text-sm text-stone-500').mark('cart-empty')
                return
            for line in cart.items[:CART_PREVIEW]:
                self._cart_line(line, cart.currency)
            with ui.row().classes('w-full justify-between text-sm font-medium pt-1'):
                ui.label(_('Subtotal'))
                ui.label(money(cart.subtotal, cart.currency)).mark('profile-cart-subtotal')
            if cart.updated_at is not None:
                ui.label(_('Last cart activity {when}', when=self.clock.short(cart.updated_at))).classes(
                    'text-xs text-stone-500')

    @staticmethod
    def _cart_line(line: carts.CartLine, currency: str) -> None:
        with ui.row().classes('w-full no-wrap items-start gap-2 py-1'):
            with ui.column().classes('gap-0 min-w-0 grow'):
                ui.label(line.product_title).classes('text-sm text-stone-900 truncate w-full').mark('cart-line')
                variant = '' if line.variant_title == 'Default Title' else f'{line.variant_title} · '
                ui.label(f'{variant}{_("{n} in stock", n=line.available)}').classes('text-xs text-stone-500')
            with ui.column().classes('gap-0 items-end shrink-0'):
                ui.label(f'× {line.quantity}').classes('text-sm text-stone-700')
                ui.label(money(line.unit_price, currency)).classes('text-xs text-stone-500')

    def _all_cart_items(self, cart: CartView) -> None:
        with ui.dialog() as dialog, ui.card().classes('w-[420px] max-w-[95vw]'):
            ui.label(_('Cart')).classes('text-lg font-semibold')
            for line in cart.items:
                self._cart_line(line, cart.currency)
            ui.button(_('Close'), on_click=dialog.close).props('flat no-caps').classes('self-end')
        dialog.open()

    def _last_order(self, last: OrderView | None, profile: CustomerProfile) -> None:
        action = (_('See all'), lambda: self._all_orders(profile.id)) if profile.order_count > 1 else None
        with self._section(_('Last order placed'), action=action):
            if last is None:
                ui.label(_('No orders in the last 60 days.')).classes('text-sm text-stone-500').mark('no-last-order')
                return
            with ui.row().classes('w-full justify-between items-baseline'):
                ui.link(f'#{last.number}', f'/orders/{last.id}').classes('text-sm font-semibold text-indigo-700').mark(
                    'last-order')
                ui.label(money(last.total, last.currency)).classes('text-sm text-stone-900')
            with ui.row().classes('w-full justify-between text-xs text-stone-500'):
                ui.label(self.clock.date_and_time(last.placed_at))
                ui.label(pgettext('order', ORDER_STATUS.get(last.status, last.status)))

    async def _all_orders(self, customer_id: int) -> None:
        all_orders = await self.reads.orders_of(customer_id)
        with ui.dialog() as dialog, ui.card().classes('w-[460px] max-w-[95vw]'):
            ui.label(_('Orders')).classes('text-lg font-semibold')
            for order in all_orders:
                with ui.row().classes('w-full justify-between text-sm no-wrap'):
                    ui.link(f'#{order.number}', f'/orders/{order.id}').classes('text-indigo-700')
                    ui.label(self.clock.short(order.placed_at)).classes('text-stone-500')
                    ui.label(pgettext('order', ORDER_STATUS.get(order.status, order.status))).classes('text-stone-600')
                    ui.label(money(order.total, order.currency))
            ui.button(_('Close'), on_click=dialog.close).props('flat no-caps').classes('self-end')
        dialog.open()

    def _details(self, row: ConversationRow) -> None:
        with self._section(_('Conversation details')):
            latest_topic = topic_label(row.topics[0]) if row.topics else _('None yet')
            with ui.row().classes('w-full justify-between gap-3 text-sm no-wrap'):
                ui.label(_('Topic')).classes('text-stone-500 shrink-0')
                ui.label(latest_topic).classes('text-stone-800 text-right min-w-0').mark('profile-topic')
            for label, value in (
                                 (_('Status'), status_label(row.status)),
                                 (_('Channel'), _('Online store chat') if row.channel == 'chat' else _('E-mail')),
                                 (_('Started'), self.clock.short(row.started_at))):
                with ui.row().classes('w-full justify-between gap-3 text-sm no-wrap'):
                    ui.label(label).classes('text-stone-500 shrink-0')
                    ui.label(value).classes('text-stone-800 text-right min-w-0')
