"""The thread's messages: the newest page shown on opening, older pages in on demand, new ones appended live (each
message once), and a staff reply's delivery label updated in place."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from components.badges import aria
from components.clock import ViewerClock
from components.message_bubbles import Delivery, event_line, message_bubble
from services.i18n import _
from services.views import MessageView


class MessageLog:
    def __init__(self, *, clock: ViewerClock, on_older: Callable[[], Awaitable[None]],
                 on_retry: Callable[[int], Awaitable[None]]) -> None:
        self.clock = clock
        self.on_older = on_older
        self.on_retry = on_retry
        self.customer_name = ''
        self.shown_ids: set[int] = set()
        self.deliveries: dict[int, Delivery] = {}
        with ui.scroll_area().classes('w-full grow bg-stone-50') as self.scroll:
            self.older = ui.column().classes('w-full items-center')
            self.messages = ui.column().classes('w-full gap-2 px-4 py-4')
            self.messages.props['role'] = 'log'
            aria(self.messages, _('Messages'))

    @property
    def oldest_id(self) -> int | None:
        return min(self.shown_ids) if self.shown_ids else None

    def clear(self) -> None:
        self.messages.clear()
        self.older.clear()
        self.shown_ids.clear()
        self.deliveries.clear()

    def show_nothing_open(self) -> None:
        self.clear()
        with self.messages:
            with ui.column().classes('w-full items-center text-center text-stone-500 gap-2 pt-24'):
                ui.icon('chat', size='48px').classes('text-stone-300')
                ui.label(_('Select a conversation')).classes('text-base font-medium text-stone-600')
                ui.label(_('Pick a conversation from the list to read and reply.')).classes('text-sm')

    def start(self, customer_name: str, views: list[MessageView], *, more_before: bool) -> None:
        """A newly opened conversation's newest messages (oldest first)."""
        self.clear()
        self.customer_name = customer_name
        self._offer_older(more_before)
        for view in views:
            self.add(view)

    def show_empty_thread(self) -> None:
        if not self.shown_ids:
            with self.messages:
                ui.label(_('No messages yet.')).classes('self-center text-stone-500 text-sm mt-8').mark('thread-empty')

    def prepend(self, views: list[MessageView], *, more_before: bool) -> None:
        """An older page (oldest first), above what is shown."""
        self._offer_older(more_before)
        for index, view in enumerate(views):
            self.add(view, index=index)

    def append(self, view: MessageView) -> None:
        if not self.shown_ids:
            self.messages.clear()  # the "No messages yet." line
        self.add(view)
        self.scroll.scroll_to(percent=1.0)

    def add(self, view: MessageView, *, index: int | None = None) -> None:
        if view.id in self.shown_ids:
            return
        self.shown_ids.add(view.id)
        with self.messages:
            if view.author not in ('customer', 'staff') and view.kind != 'auto':  # auto: a store's answer bubble
                holder: ui.element = event_line(view, self.clock)
            else:
                holder, delivery = message_bubble(view, clock=self.clock, customer_name=self.customer_name,
                                                  on_retry=self.on_retry)
                if delivery is not None:
                    self.deliveries[view.id] = delivery
        if index is not None:
            holder.move(self.messages, target_index=index)

    def delivery_changed(self, view: MessageView) -> None:
        delivery = self.deliveries.get(view.id)
        if delivery is not None:
            delivery.show(view)

    def scroll_to_end(self) -> None:
        self.scroll.scroll_to(percent=1.0)

    def _offer_older(self, more_before: bool) -> None:
        self.older.clear()
        if more_before:
            with self.older:
                ui.button(_('Show older messages'), on_click=self.on_older).props('flat dense no-caps')
