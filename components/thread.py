"""The open conversation: header with presence, messages appended live, the offline notice and the composer."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from nicegui import ui

from components.clock import ViewerClock
from components.command_feedback import Refused, run_command
from components.composer import Composer
from components.conversation_actions import ConversationActions
from components.conversation_list import initials, topic_chip
from components.share_dialogs import DiscountShareDialog, ImageShareDialog, ProductShareDialog
from services import locale_format
from services.carts import cart_event_text
from services.classification.topics import TOPIC_KEYS, TOPIC_LABELS
from services.errors import ServiceError
from services.i18n import N_, _, pgettext
from services.inbox_commands import InboxCommands
from services.inbox_reads import InboxReads
from services.share_commands import ShareCommands
from services.views import ConversationRow, MessageView

THREAD_PAGE = 100
DELIVERY_LABELS = {  # N_: translated with _() when shown
    'chat': (N_('Delivered in chat'), 'chat_bubble_outline'),
    'emailed': (N_('E-mailed'), 'mark_email_read'),
    'email_pending': (N_('E-mail pending'), 'schedule_send'),
    'email_failed': (N_('E-mail failed, retrying'), 'error_outline'),
    'email_given_up': (N_('E-mail not delivered'), 'error'),
    'email_saved': (N_('Saved, not sent (no mail server)'), 'drafts'),
}


EVENT_ICONS = {'add': 'add_shopping_cart', 'remove': 'remove_shopping_cart'}


def event_text(view: MessageView) -> str:
    """The event's text in the viewer's language (E1's 41-character rule lives in services.carts)."""
    if view.kind == 'cart_event':
        return cart_event_text(str(view.payload.get('action', '')), str(view.payload.get('product_title', '')))
    if view.payload.get('action') == 'assign' and 'actor_name' in view.payload:
        names = {'assignee': str(view.payload.get('assignee_name', '')), 'actor': str(view.payload['actor_name'])}
        return (_('Assigned to {assignee} by {actor}', **names) if view.payload.get('assignee_id') is not None
                else _('Unassigned from {assignee} by {actor}', **names))
    return view.body


def shared_content(view: MessageView) -> None:
    """Product cards, a discount card or an image, as the shopper sees them."""
    if view.kind == 'products':
        with ui.row().classes('max-w-[75%] gap-2 justify-end'):
            for card in view.payload.get('products', []):
                with ui.link(target=str(card.get('url', '')), new_tab=True).classes(
                        'no-underline w-40 rounded-xl bg-white border border-stone-200 overflow-hidden shadow-sm '
                        'text-stone-900').mark('product-card'):
                    image = str(card.get('image_url', ''))
                    if image.startswith(('https://', 'http://', '/')):
                        ui.image(image).classes('w-40 h-28')
                    else:
                        with ui.element('div').classes('w-40 h-20 bg-stone-100 flex items-center justify-center'):
                            ui.icon('inventory_2', size='28px').classes('text-stone-300')
                    with ui.column().classes('gap-0 p-2'):
                        ui.label(str(card.get('title', ''))).classes('text-sm font-medium leading-tight')
                        ui.label(locale_format.money(card.get('price', ''), str(card.get('currency', '')))).classes(
                            'text-xs text-stone-600')
    elif view.kind == 'discount':
        with ui.row().classes('items-center gap-2 rounded-xl border-2 border-dashed border-indigo-300 bg-indigo-50 '
                              'px-3 py-2').mark('discount-card'):
            ui.icon('sell', size='18px').classes('text-indigo-700')
            ui.label(str(view.payload.get('code', ''))).classes('font-mono font-semibold text-indigo-900')
            ui.label(_('{value} off', value=view.payload.get('discount', ''))).classes('text-xs text-indigo-800')
    elif view.kind == 'image':
        url = str(view.payload.get('url', ''))
        if url.startswith('/media/'):
            with ui.link(target=url, new_tab=True):
                ui.image(url).classes('w-64 max-w-full rounded-xl shadow-sm').mark('shared-image')


def aria(element: ui.element, label: str) -> ui.element:
    element.props['aria-label'] = label
    return element


# The thread header is its own size container: when the thread pane is narrow (three panes on a laptop, or a long
# translation such as 'Segna come inattiva' or 'Markeren als inactief'), the status chip and the assignee chip give
# way and the Assign and Close buttons keep only their icons (named by aria-label and tooltip) instead of wrapping
# over the customer's name.
HEADER_CSS = '''
.thread-header { container: thread-header / inline-size; }
@container thread-header (max-width: 719px) { .roomy-header-only { display: none !important; } }
'''


class Thread:
    def __init__(self, *, commands: InboxCommands, shares: ShareCommands, reads: InboxReads, clock: ViewerClock,
                 on_back: Callable[[], Awaitable[None]], actions: ConversationActions) -> None:
        self.commands = commands
        self.shares = shares
        self.reads = reads
        self.actions = actions
        self.clock = clock
        self.on_back = on_back
        self.row: ConversationRow | None = None
        self.shown_ids: set[int] = set()
        self.opening: int | None = None
        self.arrived_while_opening: list[MessageView] = []
        self.deliveries: dict[int, ui.row] = {}
        with ui.column().classes('w-full h-full gap-0 no-wrap bg-white') as self.root:
            ui.add_css(HEADER_CSS)
            self.header = ui.row().classes(
                'thread-header w-full items-center gap-3 px-4 py-3 border-b border-stone-200 no-wrap')
            self.header.props['role'] = 'toolbar'
            aria(self.header, _('Conversation'))
            self.cart_bar = ui.row().classes('w-full items-center gap-2 px-4 py-1.5 bg-indigo-50 text-indigo-950 '
                                             'text-sm border-b border-indigo-100 no-wrap').mark('header-cart')
            with ui.scroll_area().classes('w-full grow bg-stone-50') as self.scroll:
                self.older = ui.column().classes('w-full items-center')
                self.messages = ui.column().classes('w-full gap-2 px-4 py-4')
                self.messages.props['role'] = 'log'
                aria(self.messages, _('Messages'))
            self.notice = ui.row().classes('w-full items-center gap-2 px-4 py-2 bg-amber-50 text-amber-900 '
                                           'text-sm border-t border-amber-200 no-wrap')
            self.composer = Composer(on_send=self.send, on_share={'products': self.share_products,
                                                                  'discount': self.share_discount,
                                                                  'image': self.share_image})
        self.show_empty()

    def show_empty(self) -> None:
        self.row = None
        self.header.clear()
        self.messages.clear()
        self.older.clear()
        self.shown_ids.clear()
        self.deliveries.clear()
        self.notice.set_visibility(False)
        self.cart_bar.set_visibility(False)
        self.header.set_visibility(False)
        self.composer.set_enabled(False)
        with self.messages:
            with ui.column().classes('w-full items-center text-center text-stone-500 gap-2 pt-24'):
                ui.icon('chat', size='48px').classes('text-stone-300')
                ui.label(_('Select a conversation')).classes('text-base font-medium text-stone-600')
                ui.label(_('Pick a conversation from the list to read and reply.')).classes('text-sm')

    async def open(self, conversation_id: int) -> bool:
        self.opening = conversation_id
        self.arrived_while_opening = []
        start = await self.reads.thread_start(conversation_id, limit=THREAD_PAGE)
        if start is None:
            self.opening = None
            ui.notify(_('This conversation does not exist.'), type='warning')
            return False
        row, views = start.row, start.messages
        await self.commands.mark_read(conversation_id)
        self.row = row
        self.render_header()
        self.messages.clear()
        self.older.clear()
        self.shown_ids.clear()
        self.deliveries.clear()
        if len(views) == THREAD_PAGE:
            with self.older:
                ui.button(_('Show older messages'), on_click=self.load_older).props('flat dense no-caps')
        for view in views:
            self._bubble(view)
        self.opening = None
        for view in self.arrived_while_opening:  # published after our query but before the row was set
            self._bubble(view)
        if not self.shown_ids:
            with self.messages:
                ui.label(_('No messages yet.')).classes('self-center text-stone-500 text-sm mt-8').mark('thread-empty')
        self.render_notice()
        await self.load_cart()
        self.composer.set_enabled(True)
        self.composer.focus()
        self.scroll.scroll_to(percent=1.0)
        return True

    async def load_older(self) -> None:
        if self.row is None or not self.shown_ids:
            return
        views = await self.reads.thread(self.row.id, before=min(self.shown_ids), limit=THREAD_PAGE)
        self.older.clear()
        if len(views) == THREAD_PAGE:
            with self.older:
                ui.button(_('Show older messages'), on_click=self.load_older).props('flat dense no-caps')
        for index, view in enumerate(views):
            self._bubble(view, index=index)

    def render_header(self) -> None:
        row = self.row
        assert row is not None
        self.header.set_visibility(True)
        self.header.clear()
        with self.header:
            back = ui.button(icon='arrow_back', on_click=self.on_back).props('flat round dense')
            aria(back.classes('single-pane-only'), _('Back to conversations'))
            ui.label(initials(row.customer_name)).classes(
                'w-10 h-10 rounded-full bg-stone-200 text-stone-700 flex items-center justify-center text-sm '
                'font-semibold shrink-0')
            with ui.column().classes('gap-0 min-w-0 grow overflow-hidden'):
                with ui.row().classes('items-center gap-2 no-wrap max-w-full'):
                    ui.label(row.customer_name).classes('text-base font-semibold truncate').mark('thread-name')
                    if row.online:
                        ui.label(_('Online')).classes('text-xs font-medium text-green-800 bg-green-100 rounded-full '
                                                      'px-2 py-0.5 whitespace-nowrap shrink-0').mark('thread-online')
                with ui.row().classes('items-center gap-1 no-wrap max-w-full'):
                    ui.label(row.customer_email).classes('text-xs text-stone-500 truncate')
                    for topic in row.topics[:2]:
                        with ui.row().classes('items-center gap-0 no-wrap min-w-0 wide-only'):
                            topic_chip(topic)
                            remove = ui.button(icon='close', on_click=self._topic_remover(row.id, topic)).props(
                                'flat round dense size=xs').mark(f'remove-topic-{topic}')
                            remove.props['aria-label'] = _('Remove topic {topic}', topic=_(TOPIC_LABELS[topic]))
            if row.assignee_id is not None:
                ui.label(_('Assigned to {name}', name=row.assignee_name)).classes(
                    'text-xs rounded-full px-2 py-0.5 bg-stone-100 text-stone-700 whitespace-nowrap shrink-0 '
                    'wide-only roomy-header-only').mark('thread-assignee')
            ui.label(_('Open') if row.status == 'open' else _('Closed')).classes(
                'text-xs rounded-full px-2 py-0.5 whitespace-nowrap shrink-0 ' +
                ('bg-indigo-50 text-indigo-800' if row.status == 'open' else 'bg-stone-100 text-stone-600')).classes(
                'wide-only roomy-header-only').mark('thread-status')
            cid = row.id
            status_action = (pgettext('conversation', 'Close') if row.status == 'open'  # not a dialog's Close
                             else pgettext('conversation', 'Reopen'))
            assign = ui.button(icon='person_add_alt', on_click=lambda: self.actions.assign(cid)).props(
                'flat dense no-caps no-wrap color=indigo-8').classes('wide-only shrink-0').mark('thread-assign')
            toggle = ui.button(icon='check_circle_outline' if row.status == 'open' else 'replay',
                               on_click=lambda: self.actions.toggle_status(cid)).props(
                'unelevated dense no-caps no-wrap color=indigo-8 padding="4px 10px"').classes(
                'wide-only shrink-0').mark('thread-status-toggle')
            for button, label in ((assign, _('Assign')), (toggle, status_action)):
                with button:
                    ui.label(label).classes('roomy-header-only ml-1 whitespace-nowrap')
                    ui.tooltip(label)
                aria(button, label)
            with ui.button(icon='more_vert').props('flat round dense') as more:
                more.props['aria-label'] = _('More actions')
                with ui.menu():
                    ui.menu_item(_('Assign'), on_click=lambda: self.actions.assign(cid)).classes('phone-only')
                    ui.menu_item(status_action,
                                 on_click=lambda: self.actions.toggle_status(cid)).classes('phone-only')
                    ui.menu_item(_('Mark as unread'), on_click=lambda: self.actions.mark_unread(cid)).mark(
                        'mark-unread')
                    ui.menu_item(_('Set topic…'), on_click=lambda: self.choose_topic(cid)).mark('set-topic')
                    if row.assignee_id is not None:
                        ui.menu_item(_('Unassign'), on_click=lambda: self.actions.unassign(cid)).mark('unassign')

    def _topic_remover(self, conversation_id: int, topic: str) -> Callable[[], Awaitable[None]]:
        async def remove() -> None:
            await run_command(self.commands.remove_topic(conversation_id, topic))
        return remove

    async def choose_topic(self, conversation_id: int) -> None:
        with ui.dialog() as dialog, ui.card().classes('w-[360px] gap-2'):
            ui.label(_('Set the topic')).classes('text-lg font-semibold')
            ui.label(_('It applies to the shopper\'s latest message and teaches the next training.')).classes(
                'text-sm text-stone-600')
            choice = ui.select({key: _(TOPIC_LABELS[key]) for key in TOPIC_KEYS}, label=_('Topic')).props(
                'outlined dense').classes('w-full').mark('topic-choice')
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Cancel'), on_click=lambda: dialog.submit(None)).props('flat no-caps')
                ui.button(_('Save'), on_click=lambda: dialog.submit(choice.value)).props(
                    'unelevated no-caps color=indigo-8').mark('save-topic')
        topic = await dialog
        dialog.delete()
        if topic:
            await run_command(self.commands.set_topic(conversation_id, str(topic)))

    async def refresh_header(self) -> None:
        """Re-read the open conversation's row (status, assignee) and redraw the header."""
        if self.row is None:
            return
        row = await self.reads.row(self.row.id)
        if (row.status, row.assignee_id, row.topics) != (self.row.status, self.row.assignee_id, self.row.topics):
            self.row = replace(row, online=self.row.online)
            self.render_header()

    async def load_cart(self) -> None:
        """E2: while the shopper has a non-empty cart, the header shows each item's quantity and the subtotal."""
        if self.row is None:
            return
        cart = await self.reads.cart(self.row.id)
        self.cart_bar.clear()
        self.cart_bar.set_visibility(not cart.is_empty)
        if cart.is_empty:
            return
        with self.cart_bar:
            ui.icon('shopping_cart', size='18px').classes('shrink-0')
            ui.label(', '.join(f'{line.quantity} × {line.product_title}' for line in cart.items)).classes(
                'truncate grow').mark('header-cart-items')
            ui.label(_('Subtotal {amount}', amount=locale_format.money(cart.subtotal, cart.currency))).classes(
                'shrink-0 font-semibold').mark('header-cart-subtotal')

    async def cart_changed(self, conversation_id: int) -> None:
        if self.row is not None and self.row.id == conversation_id:
            await self.load_cart()

    def render_notice(self) -> None:
        row = self.row
        self.notice.clear()
        show = row is not None and not row.online and row.channel == 'chat'
        self.notice.set_visibility(show)
        if show and row is not None:
            with self.notice:
                ui.icon('mail_outline').classes('shrink-0')
                ui.label(_('{name} has left the store. Your reply will be sent by e-mail to {email}, the address '
                           'they gave when the chat started.', name=row.customer_name,
                           email=row.session_email)).mark('offline-notice')

    def _bubble(self, view: MessageView, *, index: int | None = None) -> None:
        if view.id in self.shown_ids:
            return
        self.shown_ids.add(view.id)
        mine = view.author == 'staff'
        with self.messages:
            if view.author not in ('customer', 'staff'):
                with ui.row().classes('w-full justify-center') as holder:
                    with ui.row().classes('items-center gap-1.5 text-xs text-stone-600 bg-stone-100 rounded-full '
                                          'px-3 py-1 no-wrap'):
                        ui.icon(EVENT_ICONS.get(str(view.payload.get('action', view.kind)), 'info'), size='14px')
                        ui.label(f'{event_text(view)} · {self.clock.time_of_day(view.created_at)}').mark('event')
            else:
                with ui.column().classes('w-full gap-1 ' + ('items-end' if mine else 'items-start')) as holder:
                    author = (view.author_name or _('Staff')) if mine else (self.row.customer_name if self.row else '')
                    if view.body:
                        ui.label(view.body).classes(
                            'max-w-[75%] whitespace-pre-wrap break-words rounded-2xl px-3.5 py-2 text-[15px] '
                            'shadow-sm ' + ('bg-indigo-600 text-white rounded-br-md' if mine
                                            else 'bg-white text-stone-900 rounded-bl-md'))
                    shared_content(view)
                    with ui.row().classes('items-center gap-1 text-xs text-stone-500'):
                        ui.label(f'{author} · {self.clock.time_of_day(view.created_at)}')
                        if mine and view.delivery in DELIVERY_LABELS:
                            self.deliveries[view.id] = ui.row().classes('items-center gap-1 no-wrap')
                            self._render_delivery(view)
        if index is not None:
            holder.move(self.messages, target_index=index)

    async def _share(self, action: Callable[[int], Awaitable[MessageView]]) -> str | None:
        """Run one share command on the open conversation; the error text when it was refused (then nothing was
        sent), for the dialog to show."""
        if self.row is None:
            return _('Open a conversation first.')
        try:
            view = await action(self.row.id)
        except ServiceError as error:
            return error.message
        self.append(view)
        return None

    async def share_products(self) -> None:
        dialog = ProductShareDialog(self.reads)
        await dialog.load()
        choice = await dialog
        dialog.delete()
        if not choice:
            return
        ids, text = choice
        error = await self._share(lambda cid: self.shares.share_products(cid, product_ids=ids, text=text))
        if error:
            ui.notify(error, type='negative')

    async def share_discount(self) -> None:
        async def share(code_id: int) -> str | None:
            return await self._share(lambda cid: self.shares.share_discount(cid, code_id=code_id))

        dialog = DiscountShareDialog(self.reads, share)
        await dialog.load()
        await dialog
        dialog.delete()

    async def share_image(self) -> None:
        async def upload(data: bytes) -> str | None:
            return await self._share(lambda cid: self.shares.share_image(cid, data=data))

        dialog = ImageShareDialog(upload)
        await dialog
        dialog.delete()

    def append(self, view: MessageView) -> None:
        if self.row is None or view.conversation_id != self.row.id:
            return
        if not self.shown_ids:
            self.messages.clear()
        self._bubble(view)
        self.scroll.scroll_to(percent=1.0)

    def _render_delivery(self, view: MessageView) -> None:
        holder = self.deliveries.get(view.id)
        if holder is None or view.delivery not in DELIVERY_LABELS:
            return
        text, icon = DELIVERY_LABELS[view.delivery]
        holder.clear()
        with holder:
            ui.icon(icon, size='14px')
            ui.label(_(text)).mark(f'delivery-{view.id}')
            if view.delivery == 'email_given_up':
                ui.button(_('Retry'), on_click=lambda: self.retry_email(view.id)).props(
                    'flat dense no-caps size=sm padding="0 4px"').mark(f'retry-{view.id}')

    def message_updated(self, view: MessageView) -> None:
        """A shown message's e-mail delivery changed: re-render just its label."""
        if self.row is not None and view.conversation_id == self.row.id:
            self._render_delivery(view)

    async def retry_email(self, message_id: int) -> None:
        await run_command(self.commands.retry_email(message_id))

    async def message_arrived(self, view: MessageView) -> None:
        """A new message in the open conversation: show it and, since staff is looking, keep it read."""
        if self.opening == view.conversation_id:
            self.arrived_while_opening.append(view)
            return
        if self.row is None or view.conversation_id != self.row.id:
            return
        self.append(view)
        if view.author == 'customer':
            await self.commands.mark_read(view.conversation_id)

    def presence_changed(self, conversation_id: int, online: bool) -> None:
        if self.row is None or self.row.id != conversation_id or self.row.online == online:
            return
        self.row = ConversationRow(**{**self.row.__dict__, 'online': online})
        self.render_header()
        self.render_notice()

    async def send(self, text: str) -> bool:
        if self.row is None:
            return False
        view = await run_command(self.commands.send_reply(self.row.id, text))
        if isinstance(view, Refused):
            return False
        self.append(view)
        return True

