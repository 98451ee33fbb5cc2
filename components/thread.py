"""The open conversation: it puts the parts together (header, cart bar, messages, offline notice, composer and the
share flows), opens a conversation, follows the bus's events for it and sends staff replies."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import replace

from nicegui import ui

from components.cart_bar import CartBar
from components.clock import ViewerClock
from components.command_feedback import Refused, run_command
from components.composer import Composer
from components.conversation_actions import ConversationActions
from components.mention_picker import MentionPicker
from components.message_log import MessageLog
from components.note_mode import NoteMode
from components.offline_notice import OfflineNotice
from components.reply_picker import ReplyPicker
from components.share_flows import SHARE_KINDS, ShareFlows
from components.thread_header import ThreadHeader
from components.typing_note import TypingNote, watch_staff_typing
from services.i18n import _
from services.inbox_commands import InboxCommands
from services.inbox_reads import InboxReads
from services.note_commands import NoteCommands
from services.reply_commands import ReplyCommands
from services.share_commands import ShareCommands
from services.typing_commands import TypingCommands
from services.views import ConversationRow, MessageView

THREAD_PAGE = 100


class Thread:
    def __init__(self, *, commands: InboxCommands, shares: ShareCommands, reads: InboxReads, clock: ViewerClock,
                 on_back: Callable[[], Awaitable[None]], actions: ConversationActions,
                 share_kinds: Collection[str] = SHARE_KINDS, replies: ReplyCommands | None = None,
                 notes: NoteCommands | None = None, typing: TypingCommands | None = None) -> None:
        self.commands = commands
        self.reads = reads
        self.row: ConversationRow | None = None
        self.opening: int | None = None
        self.arrived_while_opening: list[MessageView] = []
        flows = ShareFlows(shares=shares, reads=reads, open_conversation=lambda: self.row.id if self.row else None,
                           on_sent=self.append)
        with ui.column().classes('w-full h-full gap-0 no-wrap bg-white') as self.root:
            self.header = ThreadHeader(commands=commands, actions=actions, on_back=on_back)
            self.cart_bar = CartBar()
            self.log = MessageLog(clock=clock, on_older=self.load_older, on_retry=self.retry_email)
            self.typing_note = TypingNote()
            self.notice = OfflineNotice()
            picker_slot = ui.column().classes('w-full gap-0')
            note_slot = ui.column().classes('w-full gap-0')
            self.composer = Composer(on_send=self.send, on_share=flows.buttons(share_kinds))
            if replies is not None:
                with picker_slot:
                    ReplyPicker(replies=replies, composer_input=self.composer.input,
                                open_conversation=lambda: self.row.id if self.row else None)
            self.note_mode: NoteMode | None = None
            if notes is not None:
                with note_slot:
                    self.note_mode = note_mode = NoteMode(
                        composer=self.composer, notes=notes, on_stored=self.append,
                        open_conversation=lambda: self.row.id if self.row else None)
                with picker_slot:
                    MentionPicker(notes=notes, composer_input=self.composer.input, note_mode=lambda: note_mode.active)
            if typing is not None:
                self._watch_typing(typing)
        self.show_empty()

    def _watch_typing(self, typing: TypingCommands) -> None:
        """R3: this member's keys in the reply box tell the open conversation's shopper that staff type."""
        async def on_typing(active: bool) -> None:
            if self.row is not None:
                await run_command(typing.staff_typing(self.row.id, active))
        watch_staff_typing(self.composer.input, on_typing)

    def typing_changed(self, conversation_id: int, side: str, typing: bool) -> None:
        """R3: the open conversation's shopper started or stopped typing."""
        if self.row is None or self.row.id != conversation_id or side != 'shopper':
            return
        if typing:
            self.typing_note.show(self.row.shown_name)
        else:
            self.typing_note.hide()

    def show_empty(self) -> None:
        self.row = None
        self.typing_note.hide()
        self.header.hide()
        self.cart_bar.hide()
        self.notice.show(None)
        self.composer.set_enabled(False)
        self.log.show_nothing_open()

    async def open(self, conversation_id: int) -> bool:
        self.opening = conversation_id
        self.arrived_while_opening = []
        self.typing_note.hide()
        start = await self.reads.thread_start(conversation_id, limit=THREAD_PAGE)
        if start is None:
            self.opening = None
            ui.notify(_('This conversation does not exist.'), type='warning')
            return False
        await self.commands.mark_read(conversation_id)
        if self.note_mode is not None:
            await self.note_mode.opened(conversation_id)
        self.row = start.row
        self.header.show(start.row)
        self.log.start(start.row.shown_name, start.messages, more_before=len(start.messages) == THREAD_PAGE)
        self.opening = None
        for view in self.arrived_while_opening:  # published after our query but before the row was set
            self.log.add(view)
        self.log.show_empty_thread()
        self.notice.show(self.row)
        await self.load_cart()
        self.composer.set_enabled(True)
        self.composer.focus()
        self.log.scroll_to_end()
        return True

    async def load_older(self) -> None:
        oldest = self.log.oldest_id
        if self.row is None or oldest is None:
            return
        views = await self.reads.thread(self.row.id, before=oldest, limit=THREAD_PAGE)
        self.log.prepend(views, more_before=len(views) == THREAD_PAGE)

    async def refresh_header(self) -> None:
        """Re-read the open conversation's row (status, assignee, topics, V1's unverified claim, R4's blocked sender)
        and redraw the header if they changed."""
        if self.row is None:
            return
        row = await self.reads.row(self.row.id)
        shown = self.row
        if row.customer_email != shown.customer_email:  # the customer was edited or erased (G1): redraw it all
            await self.open(row.id)
            return
        if (row.status, row.assignee_id, row.topics, row.unverified_claim, row.customer_blocked) != (
                shown.status, shown.assignee_id, shown.topics, shown.unverified_claim, shown.customer_blocked):
            self.row = replace(row, online=self.row.online)
            self.header.show(self.row)

    async def load_cart(self) -> None:
        if self.row is not None:
            self.cart_bar.show(await self.reads.cart(self.row.id))

    async def cart_changed(self, conversation_id: int) -> None:
        if self.row is not None and self.row.id == conversation_id:
            await self.load_cart()

    def append(self, view: MessageView) -> None:
        if self.row is None or view.conversation_id != self.row.id:
            return
        self.log.append(view)

    def message_updated(self, view: MessageView) -> None:
        """A shown message's e-mail delivery changed: re-render just its label."""
        if self.row is not None and view.conversation_id == self.row.id:
            self.log.delivery_changed(view)

    async def message_arrived(self, view: MessageView) -> None:
        """A new message in the open conversation: show it and, since staff is looking, keep it read."""
        if self.opening == view.conversation_id:
            self.arrived_while_opening.append(view)
            return
        if self.row is None or view.conversation_id != self.row.id:
            return
        self.append(view)
        if view.author == 'customer':
            self.typing_note.hide()
            await self.commands.mark_read(view.conversation_id)
        elif view.kind == 'note' and self.note_mode is not None:
            await self.note_mode.note_arrived(view)

    def presence_changed(self, conversation_id: int, online: bool) -> None:
        if self.row is None or self.row.id != conversation_id or self.row.online == online:
            return
        self.row = replace(self.row, online=online)
        self.header.show(self.row)
        self.notice.show(self.row)

    async def send(self, text: str) -> bool:
        if self.row is None:
            return False
        view = await run_command(self.commands.send_reply(self.row.id, text))
        if isinstance(view, Refused):
            return False
        self.append(view)
        return True

    async def retry_email(self, message_id: int) -> None:
        await run_command(self.commands.retry_email(message_id))
