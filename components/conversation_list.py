"""The conversation list: Open/Closed tabs, views, topic filter and search; rows updated in place from the bus."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from nicegui import ui

from components.clock import ViewerClock
from services import conversations
from services.classification.topics import TOPIC_KEYS, TOPIC_LABELS
from services.conversations import ListFilter
from services.errors import NotFound
from services.i18n import _, pgettext
from services.runtime import Runtime
from services.views import ConversationRow

PAGE_SIZE = 50
TOPIC_COLOURS = {
    'checkout': 'bg-emerald-50 text-emerald-800', 'edit_order': 'bg-orange-50 text-orange-800',
    'order_status': 'bg-sky-50 text-sky-800', 'pricing_discounts': 'bg-pink-50 text-pink-800',
    'product_details': 'bg-violet-50 text-violet-800', 'product_interest': 'bg-indigo-50 text-indigo-800',
    'returns': 'bg-red-50 text-red-800', 'shipping': 'bg-amber-50 text-amber-900',
    'store_info': 'bg-stone-100 text-stone-700', 'wholesale': 'bg-teal-50 text-teal-800',
}


def initials(name: str) -> str:
    parts = [p for p in name.replace('@', ' ').split() if p[:1].isalnum()]
    return ''.join(p[0] for p in parts[:2]).upper() or '?'


SWIPE_JS = '''
<script>
// A sideways swipe on a conversation row (phones) closes or reopens it: the row gets a 'rowswipe' event.
(() => {
  let start = null;
  document.addEventListener('touchstart', (e) => {
    const row = e.target.closest && e.target.closest('.conversation-row');
    start = row && e.touches.length === 1 ? {row, x: e.touches[0].clientX, y: e.touches[0].clientY} : null;
  }, {passive: true});
  document.addEventListener('touchend', (e) => {
    const s = start;
    start = null;
    if (!s || !e.changedTouches.length) return;
    const dx = e.changedTouches[0].clientX - s.x, dy = e.changedTouches[0].clientY - s.y;
    if (Math.abs(dx) >= 80 && Math.abs(dy) <= 40) s.row.dispatchEvent(new CustomEvent('rowswipe'));
  }, {passive: true});
})();
</script>
'''
CHIP_CLASSES = 'text-[11px] leading-4 rounded-full px-2 py-0.5 min-w-0 truncate '


def topic_chip(topic: str) -> ui.label:
    """A topic; where two long ones ('Interesse an einem bestimmten Produkt') do not fit, they end in '…'."""
    chip = ui.label()
    show_topic(chip, topic)
    return chip


def show_topic(chip: ui.label, topic: str) -> None:
    label = _(TOPIC_LABELS.get(topic, topic))
    chip.set_text(label)
    chip.classes(replace=CHIP_CLASSES + TOPIC_COLOURS.get(topic, 'bg-stone-100 text-stone-700'))
    chip.mark(f'topic-{topic}')
    chip.props['title'] = label


class ConversationRowItem:
    """One row; its element (and handlers) stays, its content is rebuilt when the conversation changes."""

    def __init__(self, row: ConversationRow, list_: ConversationList) -> None:
        self.row = row
        self.list = list_
        with list_.rows_container:
            self.element = ui.element('div').classes(
                'conversation-row group relative w-full flex no-wrap gap-3 items-start px-4 py-3 cursor-pointer '
                'border-b border-stone-100 outline-none').mark(f'conversation-{row.id}')
        self.element.props['tabindex'] = '0'
        self.element.props['role'] = 'button'
        self.element.on('click', lambda: list_.select(self.row.id))
        self.element.on('keydown.enter', lambda: list_.select(self.row.id))
        self.element.on('rowswipe', lambda: list_.toggle_status(self.row.id))  # SWIPE_JS
        self.built = False
        self.look: tuple[object, ...] | None = None
        self.closing: bool | None = None
        self.unread: bool | None = None
        self.badges: ui.row | None = None
        self.status_button: ui.button | None = None
        self.render()

    def update(self, row: ConversationRow) -> None:
        self.row = row
        self.render()

    def render(self) -> None:
        """Every element of a row is built once; a change sets texts, classes and visibility in place (a stream of
        shopper messages rebuilt rows faster than the loop could: README, Benchmarks, live latency)."""
        row = self.row
        selected = row.id == self.list.selected_id
        focused = row.id == self.list.focused_id
        # Only what changed is touched: an element with event listeners (the row, its buttons) is serialised
        # whole, listeners included, on every update it gets.
        look = (row.customer_name, selected, focused)
        if look != self.look:
            self.look = look
            self.element.props['aria-label'] = _('Open conversation with {name}', name=row.customer_name)
            self.element.classes(remove='bg-indigo-50 hover:bg-stone-50 ring-2 ring-inset ring-indigo-300',
                                 add=('bg-indigo-50' if selected else 'hover:bg-stone-50') +
                                 (' ring-2 ring-inset ring-indigo-300' if focused else ''))
        if not self.built:
            self._build()
        self.avatar.set_text(initials(row.customer_name))
        self.online_dot.set_visibility(row.online)
        self.name.set_text(row.customer_name)
        self.time.set_text(self.list.clock.short(row.last_message_at))
        self.online.set_visibility(row.online)
        prefix = _('You: ') if row.preview_author == 'staff' else ''
        self.preview.set_text(prefix + (row.preview or _('No messages yet')))
        if row.unread != self.unread:
            self.unread = row.unread
            self.name.classes(replace='truncate text-[15px] ' + (
                'font-bold text-stone-900' if row.unread else 'font-medium text-stone-800'))
            self.time.classes(replace='shrink-0 text-xs ' + (
                'text-indigo-700 font-semibold' if row.unread else 'text-stone-500'))
            self.preview.classes(replace='truncate text-sm ' + ('text-stone-900' if row.unread else 'text-stone-500'))
        self.unread_dot.set_visibility(row.unread)
        needs_badges = bool(row.topics) or row.assignee_id is not None
        if needs_badges and self.badges is None:
            self._build_badges()
        if self.badges is not None:
            self._show_badges(row, needs_badges)
        self._show_status()

    def _show_badges(self, row: ConversationRow, visible: bool) -> None:
        assert self.badges is not None
        self.assigned_to_me.set_visibility(row.assignee_id is not None and row.assignee_id == self.list.staff_id)
        self.assignee.set_visibility(row.assignee_id is not None and row.assignee_id != self.list.staff_id)
        self.assignee.set_text(row.assignee_name)
        for index, (chip, topic) in enumerate(zip(self.chips, [*row.topics[:2], None, None])):
            chip.set_visibility(topic is not None)
            if topic is not None and topic != self.chip_topics[index]:
                self.chip_topics[index] = topic
                show_topic(chip, topic)
        self.badges.set_visibility(visible)

    def _show_status(self) -> None:
        closing = self.row.status == 'open'
        if self.status_button is None or closing == self.closing:
            return
        self.closing = closing
        # 'conversation': closing a conversation is not closing a dialog (Italian and Dutch say it otherwise)
        status_label = pgettext('conversation', 'Close') if closing else pgettext('conversation', 'Reopen')
        self.status_button.props(f'icon={"check_circle_outline" if closing else "replay"}')
        self.status_button.props['aria-label'] = self.status_button.props['title'] = status_label
        self.status_button.update()

    def _build(self) -> None:
        """The parts every row shows. The badges are added when a row first needs them and the hover actions
        when the pointer or the keyboard focus first reaches the row: building fewer elements per row is what
        keeps a burst of new conversations from stalling the inbox (README, Benchmarks: live latency)."""
        self.built = True
        with self.element:
            with ui.element('div').classes('relative shrink-0'):
                self.avatar = ui.label().classes(
                    'w-10 h-10 rounded-full bg-stone-200 text-stone-700 flex items-center justify-center '
                    'text-sm font-semibold')
                self.online_dot = ui.element('span').classes(
                    'absolute bottom-0 right-0 w-3 h-3 rounded-full bg-green-500 border-2 border-white')
            with ui.column().classes('min-w-0 grow gap-0') as self.text_column:
                with ui.row().classes('w-full items-baseline justify-between no-wrap gap-2'):
                    self.name = ui.label()
                    self.time = ui.label()
                self.online = ui.label(_('Online')).classes('text-xs text-green-700 font-medium leading-4').mark(
                    'online')
                with ui.row().classes('w-full items-center justify-between no-wrap gap-2'):
                    self.preview = ui.label()
                    self.unread_dot = ui.element('span').classes(
                        'shrink-0 w-2.5 h-2.5 rounded-full bg-indigo-600').mark('unread-dot')
                    self.unread_dot.props['aria-label'] = _('Unread')
        # Only while the row has no actions yet: hovering over built rows sends nothing to the server.
        only_once = '(e) => { if (!e.currentTarget.querySelector(".row-actions")) emit(); }'
        self.element.on('mouseenter', self._build_actions, js_handler=only_once)
        self.element.on('focusin', self._build_actions, js_handler=only_once)

    def _build_badges(self) -> None:
        with self.text_column:
            with ui.row().classes('w-full items-center gap-1 pt-1 no-wrap overflow-hidden') as self.badges:
                self.assigned_to_me = ui.label(_('Assigned to you')).classes(
                    'text-[11px] leading-4 rounded-full px-2 py-0.5 bg-indigo-600 text-white '
                    'whitespace-nowrap shrink-0').mark('assigned-to-me')
                self.assignee = ui.label().classes(
                    'text-[11px] leading-4 rounded-full px-2 py-0.5 bg-stone-100 text-stone-600 '
                    'whitespace-nowrap shrink-0')
                self.chips = [ui.label(), ui.label()]
                self.chip_topics: list[str | None] = [None, None]

    def _build_actions(self) -> None:
        if self.status_button is not None or self.element.is_deleted:
            return
        with self.element:
            with ui.row().classes('row-actions absolute right-2 bottom-2 gap-0 bg-white/90 rounded-lg shadow-sm '
                                  'opacity-0 group-hover:opacity-100 group-focus-within:opacity-100 transition'):
                self.status_button = ui.button(on_click=lambda: self.list.toggle_status(self.row.id)).props(
                    'flat round dense size=sm').on('click.stop', js_handler='() => {}').mark(
                    f'quick-status-{self.row.id}')
                assign = ui.button(icon='person_add_alt', on_click=lambda: self.list.assign(self.row.id)).props(
                    'flat round dense size=sm').on('click.stop', js_handler='() => {}').mark(
                    f'quick-assign-{self.row.id}')
                assign.props['aria-label'] = assign.props['title'] = _('Assign')
        self._show_status()


class ConversationList:
    def __init__(self, runtime: Runtime, *, clock: ViewerClock, staff_id: int, selected_id: int | None,
                 on_select: Callable[[int], Awaitable[None]],
                 on_toggle_status: Callable[[int], Awaitable[None]],
                 on_assign: Callable[[int], Awaitable[None]]) -> None:
        self.runtime = runtime
        self.clock = clock
        self.staff_id = staff_id
        self.selected_id = selected_id
        self.focused_id: int | None = None
        self.on_select = on_select
        self.on_toggle_status = on_toggle_status
        self.on_assign = on_assign
        self.filter = ListFilter(staff_id=staff_id)
        self.items: dict[int, ConversationRowItem] = {}
        self.counts: dict[str, int] = {'open': 0, 'closed': 0}
        self.has_more = False
        self.changed: set[int] = set()
        self.updating = False
        self.on_counts_changed: Callable[[int], None] | None = None
        with ui.column().classes('w-full h-full gap-0 no-wrap'):
            with ui.column().classes('w-full px-4 pt-3 pb-2 gap-2'):
                ui.label(_('Conversations')).classes('text-lg font-semibold text-stone-900')
                self.search = ui.input(placeholder=_('Search name, e-mail or messages')).props(
                    'outlined dense clearable debounce=300').classes('w-full').mark('search')
                self.search.props['aria-label'] = _('Search conversations')
                with self.search.add_slot('prepend'):
                    ui.icon('search', size='18px')
                self.search.on_value_change(self._search_changed)
                # The views and the topic filter on rows of their own: side by side, longer words than English
                # ('Nicht zugewiesen', 'Non assegnate') broke the toggle onto two lines and cut the topic to '…'.
                self.view = ui.toggle({'all': _('All'), 'mine': _('Mine'), 'unassigned': _('Unassigned')},
                                      value='all', on_change=self._view_changed).props(
                    'dense no-caps unelevated toggle-color=indigo-8 padding="2px 10px"').classes(
                    'border border-stone-300 rounded-lg whitespace-nowrap').mark('view')
                topics = {'': _('All topics'), **{k: _(TOPIC_LABELS[k]) for k in TOPIC_KEYS}}
                self.topic = ui.select(topics, value='', on_change=self._topic_changed).props(
                    'dense outlined options-dense').classes('w-full').mark('topic-filter')
                self.topic.props['aria-label'] = _('Filter by topic')
            self.tabs = ui.tabs(on_change=self._tab_changed).classes('w-full text-stone-700').props(
                'dense align=left active-color=indigo-8 indicator-color=indigo-8 no-caps')
            with self.tabs:
                self.open_tab = ui.tab('open', label=pgettext('conversation list', 'Open'))
                self.closed_tab = ui.tab('closed', label=pgettext('conversation list', 'Closed'))
            self.tabs.set_value('open')
            ui.separator()
            with ui.element('div').classes('w-full grow min-h-0 overflow-y-auto overflow-x-hidden'):
                self.rows_container = ui.column().classes('w-full gap-0')
                self.more = ui.button(_('Load more'), on_click=self.load_more).props('flat no-caps').classes(
                    'w-full').mark('load-more')
                self.empty = ui.column().classes('w-full items-center text-center p-8 gap-2 text-stone-500')
            self.loading = ui.spinner(size='lg').classes('self-center m-8')
        self.more.set_visibility(False)

    @property
    def status(self) -> str:
        return self.filter.status

    async def _tab_changed(self) -> None:
        await self.set_filter(status=str(self.tabs.value))

    async def _view_changed(self) -> None:
        await self.set_filter(view=str(self.view.value))

    async def _topic_changed(self) -> None:
        await self.set_filter(topic=str(self.topic.value or '') or None)

    async def _search_changed(self) -> None:
        await self.set_filter(search=str(self.search.value or ''))

    async def set_filter(self, **changes: object) -> None:
        self.filter = replace(self.filter, **changes)  # type: ignore[arg-type]
        await self.reload()

    async def reload(self) -> None:
        async with self.runtime.db.sessions() as db:
            rows = await conversations.list_rows(db=db, limit=PAGE_SIZE, flt=self.filter)
            self.counts = await conversations.count_by_status(db=db, flt=self.filter)
        self.loading.set_visibility(False)
        self.rows_container.clear()
        self.items = {}
        self._add_rows(rows)
        self._render_counts_and_empty()

    async def refresh(self) -> None:
        """Re-read what is shown (after a reconnect) and change only what differs: a reload would rebuild every
        row, and reconnects come exactly when the server is busiest."""
        if self.filter.search:
            await self.reload()  # search results are not updated row by row
            return
        async with self.runtime.db.sessions() as db:
            rows = await conversations.list_rows(db=db, limit=min(max(PAGE_SIZE, len(self.items)), 200),
                                                 flt=self.filter)
            self.counts = await conversations.count_by_status(db=db, flt=self.filter)
        if self.rows_container.is_deleted:
            return
        fresh = {row.id: row for row in rows}
        for conversation_id in [cid for cid in self.items if cid not in fresh]:
            self.rows_container.remove(self.items.pop(conversation_id).element)
        for row in rows:
            self._apply_row(row.id, row)
        self._render_counts_and_empty()

    def _add_rows(self, rows: list[ConversationRow]) -> None:
        for row in rows:
            self.items[row.id] = ConversationRowItem(row, self)
        self.has_more = len(rows) == PAGE_SIZE
        self.more.set_visibility(self.has_more)

    async def load_more(self) -> None:
        if not self.items:
            return
        last = min(self.items.values(), key=lambda i: (i.row.last_message_at, i.row.id)).row
        async with self.runtime.db.sessions() as db:
            rows = await conversations.list_rows(db=db, limit=PAGE_SIZE, flt=self.filter,
                                                 before=(last.last_message_at, last.id))
        self._add_rows([r for r in rows if r.id not in self.items])

    def _render_counts_and_empty(self) -> None:
        open_label, closed_label = pgettext('conversation list', 'Open'), pgettext('conversation list', 'Closed')
        open_count = conversations.count_label(self.counts.get('open', 0))
        closed_count = conversations.count_label(self.counts.get('closed', 0))
        self.open_tab.props(f'label="{open_label} ({open_count})"')
        self.closed_tab.props(f'label="{closed_label} ({closed_count})"')
        self.empty.clear()
        if not self.items:
            with self.empty:
                ui.icon('forum', size='40px').classes('text-stone-300')
                if self.filter.search or self.filter.topic or self.filter.view != 'all':
                    ui.label(_('No conversations match these filters.'))
                else:
                    ui.label(_('No open conversations') if self.status == 'open' else _('No closed conversations'))
                    ui.label(_('New chats from your store appear here as they arrive.')).classes('text-xs')
        if self.on_counts_changed:
            self.on_counts_changed(sum(1 for item in self.items.values() if item.row.unread))

    async def conversation_changed(self, conversation_id: int) -> None:
        """Update, insert, move or drop the rows of changed conversations (the rest of the list is untouched).

        Changes that arrive while one update is being read are gathered and applied together: under a stream of
        shopper messages the list reads each row once per round and its counts once, instead of once per event."""
        self.changed.add(conversation_id)
        if self.updating:
            return
        self.updating = True
        try:
            while self.changed:
                ids, self.changed = sorted(self.changed), set()
                await self._apply_changes(ids)
        finally:
            self.updating = False

    async def _apply_changes(self, ids: list[int]) -> None:
        async with self.runtime.db.sessions() as db:
            rows = await conversations.get_rows(db=db, conversation_ids=ids)
            self.counts = await conversations.count_by_status(db=db, flt=self.filter)
        if self.rows_container.is_deleted:  # the page went away while reading
            return
        for conversation_id in ids:
            row = rows.get(conversation_id)
            if row is not None:
                self._apply_row(conversation_id, row)
        self._render_counts_and_empty()

    def _apply_row(self, conversation_id: int, row: ConversationRow) -> None:
        item = self.items.get(conversation_id)
        if not conversations.matches(row, self.filter):
            if item is not None:
                self.rows_container.remove(item.element)
                del self.items[conversation_id]
        elif item is None:
            if self.filter.search:
                return  # a search result list only changes when the search is run again
            self.items[conversation_id] = ConversationRowItem(row, self)
            self._move_into_place(conversation_id)
        elif row != item.row:
            moved = item.row.last_message_at != row.last_message_at
            item.update(row)
            if moved:
                self._move_into_place(conversation_id)

    def _ordered(self) -> list[ConversationRowItem]:
        return sorted(self.items.values(), key=lambda i: (i.row.last_message_at, i.row.id), reverse=True)

    def _move_into_place(self, conversation_id: int) -> None:
        moving = self.items[conversation_id]
        key = (moving.row.last_message_at, moving.row.id)
        index = sum(1 for item in self.items.values() if (item.row.last_message_at, item.row.id) > key)
        moving.element.move(self.rows_container, target_index=index)

    def known_row(self, conversation_id: int) -> ConversationRow | None:
        item = self.items.get(conversation_id)
        return item.row if item is not None else None

    def rerender(self) -> None:
        for item in self.items.values():
            item.render()

    def presence_changed(self, conversation_id: int, online: bool) -> None:
        item = self.items.get(conversation_id)
        if item is not None and item.row.online != online:
            item.update(replace(item.row, online=online))
        if self.updating:
            # The row may be being read right now, from before this change (seen on a loaded machine: a new
            # conversation's row appeared without "Online" and stayed so); read it again after this round.
            self.changed.add(conversation_id)

    async def select(self, conversation_id: int) -> None:
        previous = self.selected_id
        self.selected_id = conversation_id
        self.focused_id = conversation_id
        for cid in {previous, conversation_id}:
            if cid is not None and cid in self.items:
                self.items[cid].render()
        await self.on_select(conversation_id)

    async def toggle_status(self, conversation_id: int) -> None:
        await self.on_toggle_status(conversation_id)

    async def assign(self, conversation_id: int) -> None:
        await self.on_assign(conversation_id)

    def move_focus(self, step: int) -> None:
        """j/k: move the keyboard focus through the list."""
        ordered = self._ordered()
        if not ordered:
            return
        ids = [item.row.id for item in ordered]
        current = self.focused_id if self.focused_id in ids else self.selected_id
        index = ids.index(current) + step if current in ids else 0
        previous = self.focused_id
        self.focused_id = ids[max(0, min(len(ids) - 1, index))]
        for cid in {previous, self.focused_id}:
            if cid is not None and cid in self.items:
                self.items[cid].render()
        self.items[self.focused_id].element.run_method('scrollIntoView', {'block': 'nearest'})

    def focus_search(self) -> None:
        self.search.run_method('focus')
