"""The conversation list: Open/Closed tabs (M1), views, topic filter and search; rows updated in place from the bus."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from nicegui import ui

from components.badges import initials, topic_classes, topic_label, unverified_hint
from components.clock import ViewerClock
from components.conversation_rows import ConversationRows, RowData
from services import conversations
from services.classification.topics import TOPIC_KEYS, TOPIC_LABELS
from services.conversations import ListFilter
from services.i18n import _, pgettext
from services.inbox_reads import InboxReads
from services.views import ConversationRow

PAGE_SIZE = 50


def row_labels() -> dict[str, str]:
    """The words every row uses, in the viewer's language."""
    # 'conversation': closing a conversation is not closing a dialog (Italian and Dutch say it otherwise)
    return {'online': _('Online'), 'unread': _('Unread'), 'assigned_to_me': _('Assigned to you'),
            'close': pgettext('conversation', 'Close'), 'reopen': pgettext('conversation', 'Reopen'),
            'mentioned': _('Mentions you'),
            'assign': _('Assign'), 'unverified': _('Unverified'), 'unverified_hint': unverified_hint(),
            'block': _('Block sender'), 'unblock': _('Unblock sender')}


def row_data(row: ConversationRow, *, clock: ViewerClock, staff_id: int) -> RowData:
    """What one row shows, as conversation_rows.js draws it (texts are shown as text, never as HTML)."""
    assigned = row.assignee_id is not None
    prefix = _('You: ') if row.preview_author == 'staff' else ''
    return {
        'id': row.id, 'name': row.shown_name, 'initials': initials(row.shown_name),
        'aria': _('Open conversation with {name}', name=row.shown_name),
        'time': clock.short(row.last_message_at), 'online': row.online, 'unread': row.unread, 'status': row.status,
        'preview': prefix + (row.preview or _('No messages yet')),
        'unverified': row.unverified_claim,
        'mention': row.mention_unseen,  # R2, in the Mentioned view: a note names the viewer, not seen yet
        'blocked': row.customer_blocked,
        'mine': assigned and row.assignee_id == staff_id,
        'assignee': row.assignee_name if assigned and row.assignee_id != staff_id else '',
        'topics': [{'key': topic, 'label': topic_label(topic),
                    'classes': topic_classes(topic)} for topic in row.topics[:2]],
    }


class ViewToggle(ui.toggle):
    """The list's views. R2's Mentioned is an @ icon, named for screen readers and in a tooltip: as a fifth word the
    toggle no longer fitted the list's width in German or Finnish."""

    def _update_options(self) -> None:
        super()._update_options()
        for option in self._props['options']:
            if self._values[option['value']] == 'mentioned':
                option.update(label='', icon='alternate_email',
                              attrs={'aria-label': _('Mentioned'), 'title': _('Notes that mention you')})


