"""The open conversation's header: who the shopper is (presence, e-mail, topics), its status and assignee, and the
commands (assign, close or reopen, mark as unread, set or remove a topic; C2, M1, M2, T1)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from components.badges import aria, avatar, status_chip, topic_chip, topic_label, unverified_chip
from components.block_actions import toggle_block
from components.client_address import client_address
from components.command_feedback import run_command
from components.conversation_actions import ConversationActions
from services.block_commands import BlockCommands
from services.classification.topics import TOPIC_KEYS
from services.i18n import _, pgettext
from services.inbox_commands import InboxCommands
from services.views import ConversationRow

# The thread header is its own size container: when the thread pane is narrow (three panes on a laptop, or a long
# translation such as 'Segna come inattiva' or 'Markeren als inactief'), the status chip and the assignee chip give
# way and the Assign and Close buttons keep only their icons (named by aria-label and tooltip) instead of wrapping
# over the customer's name.
HEADER_CSS = '''
.thread-header { container: thread-header / inline-size; }
@container thread-header (max-width: 719px) { .roomy-header-only { display: none !important; } }
'''


class TopicDialog(ui.dialog):
    """Returns the chosen topic key, or None."""

    def __init__(self) -> None:
        super().__init__()
        with self, ui.card().classes('w-[360px] gap-2'):
            ui.label(_('Set the topic')).classes('text-lg font-semibold')
            ui.label(_('It applies to the shopper\'s latest message and teaches the next training.')).classes(
                'text-sm text-stone-600')
            choice = ui.select({key: topic_label(key) for key in TOPIC_KEYS}, label=_('Topic')).props(
                'outlined dense').classes('w-full').mark('topic-choice')
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Cancel'), on_click=lambda: self.submit(None)).props('flat no-caps')
                ui.button(_('Save'), on_click=lambda: self.submit(choice.value)).props(
                    'unelevated no-caps color=indigo-8').mark('save-topic')


class ThreadHeader:
    def __init__(self, *, commands: InboxCommands, actions: ConversationActions,
                 on_back: Callable[[], Awaitable[None]]) -> None:
        self.commands = commands
        self.actions = actions
        self.on_back = on_back
        ui.add_css(HEADER_CSS)
        self.root = ui.row().classes(
            'thread-header w-full items-center gap-3 px-4 py-3 border-b border-stone-200 no-wrap')
        self.root.props['role'] = 'toolbar'
        aria(self.root, _('Conversation'))

    def hide(self) -> None:
        self.root.clear()
        self.root.set_visibility(False)

    def show(self, row: ConversationRow) -> None:
        self.root.set_visibility(True)
        self.root.clear()
        with self.root:
            back = ui.button(icon='arrow_back', on_click=self.on_back).props('flat round dense')
            aria(back.classes('single-pane-only'), _('Back to conversations'))
            avatar(row.shown_name)
            with ui.column().classes('gap-0 min-w-0 grow overflow-hidden'):
                with ui.row().classes('items-center gap-2 no-wrap max-w-full'):
                    ui.label(row.shown_name).classes('text-base font-semibold truncate').mark('thread-name')
                    if row.online:
                        ui.label(_('Online')).classes('text-xs font-medium text-green-800 bg-green-100 rounded-full '
                                                      'px-2 py-0.5 whitespace-nowrap shrink-0').mark('thread-online')
                with ui.row().classes('items-center gap-1 no-wrap max-w-full'):
                    ui.label(row.customer_email).classes('text-xs text-stone-500 truncate')
                    if row.unverified_claim:
                        unverified_chip().mark('thread-unverified')
                    if row.customer_blocked:
                        ui.label(_('Blocked')).classes('text-xs font-medium text-red-800 border border-red-800 '
                                                       'rounded-full px-2 whitespace-nowrap shrink-0').mark(
                            'thread-blocked')
                    for topic in row.topics[:2]:
                        with ui.row().classes('items-center gap-0 no-wrap min-w-0 wide-only'):
                            topic_chip(topic)
                            remove = ui.button(icon='close', on_click=self._topic_remover(row.id, topic)).props(
                                'flat round dense size=xs').mark(f'remove-topic-{topic}')
                            aria(remove, _('Remove topic {topic}', topic=topic_label(topic)))
            if row.assignee_id is not None:
                ui.label(_('Assigned to {name}', name=row.assignee_name)).classes(
                    'text-xs rounded-full px-2 py-0.5 bg-stone-100 text-stone-700 whitespace-nowrap shrink-0 '
                    'wide-only roomy-header-only').mark('thread-assignee')
            status_chip(row.status).classes('wide-only roomy-header-only').mark('thread-status')
            self._commands(row)

    def _commands(self, row: ConversationRow) -> None:
        cid = row.id
        status_action = (pgettext('conversation', 'Close') if row.status == 'open'  # not a dialog's Close
                         else pgettext('conversation', 'Reopen'))
        assign = ui.button(icon='person_add_alt', on_click=lambda: self.actions.assign(cid)).props(
            'flat dense no-caps no-wrap color=indigo-8').classes('wide-only shrink-0').mark('thread-assign')
        toggle = ui.button(icon='check_circle_outline' if row.status == 'open' else 'replay',
                           on_click=lambda: self.actions.toggle_status(cid)).props(
            'unelevated dense no-caps no-wrap color=indigo-8 padding="4px 10px"').classes(
            'wide-only shrink-0').mark('thread-status-toggle')
        for button, label in ((assign, _('Assign')), (toggle, status_action)):
            with button:
                ui.label(label).classes('roomy-header-only ml-1 whitespace-nowrap')
                ui.tooltip(label)
            aria(button, label)
        with ui.button(icon='more_vert').props('flat round dense') as more:
            aria(more, _('More actions'))
            with ui.menu():
                ui.menu_item(_('Assign'), on_click=lambda: self.actions.assign(cid)).classes('phone-only')
                ui.menu_item(status_action, on_click=lambda: self.actions.toggle_status(cid)).classes('phone-only')
                ui.menu_item(_('Mark as unread'), on_click=lambda: self.actions.mark_unread(cid)).mark('mark-unread')
                ui.menu_item(_('Set topic…'), on_click=lambda: self.choose_topic(cid)).mark('set-topic')
                if row.assignee_id is not None:
                    ui.menu_item(_('Unassign'), on_click=lambda: self.actions.unassign(cid)).mark('unassign')
                self._block_item(row)

    def _block_item(self, row: ConversationRow) -> None:
        """R4: Block sender / Unblock sender (their chats, messages and e-mails are refused while blocked)."""
        blocks = BlockCommands(self.commands.runtime, staff_id=self.commands.staff_id,
                               address=client_address())
        label, marker = ((_('Unblock sender'), 'unblock-sender') if row.customer_blocked
                         else (_('Block sender'), 'block-sender'))
        ui.menu_item(label, on_click=lambda: toggle_block(blocks, row)).mark(marker)

    def _topic_remover(self, conversation_id: int, topic: str) -> Callable[[], Awaitable[None]]:
        async def remove() -> None:
            await run_command(self.commands.remove_topic(conversation_id, topic))
        return remove

    async def choose_topic(self, conversation_id: int) -> None:
        dialog = TopicDialog()
        topic = await dialog
        dialog.delete()
        if topic:
            await run_command(self.commands.set_topic(conversation_id, str(topic)))
