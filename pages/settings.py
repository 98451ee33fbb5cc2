"""/settings: the owner sees the effective mail settings, whether mail really goes out, and sends a test e-mail."""
from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from components.topic_model_card import TopicModelCard
from pages.staff_auth import signed_in_staff
from services import store as store_service
from services.errors import ServiceError
from services.i18n import _
from services.mail.outbox import outbox_counts
from services.mail.status import mail_settings_rows, send_test_email
from services.mail.transport import MailError, transport_for
from services.runtime import Runtime
from services.staff import get_active_staff
from services.topic_training import TopicModelCommands


def install_settings_pages(runtime: Runtime) -> None:
    @ui.page('/settings', title=_('Settings · Inbox'))
    async def settings_page() -> RedirectResponse | None:
        staff = await signed_in_staff(runtime, '/settings')
        if isinstance(staff, RedirectResponse):
            return staff
        mail = runtime.config.mail
        ui.page_title(_('Settings · Inbox'))
        ui.query('body').classes('bg-stone-100')
        with ui.header().classes('h-14 px-4 items-center gap-3 bg-white text-stone-900 border-b border-stone-200'):
            ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/inbox')).props(
                f'flat round dense aria-label="{_("Back to the inbox")}"')
            ui.label(_('Settings')).classes('text-lg font-semibold')
        body = ui.column().classes('w-full max-w-2xl mx-auto p-4 gap-4')
        if not staff.is_owner:
            with body, ui.column().classes('w-full items-center text-center gap-2 pt-16'):
                ui.icon('lock', size='48px').classes('text-stone-400')
                ui.label(_('Only the store owner can see the settings.')).classes('text-lg font-semibold').mark(
                    'settings-owner-only')
                ui.label(_('Ask the store owner if something needs to change.')).classes('text-stone-600')
            return None

        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            counts = await outbox_counts(db=db)
        transport = transport_for(mail)

        with body, ui.card().classes('w-full p-6 gap-3 rounded-xl'):
            ui.label(_('E-mail')).classes('text-base font-semibold')
            if transport.sends_mail:
                with ui.row().classes('items-center gap-2 text-green-900 bg-green-50 rounded-lg px-3 py-2 no-wrap'):
                    ui.icon('mark_email_read')
                    ui.label(_('Replies to offline customers are sent through {server}.',
                               server=transport.describe())).mark('mail-mode')
            else:
                with ui.row().classes('items-center gap-2 text-amber-900 bg-amber-50 rounded-lg px-3 py-2 no-wrap'):
                    ui.icon('warning')
                    ui.label(_('Mail is not being sent: no mail server is configured. Replies to offline customers '
                               'are saved as .eml files in {folder}. Set INBOX_SMTP_HOST (and the other '
                               'INBOX_SMTP_* settings) to send them.', folder=str(mail.mail_dir))).mark('mail-mode')
            with ui.grid(columns='auto 1fr').classes('w-full gap-x-6 gap-y-1 text-sm').mark('mail-settings'):
                for label, value in mail_settings_rows(mail):
                    ui.label(label).classes('text-stone-500')
                    ui.label(value).classes('break-all')
            ui.label(_('Outbox: {pending} pending, {failed} retrying, {sent} sent, {given_up} not delivered',
                       **counts)).classes('text-sm text-stone-600').mark('outbox-counts')
            ui.label(_('These settings come from the INBOX_SMTP_* and INBOX_MAIL_* environment variables; change '
                       'them there and restart.')).classes('text-xs text-stone-500')

            result = ui.label('').classes('text-sm whitespace-pre-wrap break-all').mark('test-result')

            async def send_test() -> None:
                button.props('loading')
                result.classes(remove='text-green-800 text-red-700')
                result.set_text('')
                try:
                    async with runtime.db.sessions() as db:
                        actor = await get_active_staff(db=db, staff_id=staff.id)
                    answer = await send_test_email(actor=actor, transport=transport, mail=mail, store_name=store.name,
                                                   to_address=staff.email)
                except ServiceError as refused:  # no longer the owner, or deactivated, since the page opened
                    result.classes(add='text-red-700')
                    result.set_text(refused.message)
                    return
                except MailError as error:
                    result.classes(add='text-red-700')
                    result.set_text(_('The test e-mail to {to} failed: {error}', to=staff.email, error=str(error)))
                    return
                finally:
                    button.props(remove='loading')
                result.classes(add='text-green-800')
                result.set_text(_('Test e-mail to {to}: {answer}', to=staff.email, answer=answer))

            button = ui.button(_('Send test e-mail'), icon='send', on_click=send_test).props(
                'unelevated no-caps color=indigo-8').mark('send-test-email')
        with body:
            with ui.row().classes('gap-2'):
                ui.button(_('Store settings'), icon='storefront', on_click=lambda: ui.navigate.to('/settings/store')
                          ).props('outline no-caps color=indigo-8').mark('store-settings-link')
                ui.button(_('Instant answers'), icon='bolt', on_click=lambda: ui.navigate.to('/instant-answers')
                          ).props('outline no-caps color=indigo-8').mark('instant-answers-link')
                ui.button(_('Webhooks'), icon='webhook', on_click=lambda: ui.navigate.to('/settings/webhooks')
                          ).props('outline no-caps color=indigo-8').mark('webhooks-link')
                ui.button(_('Audit log'), icon='history', on_click=lambda: ui.navigate.to('/audit')
                          ).props('outline no-caps color=indigo-8').mark('audit-link')
            identity_card(store.identity_secret)
            await TopicModelCard(TopicModelCommands(runtime, staff_id=staff.id), zone=store.time_zone).build()
        return None


def identity_card(secret: str) -> ui.input:
    """V1: the secret a storefront uses to prove its signed-in customers' e-mail addresses, and how."""
    with ui.card().classes('w-full p-6 gap-3 rounded-xl').mark('identity-card'):
        ui.label(_('Verified shoppers')).classes('text-base font-semibold')
        ui.label(_('When your storefront knows who is signed in, it can prove their e-mail address to the chat: '
                   'send identity_hmac, the HMAC-SHA256 of the address in lower case keyed with this secret, when '
                   'the chat session starts. Shoppers proven this way see their earlier conversations; others '
                   'can confirm their address with a code we e-mail them.')).classes('text-sm text-stone-700')
        with ui.row().classes('items-center gap-2 w-full no-wrap'):
            field = ui.input(_('Identity secret'), value=secret, password=True, password_toggle_button=True).props(
                'outlined dense readonly').classes('grow font-mono').mark('identity-secret')
            ui.button(icon='content_copy', on_click=lambda: ui.clipboard.write(field.value)).props(
                f'flat round dense aria-label="{_("Copy")}"').tooltip(_('Copy'))
        ui.label(_('Keep it on your server: anyone who has it can claim any address.')).classes(
            'text-xs text-amber-900')
        ui.label(_('Computing it on your server:')).classes('text-sm text-stone-600')
        ui.code(IDENTITY_EXAMPLE, language='python').classes('w-full text-xs')
    return field


IDENTITY_EXAMPLE = """import hashlib, hmac

def identity_hmac(secret: str, email: str) -> str:
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()

# POST /api/v1/chat/sessions  {"email": email, "identity_hmac": identity_hmac(SECRET, email)}"""
