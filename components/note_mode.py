"""R2: the composer's Note mode. A Reply / Note toggle above the reply box (or Alt+N in it) switches what Send does:
in Note mode the box turns amber, says "Write a note only staff can see", and Send stores an internal note instead
of a reply. The mode stays until switched back, so a second note cannot slip out to the shopper as a reply."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from components.command_feedback import Refused, run_command
from components.composer import Composer
from services.i18n import _, pgettext
from services.note_commands import NoteCommands
from services.notes import mentions_of
from services.views import MessageView

NOTE_CLASS = 'note-mode'  # on the reply box while in Note mode (components/mention_picker.py's keys look for it)
# Alt+N by the key's position (on a Mac, Option+N types a dead key): Ctrl+Shift+N is Chromium's incognito window
SHORTCUT_JS = '''(e) => {
  if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.code === 'KeyN') { e.preventDefault(); emit(); }
}'''


class NoteMode:
    def __init__(self, *, composer: Composer, notes: NoteCommands, open_conversation: Callable[[], int | None],
                 on_stored: Callable[[MessageView], None]) -> None:
        self.composer = composer
        self.notes = notes
        self.open_conversation = open_conversation
        self.on_stored = on_stored
        self.active = False
        self.send_reply: Callable[[str], Awaitable[bool]] = composer.on_send
        composer.on_send = self.send
        with ui.row().classes('w-full items-center gap-2 px-3 pt-2 bg-white'):
            self.toggle = ui.toggle({'reply': _('Reply'), 'note': pgettext('internal note', 'Note')}, value='reply',
                                    on_change=lambda e: self.set_active(e.value == 'note')).props(
                'dense no-caps unelevated toggle-color=amber-9 padding="2px 10px"').classes(
                'border border-stone-300 rounded-lg').mark('note-toggle')
            self.toggle.props['aria-label'] = _('Send as')  # not "Reply…": the reply box is the element labelled Reply
            ui.label(_('Alt+N switches')).classes('text-xs text-stone-500 wide-only')
        composer.input.on('keydown', lambda: self.set_active(not self.active), js_handler=SHORTCUT_JS)

    async def opened(self, conversation_id: int) -> None:
        """The viewer opened the conversation: the notes naming them in it are seen."""
        await run_command(self.notes.mark_seen(conversation_id))

    async def note_arrived(self, view: MessageView) -> None:
        """A note in the open conversation names the viewer: they see it now."""
        if self.notes.staff_id in mentions_of(view):
            await run_command(self.notes.mark_seen(view.conversation_id))

    def set_active(self, active: bool) -> None:
        if active == self.active:
            return
        self.active = active
        self.toggle.set_value('note' if active else 'reply')
        box = self.composer.input
        box.props['placeholder'] = _('Write a note only staff can see') if active else _('Write a reply…')
        box.props['aria-label'] = _('Internal note') if active else _('Reply')
        if active:
            box.props('bg-color=amber-1')
            box.classes(add=NOTE_CLASS)
            self.composer.button.props('color=amber-9')
        else:
            box.props(remove='bg-color')
            box.classes(remove=NOTE_CLASS)
            self.composer.button.props('color=indigo-8')
        box.update()

    async def send(self, text: str) -> bool:
        if not self.active:
            return await self.send_reply(text)
        conversation_id = self.open_conversation()
        if conversation_id is None:
            return False
        view = await run_command(self.notes.add_note(conversation_id, text))
        if isinstance(view, Refused):
            return False
        self.on_stored(view)
        return True
