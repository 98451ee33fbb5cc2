"""The staff side of C1 in NiceGUI's simulated user: live delivery labels, Retry, and the owner's /settings."""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from nicegui.testing import User
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Message, Staff
from services import store as store_service
from services.errors import PermissionDenied
from services.mail.config import resolve_mail_config
from services.mail.status import send_test_email
from services.mail.transport import FolderTransport
from services.permissions import Permission
from services.tokens import identity_matches
from tests.conftest import App, add_staff, sign_in
from tests.mail.conftest import SmtpSink, offline_shopper


async def open_offline_thread(app: App, user: User, *, email: str = 'sara@example.com', owner: bool = False) -> int:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=owner)
        session = await offline_shopper(db, email=email, bus=app.runtime.bus)
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see(marker='offline-notice')
    return session.conversation_id


async def send(user: User, text: str) -> None:
    user.find(marker='composer').type(text)
    user.find(marker='send').click()
    await user.should_see(text)


async def last_staff_message_id(app: App) -> int:
    async with app.runtime.db.sessions() as db:
        message_id = (await db.exec(select(Message.id).where(Message.author == 'staff')
                                    .order_by(col(Message.id).desc()))).first()
    assert message_id is not None
    return message_id


async def test_thread_shows_e_mailed_once_the_server_took_the_reply(app: App, user: User,
                                                                    smtp_sink: SmtpSink) -> None:
    await open_offline_thread(app, user)
    await send(user, 'We will e-mail you the tracking number.')
    await user.should_see('E-mailed', retries=100)
    assert len(smtp_sink.received) == 1
    assert 'We will e-mail you the tracking number.' in smtp_sink.received[0].raw.decode()
    await user.should_not_see('E-mail pending')


async def test_given_up_mail_shows_not_delivered_and_retry_sends_it(app: App, user: User,
                                                                    smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse.add('gone@example.com')  # 550: a permanent refusal gives up at once
    await open_offline_thread(app, user, email='gone@example.com')
    await send(user, 'Are you still there?')
    await user.should_see('E-mail not delivered', retries=100)
    message_id = await last_staff_message_id(app)
    assert smtp_sink.received == []

    smtp_sink.refuse.clear()  # the mailbox works again; staff retries
    user.find(marker=f'retry-{message_id}').click()
    await user.should_see('E-mailed', retries=100)
    await user.should_not_see(marker=f'retry-{message_id}')
    assert len(smtp_sink.received) == 1


@pytest.mark.mail_settings(smtp_host='')
async def test_without_a_mail_server_the_thread_says_saved_not_sent(app: App, user: User) -> None:
    await open_offline_thread(app, user)
    await send(user, 'Saved for later.')
    await user.should_see('Saved, not sent (no mail server)', retries=100)
    await user.should_not_see('E-mailed')
    files = list(app.settings.mail_dir.glob('*.eml'))
    assert len(files) == 1 and b'Saved for later.' in files[0].read_bytes()


async def test_owner_settings_show_the_mail_setup_and_send_a_real_test_mail(app: App, user: User,
                                                                             smtp_sink: SmtpSink) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
    await sign_in(user)
    await user.should_see(marker='settings-link')
    await user.open('/settings')
    await user.should_see(f'127.0.0.1:{smtp_sink.port}')
    await user.should_see('Replies to offline customers are sent through', marker='mail-mode')
    user.find(marker='send-test-email').click()
    await user.should_see('Test e-mail to ana@example.com: 2.0.0 Queued as sink-1', retries=100)
    assert smtp_sink.received[0].rcpt_tos == ['ana@example.com']


@pytest.mark.mail_settings(smtp_username='shop', smtp_password='hunter2-very-secret')
async def test_settings_never_show_the_password_and_show_the_real_error(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
    await sign_in(user)
    await user.open('/settings')
    await user.should_see('shop', marker='mail-settings')
    await user.should_not_see('hunter2-very-secret')
    user.find(marker='send-test-email').click()  # the sink offers no AUTH: the real refusal is shown
    await user.should_see('The test e-mail to ana@example.com failed', retries=100)
    await user.should_see('AUTH', marker='test-result')
    await user.should_not_see('hunter2-very-secret')


@pytest.mark.mail_settings(smtp_host='')
async def test_settings_say_mail_is_not_sent_without_a_server(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
    await sign_in(user)
    await user.open('/settings')
    await user.should_see('Mail is not being sent', marker='mail-mode')
    user.find(marker='send-test-email').click()
    await user.should_see('not sent', marker='test-result', retries=100)


async def test_only_the_owner_may_send_the_test_mail_the_service_refuses_anyone_else(db: AsyncSession,
                                                                                      tmp_path: Path) -> None:
    owner = await add_staff(db, is_owner=True)
    manager = await add_staff(db, email='bo@example.com', name='Bo', permissions=set(Permission))  # all, not owner
    former = Staff(email='old@example.com', name='Old', password_hash='-', is_owner=True, active=False)
    mail = resolve_mail_config(public_url='http://shop.test', mail_dir=tmp_path / 'mail')
    transport = FolderTransport(tmp_path / 'mail')
    for refused in (manager, None, former):
        with pytest.raises(PermissionDenied, match='Only the store owner'):
            await send_test_email(actor=refused, transport=transport, mail=mail, store_name='Shop',
                                  to_address='bo@example.com')
    assert not (tmp_path / 'mail').exists() or not list((tmp_path / 'mail').iterdir())
    await send_test_email(actor=owner, transport=transport, mail=mail, store_name='Shop', to_address='ana@example.com')
    assert len(list((tmp_path / 'mail').iterdir())) == 1


async def test_settings_are_for_the_owner_only(app: App, user: User) -> None:
    await user.open('/settings')
    await user.should_see('Sign in to answer your customers.')
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    await user.should_not_see(marker='settings-link')
    await user.open('/settings')
    await user.should_see(marker='settings-owner-only')
    await user.should_not_see(marker='send-test-email')


async def test_the_owner_finds_the_identity_secret_and_how_to_compute_the_hmac(app: App, user: User) -> None:
    """V1: the secret that lets a storefront prove its shoppers' addresses is in Settings, with a recipe that works."""
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
        secret = (await store_service.get_store(db)).identity_secret
    await sign_in(user)
    await user.open('/settings')
    await user.should_see('Verified shoppers', marker='identity-card')
    shown = user.find(marker='identity-secret').elements.pop()
    assert getattr(shown, 'value', None) == secret
    recipe = hmac.new(secret.encode(), ' Sara@Example.com'.strip().lower().encode(), hashlib.sha256).hexdigest()
    assert identity_matches(secret, 'sara@example.com', recipe)  # the page's example is what the server checks
