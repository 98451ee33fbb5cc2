"""/settings/webhooks (W1): add an endpoint (its secret is shown once), see each endpoint's status and delivery log,
send a test event, pause, resume or remove it. For the owner and members with "Manage staff"; services/webhooks.py
checks it again for every action."""
from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from components.clock import ViewerClock
from pages.account import page_header
from pages.staff_auth import signed_in_staff
from services.errors import ServiceError
from services.i18n import N_, _
from services.permissions import Permission, has, refusal
from services.runtime import Runtime
from services.webhook_commands import WebhookCommands
from services.webhooks import EVENT_TYPES, DeliveryView, EndpointView

STATUS_LABELS = {'pending': N_('Pending'), 'delivered': N_('Delivered'), 'failed': N_('Failed, retrying'),
                 'given_up': N_('Given up')}
STATUS_CLASSES = {'pending': 'text-stone-600', 'delivered': 'text-green-800', 'failed': 'text-amber-800',
                  'given_up': 'text-red-700'}
REFRESH_SECONDS = 3.0


def status_label(status: str | None) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else _('Nothing sent yet')


def install_webhook_pages(runtime: Runtime) -> None:
    @ui.page('/settings/webhooks', title=_('Webhooks · Inbox'))
    async def webhooks_page() -> RedirectResponse | None:
        me = await signed_in_staff(runtime, '/settings/webhooks')
        if isinstance(me, RedirectResponse):
            return me
        assert me.id is not None
        commands = WebhookCommands(runtime, staff_id=me.id)
        clock = ViewerClock('UTC')
        ui.page_title(_('Webhooks · Inbox'))
        ui.query('body').classes('bg-stone-100')
        page_header(_('Webhooks'))
        body = ui.column().classes('w-full max-w-3xl mx-auto p-4 gap-4')
        if not has(me, Permission.MANAGE_STAFF):
            with body, ui.column().classes('w-full items-center text-center gap-2 pt-16'):
                ui.icon('lock', size='48px').classes('text-stone-400')
                ui.label(refusal(Permission.MANAGE_STAFF)).classes('text-lg font-semibold').mark('webhooks-refused')
            return None

        async def run(action: object) -> bool:
            try:
                await action  # type: ignore[misc]
            except ServiceError as failure:
                ui.notify(failure.message, type='negative')
                return False
            return True

        with body, ui.card().classes('w-full p-6 gap-3 rounded-xl').mark('webhook-add'):
            ui.label(_('Add an endpoint')).classes('text-base font-semibold')
            ui.label(_('The inbox POSTs each chosen event as JSON to this address, signed with the endpoint\'s '
                       'secret (see "Integrations" in the README), and retries for 24 hours until it answers 2xx.')
                     ).classes('text-sm text-stone-700')
            url = ui.input(_('Endpoint address'), placeholder='https://example.com/inbox-events').props(
                'outlined dense maxlength=500 type=url').classes('w-full').mark('webhook-url')
            ui.label(_('Events')).classes('text-sm font-semibold pt-1')
            with ui.row().classes('w-full gap-x-4 gap-y-0'):
                boxes = {event: ui.checkbox(event, value=event != 'rating.created').classes('font-mono text-sm')
                         .mark(f'webhook-event-{event}') for event in EVENT_TYPES}
            ui.label(_('rating.created is sent once ratings exist.')).classes('text-xs text-stone-500')
            private = ui.checkbox(_('Allow an address on the shop\'s own network (local or private)')).mark(
                'webhook-allow-private')
            error = ui.label('').classes('text-sm text-red-700').mark('webhook-error')
            secret_box = ui.column().classes('w-full gap-2')

            async def add() -> None:
                error.set_text('')
                secret_box.clear()
                button.props('loading')
                try:
                    created = await commands.add(url=url.value or '', allow_private=bool(private.value),
                                                 events=[event for event, box in boxes.items() if box.value])
                except ServiceError as failure:
                    error.set_text(failure.message)
                    return
                finally:
                    button.props(remove='loading')
                url.value = ''
                with secret_box, ui.column().classes('w-full gap-2 bg-amber-50 rounded-lg p-3').mark('webhook-secret'):
                    ui.label(_('Signing secret of {url}: copy it now, it is not shown again.',
                               url=created.endpoint.url)).classes('text-sm font-semibold text-amber-900 break-all')
                    with ui.row().classes('items-center gap-2 w-full no-wrap'):
                        ui.label(created.secret).classes('grow font-mono text-sm break-all').mark(
                            'webhook-secret-value')
                        ui.button(icon='content_copy', on_click=lambda: ui.clipboard.write(created.secret)).props(
                            f'flat round dense aria-label="{_("Copy")}"').tooltip(_('Copy'))
                await endpoint_list.refresh()

            button = ui.button(_('Add endpoint'), icon='add', on_click=add).props(
                'unelevated no-caps color=indigo-8').mark('webhook-add-button')
            url.on('keydown.enter', add)

        shown: dict[str, object] = {}

        async def read() -> tuple[list[EndpointView], dict[int, list[DeliveryView]]]:
            endpoints = await commands.endpoints()
            return endpoints, {endpoint.id: await commands.log(endpoint.id) for endpoint in endpoints}

        @ui.refreshable
        async def endpoint_list() -> None:
            try:
                endpoints, logs = await read()
            except ServiceError as failure:
                ui.label(failure.message).classes('text-red-700')
                return
            shown['data'] = (endpoints, logs)
            if not endpoints:
                with ui.card().classes('w-full p-6 rounded-xl items-center text-center gap-1').mark('webhooks-empty'):
                    ui.icon('webhook', size='40px').classes('text-stone-400')
                    ui.label(_('No endpoints yet.')).classes('font-semibold')
                    ui.label(_('Add one above to send the shop\'s events to another system.')).classes(
                        'text-sm text-stone-600')
                return
            for endpoint in endpoints:
                endpoint_card(endpoint, logs[endpoint.id])

        def endpoint_card(endpoint: EndpointView, log: list[DeliveryView]) -> None:
            with ui.card().classes('w-full p-5 gap-2 rounded-xl').mark(f'webhook-endpoint-{endpoint.id}'):
                with ui.row().classes('w-full items-center gap-2 no-wrap'):
                    ui.icon('webhook').classes('text-indigo-800')
                    ui.label(endpoint.url).classes('grow font-mono text-sm break-all font-semibold')
                    ui.label(_('Active') if endpoint.active else _('Paused')).classes(
                        'text-xs rounded px-2 py-0.5 ' + ('bg-green-100 text-green-900' if endpoint.active
                                                          else 'bg-stone-200 text-stone-700'))
                ui.label(', '.join(endpoint.events)).classes('text-xs font-mono text-stone-600')
                summary = status_label(endpoint.last_status)
                if endpoint.last_status_code is not None:
                    summary += ' · ' + _('answer {code}', code=endpoint.last_status_code)
                if endpoint.waiting:
                    summary += ' · ' + _('{n} waiting', n=endpoint.waiting)
                ui.label(_('Last delivery: {summary}', summary=summary)).classes(
                    'text-sm ' + STATUS_CLASSES.get(endpoint.last_status or '', 'text-stone-600'))
                with ui.row().classes('gap-2'):
                    ui.button(_('Send test'), icon='send',
                              on_click=lambda e=endpoint: send_ping(e)).props(
                        'outline dense no-caps color=indigo-8').mark(f'webhook-test-{endpoint.id}')
                    ui.button(_('Pause') if endpoint.active else _('Resume'),
                              icon='pause' if endpoint.active else 'play_arrow',
                              on_click=lambda e=endpoint: toggle(e)).props('outline dense no-caps color=stone-7')
                    ui.button(_('Remove'), icon='delete', on_click=lambda e=endpoint: confirm_remove(e)).props(
                        'outline dense no-caps color=red-8').mark(f'webhook-remove-{endpoint.id}')
                if not log:
                    ui.label(_('No deliveries yet.')).classes('text-sm text-stone-500')
                    return
                columns = [{'name': 'type', 'label': _('Event'), 'field': 'type', 'align': 'left'},
                           {'name': 'status', 'label': _('Status'), 'field': 'status', 'align': 'left'},
                           {'name': 'code', 'label': _('Answer'), 'field': 'code', 'align': 'left'},
                           {'name': 'attempts', 'label': _('Attempts'), 'field': 'attempts', 'align': 'right'},
                           {'name': 'time', 'label': _('Time'), 'field': 'time', 'align': 'left'}]
                rows = [{'id': item.id, 'type': item.type, 'status': status_label(item.status),
                         'code': str(item.last_status_code) if item.last_status_code is not None
                         else (item.last_error or '–'), 'attempts': item.attempts,
                         'time': clock.date_and_time(item.delivered_at or item.created_at) + ' UTC'} for item in log]
                ui.table(columns=columns, rows=rows, row_key='id').props('dense flat').classes(
                    'w-full text-sm').mark(f'webhook-log-{endpoint.id}')

        async def send_ping(endpoint: EndpointView) -> None:
            if await run(commands.send_test(endpoint.id)):
                ui.notify(_('Test event queued for {url}', url=endpoint.url), type='positive')
                await endpoint_list.refresh()

        async def toggle(endpoint: EndpointView) -> None:
            if await run(commands.set_active(endpoint.id, active=not endpoint.active)):
                await endpoint_list.refresh()

        async def confirm_remove(endpoint: EndpointView) -> None:
            with body, ui.dialog() as dialog, ui.card().classes('p-6 gap-3'):  # not in the card the refresh replaces
                ui.label(_('Remove {url}?', url=endpoint.url)).classes('font-semibold break-all')
                ui.label(_('Its delivery log goes too, and events still waiting are not sent.')).classes(
                    'text-sm text-stone-600')
                with ui.row().classes('justify-end w-full gap-2'):
                    ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps')
                    ui.button(_('Remove'), on_click=lambda: dialog.submit(True)).props(
                        'unelevated no-caps color=red-8').mark('webhook-remove-confirm')
            if await dialog and await run(commands.remove(endpoint.id)):
                ui.notify(_('Endpoint removed'), type='positive')
                await endpoint_list.refresh()
            dialog.delete()

        async def refresh_when_changed() -> None:
            try:
                data = await read()
            except ServiceError:
                return
            if data != shown.get('data'):
                await endpoint_list.refresh()

        with body:
            ui.label(_('Endpoints')).classes('text-base font-semibold pt-2')
            await endpoint_list()
        ui.timer(REFRESH_SECONDS, refresh_when_changed)
        return None
