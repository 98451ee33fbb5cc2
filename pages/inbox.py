"""The staff inbox: /inbox and /inbox/{id}, three panes on desktop, one at a time on a phone."""
from __future__ import annotations

import contextlib

from fastapi.responses import RedirectResponse
from nicegui import app, ui
from nicegui.events import KeyEventArguments

from components.badges import aria
from components.clock import ViewerClock
from components.conversation_actions import ConversationActions
from components.conversation_list import ConversationList
from components.keyboard_help import keyboard_help
from components.language_menu import language_menu
from components.mention_badge import MentionBadge
from components.notifier import Notifier
from components.permission_help import why_not
from components.profile_panel import ProfilePanel
from components.thread import Thread
from pages.staff_auth import no_chat_permission_notice, signed_in_staff
from services import conversations
from services import store as store_service
from services.i18n import _
from services.inbox_commands import InboxCommands
from services.inbox_reads import InboxReads
from services.note_commands import NoteCommands
from services.permissions import Permission, has
from services.reply_commands import ReplyCommands
from services.runtime import Runtime
from services.share_commands import ShareCommands
from services.staff import Staff
from services.typing_commands import TypingCommands
from services.views import MessageView

# Quasar's `.hidden` is !important and beats Tailwind's md:block, so the responsive panes use our own classes.
PANE_CSS = '''
/* Rows scrolled out of view are not laid out or painted, and a row's change stays inside the row: with hundreds of
   conversations changing every second the browser otherwise relaid and repainted the whole list each time. */
.conversation-row { content-visibility: auto; contain-intrinsic-size: auto 88px; contain: layout paint style; }
@media (max-width: 767px) { .phone-hidden { display: none !important; } }
@media (max-width: 1023px) { .profile-pane { display: none !important; } }
@media (min-width: 600px) { .phone-only { display: none !important; } }
@media (min-width: 768px) { .single-pane-only { display: none !important; } }
@media (max-width: 599px) { .wide-only { display: none !important; } }
'''
LIST_PANE = 'w-full md:w-[340px] md:shrink-0 border-r border-stone-200 bg-white h-full'
THREAD_PANE = 'grow min-w-0 h-full'
PROFILE_PANE = 'profile-pane flex w-[300px] shrink-0 border-l border-stone-200 bg-white h-full overflow-y-auto'


