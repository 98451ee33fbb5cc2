"""The conversation list: Open/Closed tabs and rows updated in place from the event bus."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from components.clock import ViewerClock
from services import conversations
from services.errors import NotFound
from services.i18n import _
from services.runtime import Runtime
from services.views import ConversationRow

PAGE_SIZE = 50


def initials(name: str) -> str:
    parts = [p for p in name.replace('@', ' ').split() if p[:1].isalnum()]
    return ''.join(p[0] for p in parts[:2]).upper() or '?'


class ConversationRowItem:
    """One row; rebuilt alone when its conversation changes."""

    def __init__(self, row: ConversationRow, list_: ConversationList) -> None:
        self.row = row
        self.list = list_
        with list_.rows_container:
            self.element = ui.element('div').classes(
                'conversation-row w-full flex no-wrap gap-3 items-start px-4 py-3 cursor-pointer border-b '
                'border-stone-100').mark(f'conversation-{row.id}')
        self.element.props['tabindex'] = '0'
        self.element.props['role'] = 'button'
        self.element.on('click', lambda: list_.select(self.row.id))
        self.element.on('keydown.enter', lambda: list_.select(self.row.id))
        self.render()

    def update(self, row: ConversationRow) -> None:
        self.row = row
        self.render()

    def render(self) -> None:
        """Rebuild the row's content; the row element itself (and its handlers) stays."""
        row = self.row
        selected = row.id == self.list.selected_id
        self.element.props['aria-label'] = _('Open conversation with {name}', name=row.customer_name)
        self.element.classes(remove='bg-indigo-50 hover:bg-stone-50',
                             add='bg-indigo-50' if selected else 'hover:bg-stone-50')
        self.element.clear()
        with self.element:
            with ui.element('div').classes('relative shrink-0'):
                ui.label(initials(row.customer_name)).classes(
                    'w-10 h-10 rounded-full bg-stone-200 text-stone-700 flex items-center justify-center '
                    'text-sm font-semibold')
                if row.online:
                    ui.element('span').classes('absolute bottom-0 right-0 w-3 h-3 rounded-full bg-green-500 '
                                               'border-2 border-white')
            with ui.column().classes('min-w-0 grow gap-0'):
                with ui.row().classes('w-full items-baseline justify-between no-wrap gap-2'):
                    ui.label(row.customer_name).classes(
                        'truncate text-[15px] ' + ('font-bold text-stone-900' if row.unread else 'font-medium text-stone-800'))
                    ui.label(self.list.clock.short(row.last_message_at)).classes(
                        'shrink-0 text-xs ' + ('text-indigo-700 font-semibold' if row.unread else 'text-stone-500'))
                if row.online:
                    ui.label(_('Online')).classes('text-xs text-green-700 font-medium leading-4').mark('online')
                with ui.row().classes('w-full items-center justify-between no-wrap gap-2'):
                    prefix = _('You: ') if row.preview_author == 'staff' else ''
                    ui.label(prefix + (row.preview or _('No messages yet'))).classes(
                        'truncate text-sm ' + ('text-stone-900' if row.unread else 'text-stone-500'))
                    if row.unread:
                        dot = ui.element('span').classes('shrink-0 w-2.5 h-2.5 rounded-full bg-indigo-600')
                        dot.props['aria-label'] = _('Unread')


