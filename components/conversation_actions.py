"""The commands staff run on a conversation (M1, M2) from the list, the thread header or the keyboard."""
from __future__ import annotations

from nicegui import ui

from components.block_actions import toggle_block
from components.command_feedback import REFUSED, Refused, run_command
from components.staff_picker import UNASSIGN, StaffPicker
from services.block_commands import BlockCommands
from services.i18n import _
from services.inbox_commands import InboxCommands
from services.inbox_reads import InboxReads


class ConversationActions:
    def __init__(self, *, commands: InboxCommands, reads: InboxReads) -> None:
        self.commands = commands
        self.reads = reads

    async def toggle_status(self, conversation_id: int) -> None:
        status = await run_command(self.commands.toggle_status(conversation_id))
        if status is not REFUSED:
            ui.notify(_('Conversation closed') if status == 'closed' else _('Conversation reopened'))

    async def mark_unread(self, conversation_id: int) -> None:
        await run_command(self.commands.mark_unread(conversation_id), success=_('Marked as unread'))

    async def unassign(self, conversation_id: int) -> None:
        await run_command(self.commands.assign(conversation_id, None))

    async def assign(self, conversation_id: int) -> None:
        row = await run_command(self.reads.row(conversation_id))
        if isinstance(row, Refused):
            return
        picker = StaffPicker(self.reads, current_assignee_id=row.assignee_id)
        await picker.load()
        choice = await picker
        picker.delete()
        if choice is not None:
            await run_command(self.commands.assign(conversation_id, None if choice == UNASSIGN else int(choice)))

    async def toggle_block(self, conversation_id: int) -> None:
        """R4 from the list's quick actions: the thread menu's Block sender (confirmed) or Unblock sender."""
        row = await run_command(self.reads.row(conversation_id))
        if isinstance(row, Refused):
            return
        await toggle_block(BlockCommands(self.commands.runtime, staff_id=self.commands.staff_id), row)