def install_inbox_pages(runtime: Runtime) -> None:
    @ui.page('/')
    def home() -> RedirectResponse:
        return RedirectResponse('/inbox')

    @ui.page('/inbox', title=_('Inbox'))
    @ui.page('/inbox/{conversation_id}', title=_('Inbox'))
    async def inbox_page(conversation_id: int | None = None) -> RedirectResponse | None:
        staff = await signed_in_staff(runtime, '/inbox' if conversation_id is None else f'/inbox/{conversation_id}')
        if isinstance(staff, RedirectResponse):
            return staff
        assert staff.id is not None
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
        commands = InboxCommands(runtime, staff_id=staff.id)
        note_commands = NoteCommands(runtime, staff_id=staff.id)
        reads = InboxReads(runtime)

        ui.add_css(PANE_CSS)
        ui.page_title(_('Inbox'))
        ui.query('body').classes('bg-stone-100')
        ui.query('.nicegui-content').classes('p-0 gap-0')
        clock = ViewerClock(app.storage.user.get('timezone', 'UTC'))

        with ui.header().classes('h-14 px-4 items-center gap-3 bg-white text-stone-900 border-b border-stone-200'):
            ui.icon('forum', size='26px').classes('text-indigo-700')
            ui.label(_('Inbox')).classes('text-lg font-bold')
            ui.label(store.name).classes('text-sm text-stone-500 wide-only')
            ui.space()
            unread_badge = ui.label('').classes(
                'text-xs font-semibold rounded-full bg-indigo-600 text-white px-2 py-0.5').mark('unread-count')
            unread_badge.props['aria-label'] = _('Unread conversations')
            mention_slot = ui.element('div')
            ui.label(staff.name).classes('text-sm text-stone-700 wide-only')
            notifications_menu = ui.button(icon='notifications_none').props('flat round dense').mark('notify-menu')
            aria(notifications_menu, _('Notifications')).tooltip(_('Notifications'))
            aria(ui.button(icon='sell', on_click=lambda: ui.navigate.to('/discounts')).props('flat round dense'),
                 _('Discount codes')).tooltip(_('Discount codes'))
            if has(staff, Permission.SEE_REPORTS):
                aria(ui.button(icon='insights', on_click=lambda: ui.navigate.to('/reports')).props(
                    'flat round dense').mark('reports-link'), _('Reports')).tooltip(_('Reports'))
            else:
                why_not(_("Why can't I see reports?"), Permission.SEE_REPORTS, mark='why-not-reports')
            aria(ui.button(icon='quickreply', on_click=lambda: ui.navigate.to('/saved-replies')).props(
                'flat round dense'), _('Saved replies')).tooltip(_('Saved replies'))
            if has(staff, Permission.MANAGE_REPLIES):
                aria(ui.button(icon='schedule', on_click=lambda: ui.navigate.to('/availability')).props(
                    'flat round dense').mark('availability-link'), _('Availability')).tooltip(_('Availability'))
            aria(ui.button(icon='keyboard', on_click=lambda: shortcuts.open()).props('flat round dense').classes(
                'wide-only'),
                 _('Keyboard shortcuts')).tooltip(_('Keyboard shortcuts (?)'))
            language_menu(commands)
            aria(ui.button(icon='account_circle', on_click=lambda: ui.navigate.to('/account')).props(
                'flat round dense').mark('account-link'), _('Your account')).tooltip(_('Your account'))
            if has(staff, Permission.MANAGE_STAFF):
                aria(ui.button(icon='group', on_click=lambda: ui.navigate.to('/staff')).props(
                    'flat round dense').mark('staff-link'), _('Staff')).tooltip(_('Staff'))
            else:
                why_not(_("Why can't I manage staff?"), Permission.MANAGE_STAFF, mark='why-not-staff')
            if staff.is_owner:
                aria(ui.button(icon='settings', on_click=lambda: ui.navigate.to('/settings')).props(
                    'flat round dense').mark('settings-link'), _('Settings')).tooltip(_('Settings'))
            aria(ui.button(icon='logout', on_click=lambda: ui.navigate.to('/logout')).props('flat round dense'),
                 _('Sign out')).tooltip(_('Sign out'))

        if not has(staff, Permission.REPLY):
            no_chat_permission_notice()
            return None

        shown_unread: list[int | None] = [None]

        def show_unread(count: int) -> None:
            if count == shown_unread[0]:
                return
            shown_unread[0] = count
            label = conversations.count_label(count)  # "999+" beyond the counting cap
            unread_badge.set_text(label)
            unread_badge.set_visibility(count > 0)
            ui.page_title(f'({label}) {_("Inbox")}' if count else _('Inbox'))

        with ui.row().classes('w-full h-[calc(100vh-56px)] gap-0 no-wrap'):
            list_pane = ui.element('div').classes(LIST_PANE)
            thread_pane = ui.element('div').classes(THREAD_PANE)
            profile_pane = ui.element('div').classes(PROFILE_PANE)

        def show_pane(which: str) -> None:
            """On a phone only one pane is visible: the list or the open thread."""
            hidden_on_phone = 'phone-hidden'
            (list_pane if which == 'thread' else thread_pane).classes(add=hidden_on_phone)
            (thread_pane if which == 'thread' else list_pane).classes(remove=hidden_on_phone)

        async def open_conversation(cid: int) -> None:
            if await thread.open(cid):
                ui.navigate.history.push(f'/inbox/{cid}')
                show_pane('thread')
                if thread.row is not None:
                    await profile.show(thread.row)

        async def back_to_list() -> None:
            show_pane('list')

        actions = ConversationActions(commands=commands, reads=reads)
        with list_pane:
            conversation_list = ConversationList(reads, clock=clock, staff_id=staff.id, selected_id=conversation_id,
                                                 on_select=open_conversation, on_toggle_status=actions.toggle_status,
                                                 on_assign=actions.assign, on_block=actions.toggle_block)
        conversation_list.on_counts_changed = show_unread
        with thread_pane:
            thread = Thread(commands=commands, shares=ShareCommands(runtime, staff_id=staff.id), reads=reads,
                            clock=clock, on_back=back_to_list, actions=actions, share_kinds=share_kinds(staff),
                            replies=ReplyCommands(runtime, staff_id=staff.id), notes=note_commands,
                            typing=TypingCommands(runtime, staff_id=staff.id))
        with profile_pane:
            profile = ProfilePanel(commands=commands, reads=reads, clock=clock)

        async def on_message(view: MessageView) -> None:
            await thread.message_arrived(view)

        def on_presence(cid: int, online: bool) -> None:
            conversation_list.presence_changed(cid, online)
            thread.presence_changed(cid, online)

        runtime.bus.message_created.subscribe(on_message)
        runtime.bus.message_updated.subscribe(thread.message_updated)
        runtime.bus.conversation_changed.subscribe(conversation_list.conversation_changed)

        async def on_conversation_changed(cid: int) -> None:
            if thread.row is not None and thread.row.id == cid:
                await thread.refresh_header()
                await profile.refresh()

        runtime.bus.conversation_changed.subscribe(on_conversation_changed)
        notifier = Notifier(reads, staff_id=staff.id, scope=staff.notify_scope, sound=staff.notify_sound,
                            open_conversation_id=lambda: thread.row.id if thread.row else None,
                            known_row=conversation_list.known_row)
        runtime.bus.message_created.subscribe(notifier.message_created)
        with mention_slot:
            mentions = MentionBadge(note_commands, on_click=conversation_list.show_mentioned)
        runtime.bus.message_created.subscribe(mentions.message_created)
        runtime.bus.mentions_seen.subscribe(mentions.mentions_seen)
        with notifications_menu, ui.menu().props('anchor="bottom right" self="top right"'), \
                ui.column().classes('p-4 gap-2 w-72'):
            ui.label(_('Notifications')).classes('font-semibold')
            ui.button(_('Allow desktop notifications'), icon='notifications_active').props(
                'flat no-caps dense color=indigo-8').on(
                'click', js_handler='() => { if ("Notification" in window) Notification.requestPermission(); }')
            scope = ui.radio({'all': _('All conversations'), 'assigned': _('Only conversations assigned to me')},
                             value=staff.notify_scope).props('dense').mark('notify-scope')
            sound = ui.switch(_('Play a sound'), value=staff.notify_sound).mark('notify-sound')

            async def save_preferences() -> None:
                saved = await commands.save_notification_preferences(scope=str(scope.value), sound=bool(sound.value))
                notifier.scope, notifier.sound = saved.notify_scope, saved.notify_sound

            scope.on_value_change(save_preferences)
            sound.on_value_change(save_preferences)

        shortcuts = keyboard_help()

        async def on_key(event: KeyEventArguments) -> None:
            if not event.action.keydown or event.modifiers.ctrl or event.modifiers.meta or event.modifiers.alt:
                return
            key = str(event.key.name)
            current = thread.row.id if thread.row is not None else None
            if key in ('j', 'k'):
                conversation_list.move_focus(1 if key == 'j' else -1)
            elif key == 'Enter' and conversation_list.focused_id is not None:
                await conversation_list.select(conversation_list.focused_id)
            elif key == '/':
                conversation_list.focus_search()
            elif key == '?':
                shortcuts.open()
            elif current is not None and key == 'e':
                await actions.toggle_status(current)
            elif current is not None and key == 'a':
                await actions.assign(current)
            elif current is not None and key == 'u':
                await actions.mark_unread(current)

        ui.keyboard(on_key=on_key, ignore=['input', 'select', 'button', 'textarea'])
        runtime.bus.presence_changed.subscribe(on_presence)
        runtime.bus.typing_changed.subscribe(thread.typing_changed)
        runtime.bus.typing_changed.subscribe(conversation_list.typing_changed)

        async def on_cart(cid: int) -> None:
            await thread.cart_changed(cid)
            if profile.row is not None and profile.row.id == cid:
                await profile.refresh()

        runtime.bus.cart_changed.subscribe(on_cart)

        await conversation_list.reload()
        await mentions.refresh()
        if conversation_id is not None and await thread.open(conversation_id):
            show_pane('thread')
            if thread.row is not None:
                await profile.show(thread.row)
        else:
            show_pane('list')

        first_connect = True

        async def handle_connect() -> None:
            """Learn the viewer's time zone once; after a reconnect re-read what may have been missed."""
            nonlocal first_connect
            if first_connect:
                first_connect = False
                if 'timezone' not in app.storage.user:
                    with contextlib.suppress(TimeoutError):
                        zone = await ui.run_javascript('Intl.DateTimeFormat().resolvedOptions().timeZone', timeout=3)
                        if isinstance(zone, str) and len(zone) < 64:
                            app.storage.user['timezone'] = zone
                            clock.set_zone(zone)
                            conversation_list.rerender()
                return
            await conversation_list.refresh()
            await mentions.refresh()
            if thread.row is not None:
                await thread.open(thread.row.id)

        ui.context.client.on_connect(handle_connect)
        return None


def share_kinds(staff: Staff) -> frozenset[str]:
    """The composer's share buttons this member may use: sharing products and discount codes are permissions."""
    kinds = {'image'}
    if has(staff, Permission.SHARE_PRODUCTS):
        kinds.add('products')
    if has(staff, Permission.SHARE_DISCOUNTS):
        kinds.add('discount')
    return frozenset(kinds)
