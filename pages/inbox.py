"""The staff inbox: /inbox and /inbox/{id}, three panes on desktop, one at a time on a phone."""
from __future__ import annotations

import contextlib

from fastapi.responses import RedirectResponse
from nicegui import app, ui

from components.clock import ViewerClock
from components.conversation_list import ConversationList
from components.profile_panel import ProfilePanel
from components.thread import Thread, aria
from pages.staff_auth import no_chat_permission_notice, signed_in_staff
from services import store as store_service
from services.i18n import _
from services.runtime import Runtime
from services.views import MessageView

# Quasar's `.hidden` is !important and beats Tailwind's md:block, so the responsive panes use our own classes.
PANE_CSS = '''
@media (max-width: 767px) { .phone-hidden { display: none !important; } }
@media (max-width: 1023px) { .profile-pane { display: none !important; } }
@media (min-width: 768px) { .phone-only { display: none !important; } }
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

        ui.add_css(PANE_CSS)
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
            ui.label(staff.name).classes('text-sm text-stone-700 wide-only')
            aria(ui.button(icon='logout', on_click=lambda: ui.navigate.to('/logout')).props('flat round dense'),
                 _('Sign out')).tooltip(_('Sign out'))

        if not staff.can_chat:
            no_chat_permission_notice()
            return None

        def show_unread(count: int) -> None:
            unread_badge.set_text(str(count))
            unread_badge.set_visibility(count > 0)
            ui.page_title(f'({count}) {_("Inbox")}' if count else _('Inbox'))

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

        with list_pane:
            conversation_list = ConversationList(runtime, clock=clock, selected_id=conversation_id,
                                                 on_select=open_conversation)
        conversation_list.on_counts_changed = show_unread
        with thread_pane:
            thread = Thread(runtime, clock=clock, staff_id=staff.id, on_back=back_to_list)
        with profile_pane:
            profile = ProfilePanel(runtime, clock=clock, staff_id=staff.id)

        async def on_message(view: MessageView) -> None:
            await thread.message_arrived(view)

        def on_presence(cid: int, online: bool) -> None:
            conversation_list.presence_changed(cid, online)
            thread.presence_changed(cid, online)

        runtime.bus.message_created.subscribe(on_message)
        runtime.bus.conversation_changed.subscribe(conversation_list.conversation_changed)
        runtime.bus.presence_changed.subscribe(on_presence)

        async def on_cart(cid: int) -> None:
            await thread.cart_changed(cid)
            if profile.row is not None and profile.row.id == cid:
                await profile.refresh()

        runtime.bus.cart_changed.subscribe(on_cart)

        await conversation_list.reload()
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
            await conversation_list.reload()
            if thread.row is not None:
                await thread.open(thread.row.id)

        ui.context.client.on_connect(handle_connect)
        return None
