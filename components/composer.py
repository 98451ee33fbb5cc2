"""The reply box (C4): Enter sends, Shift+Enter starts a new line."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from components.permission_help import why_not
from services.i18n import N_, _
from services.messages import MAX_BODY
from services.permissions import Permission

# A lone "/word" is a saved-reply search (components/reply_picker.py), and a note ending in "@name" a mention search
# (components/mention_picker.py): there Enter picks, it does not send.
ENTER_SENDS = '''(e) => {
  const v = e.target.value || '';
  if (e.target.closest('.note-mode') && /(^|\\s)@[^\\s@"]*$/.test(v)) return;
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !/^\\/\\S*$/.test(v)) {
    e.preventDefault(); emit();
  }
}'''

WITHHELD = {  # the share buttons a permission decides, and the question shown where one is missing (N_: shown with _)
    'products': (N_("Why can't I share products?"), Permission.SHARE_PRODUCTS),
    'discount': (N_("Why can't I share discount codes?"), Permission.SHARE_DISCOUNTS),
}


class Composer:
    def __init__(self, *, on_send: Callable[[str], Awaitable[bool]],
                 on_share: dict[str, Callable[[], Awaitable[None]]] | None = None) -> None:
        self.on_send = on_send
        self.sending = False
        self.share_buttons: list[ui.button] = []
        with ui.row().classes('w-full items-end gap-2 px-3 py-3 border-t border-stone-200 bg-white no-wrap'):
            for key, icon, label in (('products', 'sell', _('Share products')),
                                     ('discount', 'percent', _('Share a discount code')),
                                     ('image', 'image', _('Send an image'))):
                if on_share and key in on_share:
                    button = ui.button(icon=icon, on_click=on_share[key]).props('flat round dense color=stone-7').mark(
                        f'share-{key}')
                    button.props['aria-label'] = label
                    button.tooltip(label)
                    self.share_buttons.append(button)
                elif on_share is not None and key in WITHHELD:  # hidden for a missing permission: say why
                    question, permission = WITHHELD[key]
                    why_not(_(question), permission, mark=f'why-not-share-{key}')
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
        for button in self.share_buttons:
            button.set_enabled(enabled)

    def focus(self) -> None:
        self.input.run_method('focus')
