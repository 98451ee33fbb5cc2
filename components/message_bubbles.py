"""One message of the thread as staff see it: a shopper's or a staff member's bubble with its shared cards and, for
staff replies, how it was delivered (C1; with Retry when its e-mail was given up); or a centred event line (cart
changes, assignments)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from components.clock import ViewerClock
from services import locale_format
from services.carts import cart_event_text
from services.i18n import N_, _
from services.ratings import rating_line, survey_line
from services.views import MessageView

DELIVERY_LABELS = {  # N_: translated with _() when shown
    'chat': (N_('Delivered in chat'), 'chat_bubble_outline'),
    'emailed': (N_('E-mailed'), 'mark_email_read'),
    'email_pending': (N_('E-mail pending'), 'schedule_send'),
    'email_failed': (N_('E-mail failed, retrying'), 'error_outline'),
    'email_given_up': (N_('E-mail not delivered'), 'error'),
    'email_saved': (N_('Saved, not sent (no mail server)'), 'drafts'),
}
EVENT_ICONS = {'add': 'add_shopping_cart', 'remove': 'remove_shopping_cart', 'rating': 'star', 'survey': 'star_outline'}


def event_text(view: MessageView) -> str:
    """The event's text in the viewer's language (E1's 41-character rule lives in services.carts)."""
    if view.payload.get('erased'):
        return _('Erased')
    if view.kind == 'rating':
        return rating_line(view)
    if view.kind == 'survey':
        return survey_line(view)
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


def event_line(view: MessageView, clock: ViewerClock) -> ui.row:
    with ui.row().classes('w-full justify-center') as holder:
        with ui.row().classes('items-center gap-1.5 text-xs text-stone-600 bg-stone-100 rounded-full px-3 py-1 '
                              'no-wrap'):
            ui.icon(EVENT_ICONS.get(str(view.payload.get('action', view.kind)), 'info'), size='14px')
            ui.label(f'{event_text(view)} · {clock.time_of_day(view.created_at)}').mark('event')
    return holder


class Delivery:
    """The delivery label under a staff reply, redrawn alone when its e-mail's state changes."""

    def __init__(self, view: MessageView, *, on_retry: Callable[[int], Awaitable[None]]) -> None:
        self.on_retry = on_retry
        self.holder = ui.row().classes('items-center gap-1 no-wrap')
        self.show(view)

    def show(self, view: MessageView) -> None:
        if view.delivery not in DELIVERY_LABELS:
            return
        text, icon = DELIVERY_LABELS[view.delivery]
        self.holder.clear()
        with self.holder:
            ui.icon(icon, size='14px')
            ui.label(_(text)).mark(f'delivery-{view.id}')
            if view.delivery == 'email_given_up':
                ui.button(_('Retry'), on_click=lambda: self.on_retry(view.id)).props(
                    'flat dense no-caps size=sm padding="0 4px"').mark(f'retry-{view.id}')


def auto_bubble(view: MessageView, clock: ViewerClock) -> ui.column:
    """A message the inbox posted to the shopper by itself (A1's away message, A2's instant answer), on the staff
    side, told apart."""
    with ui.column().classes('w-full gap-1 items-end') as holder:
        ui.label(view.body).classes(
            'max-w-[75%] whitespace-pre-wrap break-words rounded-2xl rounded-br-md px-3.5 py-2 text-[15px] '
            'bg-stone-100 text-stone-800 border border-dashed border-stone-300').mark('auto-message')
        with ui.row().classes('items-center gap-1 text-xs text-stone-500'):
            ui.icon('smart_toy', size='14px')
            ui.label(f'{automatic_author(view)} · {clock.time_of_day(view.created_at)}')
    return holder


def automatic_author(view: MessageView) -> str:
    """The author line of a message the store wrote by itself."""
    return _('Instant answer') if 'instant_answer_id' in view.payload else _('Away message, sent automatically')


def message_bubble(view: MessageView, *, clock: ViewerClock, customer_name: str,
                   on_retry: Callable[[int], Awaitable[None]]) -> tuple[ui.column, Delivery | None]:
    """A shopper's or staff member's message; the delivery label when it is a staff reply with a known delivery."""
    automatic = view.kind == 'auto'  # written by the store itself (author system): an instant answer (A2)
    mine = view.author == 'staff' or automatic
    delivery = None
    with ui.column().classes('w-full gap-1 ' + ('items-end' if mine else 'items-start')) as holder:
        author = (automatic_author(view) if automatic else (view.author_name or _('Staff')) if mine
                  else customer_name)
        if view.body:
            ui.label(view.body).classes(
                'max-w-[75%] whitespace-pre-wrap break-words rounded-2xl px-3.5 py-2 text-[15px] shadow-sm ' +
                ('bg-indigo-50 text-indigo-950 border border-indigo-100 rounded-br-md' if automatic
                 else 'bg-indigo-600 text-white rounded-br-md' if mine else 'bg-white text-stone-900 rounded-bl-md'))
        if view.payload.get('erased'):
            ui.label(_('Erased')).classes('rounded-2xl px-3.5 py-2 text-sm italic text-stone-500 bg-stone-100')
        shared_content(view)
        with ui.row().classes('items-center gap-1 text-xs text-stone-500'):
            ui.label(f'{author} · {clock.time_of_day(view.created_at)}')
            if mine and view.delivery in DELIVERY_LABELS:
                delivery = Delivery(view, on_retry=on_retry)
    return holder, delivery
