"""The conversation list's rows: one browser component fed with data (conversation_rows.js), not elements per row.

NiceGUI draws its whole element tree again whenever any element changes. With a row made of a dozen elements and a
few hundred rows, every shopper message cost the staff member's browser a redraw of thousands of elements and the
list fell seconds behind (README, Benchmarks: live latency). Here the server keeps each row as a small dict, sends
the rows once, and afterwards only the rows that changed and the new order; the browser moves one row.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui
from nicegui.events import GenericEventArguments

RowData = dict[str, Any]
Handler = Callable[[int], Awaitable[None]]


class ConversationRows(ui.element, component='conversation_rows.js'):
    def __init__(self, *, labels: dict[str, str], selected: int | None, on_select: Handler, on_toggle: Handler,
                 on_assign: Handler, on_block: Handler | None = None) -> None:
        super().__init__()
        self.version = 0
        self.sent: dict[int, RowData] = {}  # what the browser shows, by conversation id
        self.order: list[int] = []
        self.selected = selected
        self.focused: int | None = None
        self._props['labels'] = labels
        self._props['can_block'] = on_block is not None  # R4's quick action
        for event, handler in (('select', on_select), ('toggle', on_toggle), ('assign', on_assign),
                               ('block', on_block)):
            if handler is not None:
                self.on(event, self._caller(handler))
        self.on('resync', self._resync)

    def _resync(self) -> None:
        """The browser got changes for a list it does not have (it missed a reset): it gets the whole list again."""
        self.run_method('reset', self.version, self.shown())

    @staticmethod
    def _caller(handler: Handler) -> Callable[[GenericEventArguments], Awaitable[None]]:
        async def call(event: GenericEventArguments) -> None:
            value = event.args[0] if isinstance(event.args, list) else event.args
            if isinstance(value, int) and not isinstance(value, bool):
                await handler(value)
        return call

    def shown(self) -> list[RowData]:
        """The rows as the browser has them, in order."""
        return [self.sent[cid] for cid in self.order]

    def show(self, rows: list[RowData]) -> None:
        """Replace every row (a new filter, a reconnect)."""
        self.version += 1
        self.sent = {row['id']: row for row in rows}
        self.order = [row['id'] for row in rows]
        self.run_method('reset', self.version, rows)

    def apply(self, rows: list[RowData], order: list[int]) -> None:
        """Send the rows that differ from what the browser has, and the order (ids not in it are dropped)."""
        changed = [row for row in rows if self.sent.get(row['id']) != row]
        kept = set(order)
        dropped = [cid for cid in self.sent if cid not in kept]
        if not changed and not dropped and order == self.order:
            return
        for row in changed:
            self.sent[row['id']] = row
        for cid in dropped:
            del self.sent[cid]
        order = [cid for cid in order if cid in self.sent]
        moved = order != self.order
        self.order = order
        # The order only when it changed: a row that changed in place (its topics, presence) redraws that row alone.
        self.run_method('apply', self.version, changed, dropped, order if moved else None)

    def highlight(self, *, selected: int | None, focused: int | None) -> None:
        if (selected, focused) == (self.selected, self.focused):
            return
        self.selected, self.focused = selected, focused
        self.run_method('highlight', selected, focused)

    def reveal(self, conversation_id: int) -> None:
        self.run_method('reveal', conversation_id)

    def _to_dict(self) -> dict[str, Any]:
        """What a newly drawn component starts from (the page's first render, or NiceGUI drawing it again later):
        added when the element is sent, not kept in its props, whose observable copies cost more than the rows."""
        data = super()._to_dict()
        data['props'] = {**data.get('props', {}), 'initial': {
            'version': self.version, 'rows': self.shown(), 'selected': self.selected, 'focused': self.focused}}
        return data