class ConversationList:
    def __init__(self, reads: InboxReads, *, clock: ViewerClock, staff_id: int, selected_id: int | None,
                 on_select: Callable[[int], Awaitable[None]],
                 on_toggle_status: Callable[[int], Awaitable[None]],
                 on_assign: Callable[[int], Awaitable[None]],
                 on_block: Callable[[int], Awaitable[None]] | None = None) -> None:
        self.reads = reads
        self.clock = clock
        self.staff_id = staff_id
        self.selected_id = selected_id
        self.focused_id: int | None = None
        self.on_select = on_select
        self.on_toggle_status = on_toggle_status
        self.on_assign = on_assign
        self.on_block = on_block
        self.filter = ListFilter(staff_id=staff_id)
        self.items: dict[int, ConversationRow] = {}
        self.counts: dict[str, int] = {'open': 0, 'closed': 0}
        self.unread = 0  # open conversations nobody has read, in the whole inbox (the header badge, the tab title)
        self.has_more = False
        self.changed: set[int] = set()
        self.typing: set[int] = set()  # R3: conversations whose shopper is typing now
        self.updating = False
        self.on_counts_changed: Callable[[int], None] | None = None
        self.tab_labels: tuple[str, str] | None = None
        self.empty_state: tuple[str, bool, str] | None = None
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
                self.view = ViewToggle({'all': _('All'), 'mine': _('Mine'), 'unassigned': _('Unassigned'),
                                       'blocked': _('Blocked'), 'mentioned': _('Mentioned')},
                                      value='all', on_change=self._view_changed).props(
                    'dense no-caps unelevated toggle-color=indigo-8 padding="2px 6px" size="13px"').classes(
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
                self.rows = ConversationRows(labels=row_labels(), selected=selected_id, on_select=self.select,
                                             on_toggle=self.toggle_status, on_assign=self.assign,
                                             on_block=self.block if on_block is not None else None)
                self.rows.mark('conversation-rows')
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
        page = await self.reads.list_page(self.filter, limit=PAGE_SIZE)
        rows, self.counts, self.unread = page.rows, page.counts, page.unread
        self.loading.set_visibility(False)
        self.items = {row.id: row for row in rows}
        self.has_more = len(rows) == PAGE_SIZE and self.filter.view != 'mentioned'  # one list, unseen first (R2)
        self.more.set_visibility(self.has_more)
        self.rows.show([self._data(row) for row in self._ordered()])
        self._render_counts_and_empty()

    async def refresh(self) -> None:
        """Re-read what is shown (after a reconnect) and change only what differs: a reload would rebuild every
        row, and reconnects come exactly when the server is busiest."""
        if self.filter.search:
            await self.reload()  # search results are not updated row by row
            return
        page = await self.reads.list_page(self.filter, limit=min(max(PAGE_SIZE, len(self.items)), 200))
        rows, self.counts, self.unread = page.rows, page.counts, page.unread
        if self.rows.is_deleted:
            return
        self.items = {row.id: row for row in rows}
        self.rows.show([self._data(row) for row in self._ordered()])
        self._render_counts_and_empty()

    async def load_more(self) -> None:
        if not self.items:
            return
        last = min(self.items.values(), key=lambda row: (row.last_message_at, row.id))
        rows = await self.reads.rows_before(self.filter, before=(last.last_message_at, last.id), limit=PAGE_SIZE)
        added = [row for row in rows if row.id not in self.items]
        self.items.update((row.id, row) for row in added)
        self.has_more = len(rows) == PAGE_SIZE
        self.more.set_visibility(self.has_more)
        self._publish([row.id for row in added])

    def _render_counts_and_empty(self) -> None:
        open_label, closed_label = pgettext('conversation list', 'Open'), pgettext('conversation list', 'Closed')
        open_count = conversations.count_label(self.counts.get('open', 0))
        closed_count = conversations.count_label(self.counts.get('closed', 0))
        # Each change sent is a redraw of the page's elements in the browser: only what differs is touched.
        labels = (f'{open_label} ({open_count})', f'{closed_label} ({closed_count})')
        if labels != self.tab_labels:
            self.tab_labels = labels
            self.open_tab.props['label'], self.closed_tab.props['label'] = labels
            self.open_tab.update()
            self.closed_tab.update()
        empty_state = None if self.items else (self.status, bool(self.filter.search or self.filter.topic
                                                                  or self.filter.view != 'all'), self.filter.view)
        if empty_state != self.empty_state:
            self.empty_state = empty_state
            self.empty.clear()
            if empty_state is not None:
                with self.empty:
                    ui.icon('forum', size='40px').classes('text-stone-300')
                    if self.filter.view == 'mentioned':
                        ui.label(_('No notes mention you yet.'))
                    elif empty_state[1]:
                        ui.label(_('No conversations match these filters.'))
                    else:
                        ui.label(_('No open conversations') if self.status == 'open' else _('No closed conversations'))
                        ui.label(_('New chats from your store appear here as they arrive.')).classes('text-xs')
        if self.on_counts_changed:
            self.on_counts_changed(self.unread)

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
        update = await self.reads.list_update(ids, self.filter)
        if self.rows.is_deleted:  # the page went away while reading
            return
        self.counts, self.unread = update.counts, update.unread
        for conversation_id in ids:
            row = update.rows.get(conversation_id)
            if row is not None:
                self._apply_row(conversation_id, row)
        self._publish(ids)
        self._render_counts_and_empty()

    def _apply_row(self, conversation_id: int, row: ConversationRow) -> None:
        if not conversations.matches(row, self.filter):
            self.items.pop(conversation_id, None)
        elif conversation_id in self.items or not self.filter.search:  # search results change only on a new search
            self.items[conversation_id] = row

    def _data(self, row: ConversationRow) -> RowData:
        data = row_data(row, clock=self.clock, staff_id=self.staff_id)
        if row.id in self.typing:
            data['preview'] = _('typing…')
        return data

    def _ordered(self) -> list[ConversationRow]:
        if self.filter.view == 'mentioned':  # R2: those with unseen mentions first
            return sorted(self.items.values(), key=lambda row: (row.mention_unseen, row.last_message_at, row.id),
                          reverse=True)
        return sorted(self.items.values(), key=lambda row: (row.last_message_at, row.id), reverse=True)

    def _publish(self, changed_ids: list[int]) -> None:
        """Send the changed rows and the order to the browser (rows no longer in the list are dropped there)."""
        self.rows.apply([self._data(self.items[cid]) for cid in changed_ids if cid in self.items],
                        [row.id for row in self._ordered()])

    def known_row(self, conversation_id: int) -> ConversationRow | None:
        return self.items.get(conversation_id)

    def rerender(self) -> None:
        """Every row again (the viewer's time zone became known)."""
        self._publish(list(self.items))

    def presence_changed(self, conversation_id: int, online: bool) -> None:
        row = self.items.get(conversation_id)
        if row is not None and row.online != online:
            self.items[conversation_id] = replace(row, online=online)
            self._publish([conversation_id])
        if self.updating:
            # The row may be being read right now, from before this change (seen on a loaded machine: a new
            # conversation's row appeared without "Online" and stayed so); read it again after this round.
            self.changed.add(conversation_id)

    def typing_changed(self, conversation_id: int, side: str, typing: bool) -> None:
        """R3: the row's preview says "typing…" while the shopper types (the server ends it 4 s after the last key)."""
        if side != 'shopper' or (conversation_id in self.typing) == typing:
            return
        (self.typing.add if typing else self.typing.discard)(conversation_id)
        if conversation_id in self.items:
            self._publish([conversation_id])

    async def select(self, conversation_id: int) -> None:
        self.selected_id = conversation_id
        self.focused_id = conversation_id
        self.rows.highlight(selected=self.selected_id, focused=self.focused_id)
        await self.on_select(conversation_id)

    async def toggle_status(self, conversation_id: int) -> None:
        await self.on_toggle_status(conversation_id)

    async def assign(self, conversation_id: int) -> None:
        await self.on_assign(conversation_id)

    async def block(self, conversation_id: int) -> None:
        if self.on_block is not None:
            await self.on_block(conversation_id)

    def move_focus(self, step: int) -> None:
        """j/k: move the keyboard focus through the list."""
        ids = [row.id for row in self._ordered()]
        if not ids:
            return
        current = self.focused_id if self.focused_id in ids else self.selected_id
        index = ids.index(current) + step if current in ids else 0
        self.focused_id = ids[max(0, min(len(ids) - 1, index))]
        self.rows.highlight(selected=self.selected_id, focused=self.focused_id)
        self.rows.reveal(self.focused_id)

    async def show_mentioned(self) -> None:
        """R2: the Mentioned view (the header's @ badge)."""
        self.view.set_value('mentioned')  # its on_change sets the filter

    def focus_search(self) -> None:
        self.search.run_method('focus')
