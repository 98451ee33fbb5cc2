"""R2: the `@` list of Note mode. Typing `@` (and the start of a name) at the end of a note lists the staff a note may
name; ArrowUp and ArrowDown move, Enter (or a click) puts `@first.last ` in place of what was typed, Escape closes
the list. The same pattern as the saved-reply picker (components/reply_picker.py)."""
from __future__ import annotations

import re
from collections.abc import Callable

from nicegui import events, ui

from components.command_feedback import Refused, run_command
from services.i18n import _
from services.note_commands import NoteCommands
from services.notes import Mentionable

SHOWN = 8
TYPING = re.compile(r'(?:^|\s)@([^\s@"]*)$')
# Only in Note mode (the reply box has the note-mode class) and while the text ends in "@name": the list takes these
# keys (components/composer.py leaves Enter alone then)
PICKER_KEYS = '''(e) => {
  if (!e.target.closest('.note-mode') || !/(^|\\s)@[^\\s@"]*$/.test(e.target.value || '') || e.isComposing) return;
  if (['ArrowUp', 'ArrowDown', 'Enter', 'Escape'].includes(e.key) && !e.shiftKey) { e.preventDefault(); emit(e.key); }
}'''


def matching(staff: list[Mentionable], query: str) -> list[Mentionable]:
    """Members whose handle or name starts with the query first, then those whose name contains it."""
    wanted = query.casefold()
    first = [m for m in staff if m.handle.startswith(wanted) or m.name.casefold().startswith(wanted)]
    rest = [m for m in staff if m not in first and wanted in m.name.casefold()]
    return (first + rest)[:SHOWN]


class MentionPicker:
    def __init__(self, *, notes: NoteCommands, composer_input: ui.textarea, note_mode: Callable[[], bool]) -> None:
        self.notes = notes
        self.input = composer_input
        self.note_mode = note_mode
        self.known: list[Mentionable] | None = None
        self.shown: list[Mentionable] = []
        self.index = 0
        self.root = ui.column().classes(
            'w-full gap-0 border-t border-amber-200 bg-amber-50 max-h-72 overflow-y-auto').mark('mention-picker')
        self.root.props['role'] = 'listbox'
        self.root.props['aria-label'] = _('Mention a staff member')
        self.root.set_visibility(False)
        composer_input.on_value_change(self.typed)
        composer_input.on('keydown', self.key, js_handler=PICKER_KEYS)

    @property
    def is_open(self) -> bool:
        return self.root.visible

    async def typed(self, event: events.ValueChangeEventArguments) -> None:
        found = TYPING.search(event.value or '')
        if found is None or not self.note_mode():
            self.close()
            return
        if self.known is None or not self.is_open:
            loaded = await run_command(self.notes.mentionable())
            if isinstance(loaded, Refused):
                return
            self.known = [member for member in loaded if member.id != self.notes.staff_id]  # never oneself
            found = TYPING.search(self.input.value or '')  # keys typed while the list loaded: the newest text
            if found is None or not self.note_mode():
                self.close()
                return
        self.shown = matching(self.known, found.group(1))
        self.index = 0
        self.draw()

    def draw(self) -> None:
        self.root.clear()
        with self.root:
            if not self.shown:
                ui.label(_('No staff member matches.')).classes('px-4 py-2 text-sm text-stone-500')
            for position, member in enumerate(self.shown):
                chosen = position == self.index
                with ui.row().classes('w-full px-4 py-1.5 cursor-pointer gap-2 items-baseline no-wrap ' + (
                        'bg-amber-200' if chosen else 'hover:bg-amber-100')).on(
                        'click', lambda m=member: self.choose(m)).mark('mention-option') as option:
                    option.props['role'] = 'option'
                    option.props['aria-selected'] = 'true' if chosen else 'false'
                    ui.label(member.name).classes('text-sm text-stone-900')
                    ui.label('@' + member.handle).classes('text-xs font-mono text-amber-900 truncate')
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
            self.choose(self.shown[self.index])

    def choose(self, member: Mentionable) -> None:
        text = self.input.value or ''
        found = TYPING.search(text)
        start = found.end() - len(found.group(1)) - 1 if found else len(text)  # where the typed '@' is
        self.close()
        self.input.value = f'{text[:start]}@{member.handle} '
        self.input.run_method('focus')
