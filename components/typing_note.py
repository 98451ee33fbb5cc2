"""R3 in the staff thread: the shopper's "typing…" line, and the reply box telling the shopper that staff type.

The line follows the bus (`typing_changed`): shown on `True`, gone on `False` (sent by the server when the shopper
sends, stops, or 4 s after their last frame) and, in case that `False` never comes (the other process of a
cluster went away), 4 s after the last `True` by this tab's own timer.
"""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from nicegui import ui

from services.i18n import _
from services.typing_status import EXPIRY_SECONDS, THROTTLE_SECONDS

# Keys that change the text: a character, Backspace or Delete; Enter without Shift sends instead (and the message
# itself ends "typing…" on the shopper's page). On key up, so the box's new value has reached the server first.
TYPING_KEYS = '''(e) => {
  if (e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'Enter' ? e.shiftKey : (e.key.length === 1 || e.key === 'Backspace' || e.key === 'Delete')) emit();
}'''


class TypingNote:
    def __init__(self) -> None:
        self.shown_at = 0.0
        with ui.row().classes('w-full px-4 py-1 items-center gap-1 text-xs text-stone-500 italic') as self.root:
            self.label = ui.label('')
        self.root.props['aria-live'] = 'polite'
        self.root.set_visibility(False)
        self.timer: ui.timer | None = None
        """Made on the first "typing…", not while the page is built (a timer made then delayed the open thread)."""

    def show(self, name: str) -> None:
        self.shown_at = time.monotonic()
        self.label.set_text(_('{name} is typing…', name=name))
        self.root.set_visibility(True)
        if self.timer is None:
            with self.root:
                self.timer = ui.timer(1.0, self._check)
        self.timer.activate()

    def hide(self) -> None:
        self.root.set_visibility(False)
        if self.timer is not None:
            self.timer.deactivate()

    def _check(self) -> None:
        if time.monotonic() - self.shown_at >= EXPIRY_SECONDS:
            self.hide()


def watch_staff_typing(composer_input: ui.textarea, on_typing: Callable[[bool], Awaitable[None]]) -> None:
    """Keys in the reply box reach the server at most once a second (thrown away in between, in the browser);
    leaving the box says "stopped"."""
    async def typed() -> None:
        if (composer_input.value or '').strip():
            await on_typing(True)

    async def left() -> None:
        await on_typing(False)

    composer_input.on('keyup', typed, throttle=THROTTLE_SECONDS, trailing_events=False, js_handler=TYPING_KEYS)
    composer_input.on('blur', left)
