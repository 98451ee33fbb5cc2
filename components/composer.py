"""The reply box: Enter sends, Shift+Enter starts a new line."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from services.i18n import _
from services.messages import MAX_BODY

ENTER_SENDS = '''(e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); emit(); }
}'''


class Composer:
    def __init__(self, *, on_send: Callable[[str], Awaitable[bool]]) -> None:
        self.on_send = on_send
        self.sending = False
        with ui.row().classes('w-full items-end gap-2 px-3 py-3 border-t border-stone-200 bg-white no-wrap'):
            self.input = ui.textarea(placeholder=_('Write a reply…')).props(
                f'outlined dense autogrow rounded maxlength={MAX_BODY} input-class="max-h-40"').classes(
                'grow').mark('composer')
            self.input.props['aria-label'] = _('Reply')
            self.input.on('keydown', self.send, js_handler=ENTER_SENDS)
            self.button = ui.button(_('Send'), icon='send', on_click=self.send).props(
                'unelevated no-caps color=indigo-8').mark('send')

    async def send(self) -> None:
        text = (self.input.value or '').strip()
        if not text or self.sending:
            return
        self.sending = True
        self.button.props('loading')
        try:
            if await self.on_send(text):
                self.input.value = ''
        finally:
            self.sending = False
            self.button.props(remove='loading')

    def set_enabled(self, enabled: bool) -> None:
        self.input.set_enabled(enabled)
        self.button.set_enabled(enabled)

    def focus(self) -> None:
        self.input.run_method('focus')
