"""Assembly: one function wires the database, services, pages, API and background work onto NiceGUI's app."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from nicegui import app, background_tasks, ui
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.heap import freeze_startup_heap
from app.listeners import wire_listeners
from app.settings import Settings
from db.engine import is_sqlite, open_database
from pages.account import install_account_pages
from pages.api import install_api
from pages.audit_log import install_audit_log_page
from pages.availability import install_availability_page
from pages.customer import install_customer_pages
from pages.customers import install_customer_pages_for_staff
from pages.discounts import install_discount_pages
from pages.inbox import install_inbox_pages
from pages.instant_answers import install_instant_answer_pages
from pages.language import install_language
from pages.login import install_login_pages
from pages.media import install_media
from pages.product_pictures import install_product_pictures
from pages.rating_page import install_rating_page
from pages.reports import install_report_pages
from pages.saved_replies import install_saved_reply_pages
from pages.settings import install_settings_pages
from pages.staff import install_staff_pages
from pages.store import install_store_pages
from pages.store_settings import install_store_settings_page
from pages.styles import install_styles
from pages.upload_limit import UploadSizeLimit
from pages.webhooks import install_webhook_pages
from services import messages, topic_training
from services.daily_jobs import run_daily_forever
from services.event_relay import PostgresEventRelay
from services.mail.config import resolve_mail_config
from services.mail.outbox import OutboxWake, run_outbox_forever
from services.mail.smtp_receiver import start_smtp_receiver
from services.mail.transport import transport_for
from services.privacy_commands import erasure_files
from services.runtime import Runtime, ServiceConfig
from services.views import MessageView

log = logging.getLogger('inbox')
WS_MAX_BYTES = 1024 * 1024
"""The largest WebSocket message the server reads (uvicorn's default is 16 MiB): staff pages' events are small and
shoppers only send pings (pages/api/chat.py caps theirs at 1 KiB)."""


def service_config(settings: Settings) -> ServiceConfig:
    return ServiceConfig(
        presence_grace_seconds=settings.presence_grace_seconds,
        topic_threshold=settings.topic_threshold,
        message_rate_limit=settings.message_rate_limit,
        message_rate_window_seconds=settings.message_rate_window_seconds,
        address_rate_limit=settings.address_rate_limit,
        session_rate_limit=settings.session_rate_limit,
        login_max_failures=settings.login_max_failures,
        staff_idle_seconds=settings.staff_idle_hours * 3600,
        shopper_token_lifetime=timedelta(days=settings.shopper_token_days),
        public_url=settings.effective_public_url,
        uploads_dir=settings.uploads_dir,
        topic_model_path=settings.effective_topic_model_path,
        mail=resolve_mail_config(
            public_url=settings.effective_public_url, smtp_host=settings.smtp_host, smtp_port=settings.smtp_port,
            smtp_username=settings.smtp_username, smtp_password=settings.smtp_password, smtp_tls=settings.smtp_tls,
            mail_from=settings.mail_from, mail_reply_domain=settings.mail_reply_domain,
            max_attempts=settings.mail_max_attempts, mail_dir=settings.mail_dir,
            smtp_inbound_port=settings.smtp_inbound_port, inbound_secret=settings.inbound_secret,
            link_secret=settings.secret),
    )


async def sweep_presence_forever(runtime: Runtime) -> None:
    while True:
        await asyncio.sleep(runtime.presence.sweep_interval)
        try:
            async with runtime.db.sessions() as db:
                await runtime.presence.sweep(db)
        except PoolTimeout:  # a burst holds every connection (the API answers it 503 busy): the next round sweeps
            log.warning('presence sweep skipped: no database connection was free')
        except Exception:  # keep sweeping; one bad round must not end presence for good
            log.exception('presence sweep failed')


async def expire_typing_forever(runtime: Runtime) -> None:
    """R3: "typing…" ends 4 s after the last frame even when no `typing: false` comes (a closed tab)."""
    while True:
        await asyncio.sleep(0.5)
        runtime.typing.expire()


def build(settings: Settings, *, freeze_heap_after_start: bool = False) -> Runtime:
    """Register everything on NiceGUI's app. Safe to call again after NiceGUI's globals were reset (tests).

    `serve` freezes the start-up heap (app/heap.py); tests, which build many apps in one process, do not."""
    settings.prepare_data_dir()
    runtime = Runtime(db=open_database(settings.effective_database_url), config=service_config(settings))
    install_language(app)  # _() speaks the viewer's language: NiceGUI client's, else the request's Accept-Language
    sockets = install_api(app, runtime)
    install_styles()  # compiled Tailwind; `serve` turns NiceGUI's in-browser Tailwind off
    outbox_wake = OutboxWake()
    wire_listeners(runtime, sockets=sockets, outbox=outbox_wake)
    install_customer_pages(app, runtime)
    install_rating_page(app, runtime)
    install_store_pages(app, runtime)
    install_media(app, runtime)
    install_product_pictures(app, runtime)  # the demo store's product pictures, public
    app.add_middleware(UploadSizeLimit)  # staff image uploads: the cap holds on the server too
    tickets = install_login_pages(runtime)
    install_account_pages(runtime, tickets)
    install_staff_pages(runtime)
    install_store_settings_page(runtime)
    install_inbox_pages(runtime)
    install_customer_pages_for_staff(runtime)
    install_discount_pages(runtime)
    install_report_pages(runtime)
    install_saved_reply_pages(runtime)
    install_availability_page(runtime)
    install_instant_answer_pages(runtime)
    install_settings_pages(runtime)
    install_webhook_pages(runtime)
    install_audit_log_page(runtime)
    smtp_servers: list[asyncio.AbstractServer] = []
    relays: list[PostgresEventRelay] = []

    async def load_views(message_ids: Sequence[int]) -> dict[int, MessageView]:
        async with runtime.db.sessions() as db:
            return await messages.load_views(db, message_ids)

    async def start_event_relay() -> None:
        """Several processes on one PostgreSQL database see each other's events (services/event_relay.py)."""
        if not is_sqlite(runtime.db.url):
            relay = PostgresEventRelay(database_url=runtime.db.url, bus=runtime.bus, load_views=load_views)
            await relay.start()
            relays.append(relay)

    async def stop_event_relay() -> None:
        for relay in relays:
            await relay.stop()

    async def start_tagger_then_freeze() -> None:
        await runtime.tagger.start(train_if_missing=settings.topic_autotrain)
        if freeze_heap_after_start:
            freeze_startup_heap()  # the model is the last large thing start-up makes

    async def startup() -> None:
        await start_event_relay()
        background_tasks.create(sweep_presence_forever(runtime), name='presence-sweeper')
        background_tasks.create(expire_typing_forever(runtime), name='typing-expiry')
        background_tasks.create(start_tagger_then_freeze(), name='topic-model')
        if settings.topic_retrain_corrections:
            background_tasks.create(topic_training.retrain_forever(
                database=runtime.db, model_path=runtime.config.topic_model_path,
                threshold=runtime.config.topic_threshold, min_corrections=settings.topic_retrain_corrections,
                min_hours=settings.topic_retrain_hours), name='topic-retrain')
        background_tasks.create(run_outbox_forever(runtime, transport_for(runtime.config.mail), outbox_wake),
                                name='mail-outbox')
        background_tasks.create(runtime.message_events.run_forever(), name='webhook-events')
        background_tasks.create(runtime.webhook_sender.run_forever(), name='webhook-sender')
        background_tasks.create(run_daily_forever(runtime.db, files=erasure_files(runtime), bus=runtime.bus),
                                name='privacy-daily')
        if settings.smtp_inbound_port:
            smtp_servers.append(await start_smtp_receiver(runtime, host=settings.host, port=settings.smtp_inbound_port))

    async def close_smtp() -> None:
        for server in smtp_servers:
            server.close()

    app.on_startup(startup)
    app.on_shutdown(close_smtp)
    app.on_shutdown(stop_event_relay)
    app.on_shutdown(runtime.db.dispose)
    app.on_shutdown(runtime.message_store.close)
    app.on_shutdown(runtime.list_reader.close)
    app.on_shutdown(runtime.mail_reader.close)
    return runtime


def serve(settings: Settings) -> None:
    build(settings, freeze_heap_after_start=True)
    ui.run(host=settings.host, port=settings.port, title='Inbox', storage_secret=settings.secret, reload=False,
           show=False, show_welcome_message=False, favicon='💬', reconnect_timeout=10, tailwind=False,
           ws_max_size=WS_MAX_BYTES, session_middleware_kwargs=session_cookie(settings))


def session_cookie(settings: Settings) -> dict[str, object]:
    """The staff session cookie: sent only over HTTPS when the inbox is served over HTTPS, never to other sites'
    requests (SameSite=Lax), and gone when the browser closes only if the browser says so (max_age: 14 days)."""
    return {'https_only': settings.effective_public_url.startswith('https://'), 'same_site': 'lax',
            'max_age': 14 * 24 * 3600}
