"""R4 from the thread's menu and the list's quick actions: blocking asks first, in one dialog for both places;
unblocking is done at once (it only lets the sender write again)."""
from __future__ import annotations

from nicegui import ui

from components.command_feedback import run_command
from services.block_commands import BlockCommands
from services.i18n import _
from services.views import ConversationRow


class BlockConfirm(ui.dialog):
    """Returns True when staff confirm blocking this sender."""

    def __init__(self, name: str) -> None:
        super().__init__()
        with self, ui.card().classes('w-[380px] gap-2').mark('block-confirm'):
            ui.label(_('Block {name}?', name=name)).classes('text-lg font-semibold')
            ui.label(_('Their new chats, messages and e-mails will be refused, and their open chat ends now. '
                       'You can unblock them later.')).classes('text-sm text-stone-600')
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Cancel'), on_click=lambda: self.submit(False)).props('flat no-caps')
                ui.button(_('Block sender'), on_click=lambda: self.submit(True)).props(
                    'unelevated no-caps color=red-8').mark('confirm-block')


async def toggle_block(blocks: BlockCommands, row: ConversationRow) -> None:
    """Block the row's sender after confirming, or unblock them."""
    if row.customer_blocked:
        await run_command(blocks.unblock(row.customer_id), success=_('Sender unblocked'))
        return
    dialog = BlockConfirm(row.shown_name)
    confirmed = await dialog
    dialog.delete()
    if confirmed:
        await run_command(blocks.block(row.customer_id), success=_('Sender blocked'))