class ConversationList:
    def __init__(self, runtime: Runtime, *, clock: ViewerClock, selected_id: int | None,
                 on_select: Callable[[int], Awaitable[None]]) -> None:
        self.runtime = runtime
        self.clock = clock
        self.selected_id = selected_id
        self.on_select = on_select
        self.status = 'open'
        self.items: dict[int, ConversationRowItem] = {}
        self.counts: dict[str, int] = {'open': 0, 'closed': 0}
        self.on_counts_changed: Callable[[int], None] | None = None
        with ui.column().classes('w-full h-full gap-0 no-wrap'):
            with ui.row().classes('w-full px-4 pt-3 pb-2 items-center justify-between'):
                ui.label(_('Conversations')).classes('text-lg font-semibold text-stone-900')
            self.tabs = ui.tabs(on_change=self._tab_changed).classes('w-full text-stone-700').props(
                'dense align=left active-color=indigo-8 indicator-color=indigo-8 no-caps')
            with self.tabs:
                self.open_tab = ui.tab('open', label=_('Open'))
                self.closed_tab = ui.tab('closed', label=_('Closed'))
            self.tabs.set_value('open')
            ui.separator()
            with ui.element('div').classes('w-full grow min-h-0 overflow-y-auto overflow-x-hidden'):
                self.rows_container = ui.column().classes('w-full gap-0')
                self.empty = ui.column().classes('w-full items-center text-center p-8 gap-2 text-stone-500')
            self.loading = ui.spinner(size='lg').classes('self-center m-8')

    async def _tab_changed(self) -> None:
        self.status = str(self.tabs.value)
        await self.reload()

    async def reload(self) -> None:
        async with self.runtime.db.sessions() as db:
            rows = await conversations.list_rows(db=db, status=self.status, limit=PAGE_SIZE)
            self.counts = await conversations.count_by_status(db=db)
        self.loading.set_visibility(False)
        self.rows_container.clear()
        self.items = {}
        for row in rows:
            self.items[row.id] = ConversationRowItem(row, self)
        self._render_counts_and_empty()

    def _render_counts_and_empty(self) -> None:
        self.open_tab.props(f'label="{_("Open")} ({self.counts.get("open", 0)})"')
        self.closed_tab.props(f'label="{_("Closed")} ({self.counts.get("closed", 0)})"')
        self.empty.clear()
        if not self.items:
            with self.empty:
                ui.icon('forum', size='40px').classes('text-stone-300')
                ui.label(_('No open conversations') if self.status == 'open' else _('No closed conversations'))
                ui.label(_('New chats from your store appear here as they arrive.')).classes('text-xs')
        if self.on_counts_changed:
            self.on_counts_changed(sum(1 for item in self.items.values() if item.row.unread))

    async def conversation_changed(self, conversation_id: int) -> None:
        """Update, insert, move or drop one row (the rest of the list is untouched)."""
        async with self.runtime.db.sessions() as db:
            try:
                row = await conversations.get_row(db=db, conversation_id=conversation_id)
            except NotFound:
                return
            self.counts = await conversations.count_by_status(db=db)
        item = self.items.get(conversation_id)
        if row.status != self.status:
            if item is not None:
                self.rows_container.remove(item.element)
                del self.items[conversation_id]
        elif item is None:
            self.items[conversation_id] = ConversationRowItem(row, self)
            self._move_into_place(conversation_id)
        else:
            moved = item.row.last_message_at != row.last_message_at
            item.update(row)
            if moved:
                self._move_into_place(conversation_id)
        self._render_counts_and_empty()

    def _move_into_place(self, conversation_id: int) -> None:
        ordered = sorted(self.items.values(), key=lambda i: i.row.last_message_at, reverse=True)
        index = next(i for i, item in enumerate(ordered) if item.row.id == conversation_id)
        self.items[conversation_id].element.move(self.rows_container, target_index=index)

    def rerender(self) -> None:
        for item in self.items.values():
            item.render()

    def presence_changed(self, conversation_id: int, online: bool) -> None:
        item = self.items.get(conversation_id)
        if item is not None and item.row.online != online:
            item.update(type(item.row)(**{**item.row.__dict__, 'online': online}))

    async def select(self, conversation_id: int) -> None:
        previous = self.selected_id
        self.selected_id = conversation_id
        for cid in {previous, conversation_id}:
            if cid is not None and cid in self.items:
                self.items[cid].render()
        await self.on_select(conversation_id)
