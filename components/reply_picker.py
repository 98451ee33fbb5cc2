"""The saved-reply picker (R1): typing `/` at the start of the composer lists the saved replies, filtered by what
follows the `/` (shortcut, title or text); ArrowUp and ArrowDown move, Enter (or a click) puts the reply's text,
filled in for the open conversation, into the composer for editing, Escape closes the list."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from nicegui import events, ui

from components.command_feedback import Refused, run_command
from services.i18n import _
from services.reply_commands import ReplyCommands
from services.saved_replies import SavedReplyView

SHOWN = 8
SEARCH = re.compile(r'^/(\S*)$')
# A lone "/word" in the composer is a search: the picker takes these keys (components/composer.py leaves Enter alone)
PICKER_KEYS = '''(e) => {
  if (!/^\\/\\S*$/.test(e.target.value || '') || e.isComposing) return;
  if (['ArrowUp', 'ArrowDown', 'Enter', 'Escape'].includes(e.key) && !e.shiftKey) { e.preventDefault(); emit(e.key); }
}'''


def matching(replies: list[SavedReplyView], query: str) -> list[SavedReplyView]:
    """Replies whose shortcut starts with the query first, then those whose title or any text contains it."""
    wanted = query.casefold()
    first = [r for r in replies if r.shortcut.startswith(wanted)]
    rest = [r for r in replies if r not in first and (wanted in r.title.casefold()
                                                      or any(wanted in t.casefold() for t in r.texts.values()))]
    return (first + rest)[:SHOWN]


class ReplyPicker:
    def __init__(self, *, replies: ReplyCommands, composer_input: ui.textarea,
                 open_conversation: Callable[[], int | None], on_filled: Callable[[], Awaitable[None]] | None = None
                 ) -> None:
        self.replies = replies
        self.input = composer_input
        self.open_conversation = open_conversation
        self.on_filled = on_filled
        self.known: list[SavedReplyView] | None = None
        self.shown: list[SavedReplyView] = []
        self.index = 0
        self.root = ui.column().classes(
            'w-full gap-0 border-t border-stone-200 bg-stone-50 max-h-72 overflow-y-auto').mark('reply-picker')
        self.root.props['role'] = 'listbox'
        self.root.props['aria-label'] = _('Saved replies')
        self.root.set_visibility(False)
        composer_input.on_value_change(self.typed)
        composer_input.on('keydown', self.key, js_handler=PICKER_KEYS)

    @property
    def is_open(self) -> bool:
        return self.root.visible

    async def typed(self, event: events.ValueChangeEventArguments) -> None:
        found = SEARCH.match(event.value or '')
        if found is None or self.open_conversation() is None:
            self.close()
            return
        if self.known is None or not self.is_open:
            loaded = await run_command(self.replies.saved_replies())
            if isinstance(loaded, Refused):
                return
            self.known = loaded
        self.shown = matching(self.known, found.group(1))
        self.index = 0
        self.draw()

    def draw(self) -> None:
        self.root.clear()
        with self.root:
            if not self.shown:
                ui.label(_('No saved reply matches.') if self.known else _('No saved replies yet.')).classes(
                    'px-4 py-2 text-sm text-stone-500')
            for position, reply in enumerate(self.shown):
                chosen = position == self.index
                with ui.row().classes('w-full px-4 py-1.5 cursor-pointer gap-2 items-baseline no-wrap ' + (
                        'bg-indigo-100' if chosen else 'hover:bg-stone-100')).on(
                        'click', lambda r=reply: self.choose(r)).mark('reply-option') as option:
                    option.props['role'] = 'option'
                    option.props['aria-selected'] = 'true' if chosen else 'false'
                    ui.label('/' + reply.shortcut).classes('text-sm font-mono text-indigo-800')
                    ui.label(reply.title).classes('text-sm text-stone-800 truncate')
        self.root.set_visibility(True)

    def close(self) -> None:
        self.shown = []
        self.root.set_visibility(False)

    async def key(self, event: events.GenericEventArguments) -> None:
        key = event.args[0] if isinstance(event.args, list) and event.args else event.args
        if not self.is_open:
            return
        if key == 'Escape':
            self.close()
        elif key in ('ArrowDown', 'ArrowUp') and self.shown:
            self.index = (self.index + (1 if key == 'ArrowDown' else -1)) % len(self.shown)
            self.draw()
        elif key == 'Enter' and self.shown:
            await self.choose(self.shown[self.index])

    async def choose(self, reply: SavedReplyView) -> None:
        conversation_id = self.open_conversation()
        if conversation_id is None:
            return
        text = await run_command(self.replies.filled(reply.id, conversation_id))
        if isinstance(text, Refused):
            return
        self.close()
        self.input.value = text
        self.input.run_method('focus')
        if self.on_filled:
            await self.on_filled()
