"""C1 outbound: offline replies go out by e-mail through a REAL SMTP server, retry, never get lost, thread."""
from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import EmailOutbox, Message, Staff, Store
from db.types import utcnow
from services.events import EventBus
from services.mail.config import MailConfig
from services.mail.outbox import backoff, deliver_due, retry_now
from services.mail.transport import FolderTransport, SmtpTransport
from services.messages import send_staff_reply
from services.views import MessageView
from tests.conftest import add_staff, free_port
from tests.mail.conftest import SmtpSink, offline_shopper


async def reply(db: AsyncSession, mail: MailConfig, conversation_id: int, body: str) -> MessageView:
    staff = (await db.exec(select(Staff))).first() or await add_staff(db)
    return await send_staff_reply(db=db, bus=EventBus(), staff=staff, conversation_id=conversation_id, body=body,
                                  mail_domain=mail.reply_domain)


async def rows(db: AsyncSession) -> list[EmailOutbox]:
    db.expire_all()
    return list((await db.exec(select(EmailOutbox).order_by(col(EmailOutbox.id)))).all())


async def delivery(db: AsyncSession, message_id: int) -> str | None:
    db.expire_all()
    message = await db.get(Message, message_id)
    assert message is not None
    return message.delivery


async def test_offline_reply_is_mailed_with_reply_to_stable_id_threading_and_escaped_html(
        db: AsyncSession, database: Database, smtp_sink: SmtpSink, mail: MailConfig) -> None:
    session = await offline_shopper(db, first='Is it <b>wool</b> & warm?')
    conversation_id = session.conversation_id
    first = await reply(db, mail, conversation_id, 'Yes: <100% wool> & very warm.')
    assert first.delivery == 'email_pending'

    bus = EventBus()
    updates: list[MessageView] = []
    bus.message_updated.subscribe(updates.append)
    sent = await deliver_due(sessions=database.sessions, transport=smtp_sink.transport(), bus=bus, mail=mail)
    assert sent == 1 and len(smtp_sink.received) == 1
    envelope = smtp_sink.received[0]
    email = envelope.message
    assert envelope.rcpt_tos == ['sara@example.com']
    assert 'sara@example.com' in str(email['To']) and 'Sara Lind' in str(email['To'])
    reply_to = email['Reply-To'].addresses[0].addr_spec
    assert re.fullmatch(r'reply\+[a-z2-7]{32}@shop\.test', reply_to)
    assert email['From'].addresses[0].addr_spec == 'shop@shop.test'
    store = await db.get(Store, 1)
    assert store is not None and str(email['Subject']) == f'Your conversation with {store.name}'
    assert email['Date'] is not None
    expected_id = (await rows(db))[0].message_id_header
    assert re.fullmatch(rf'<msg-{first.id}\.[0-9a-f]{{12}}@shop\.test>', expected_id)
    assert email['Message-ID'] == expected_id
    assert email['In-Reply-To'] is None

    text = email.get_body(preferencelist=('plain',)).get_content()
    markup = email.get_body(preferencelist=('html',)).get_content()
    assert 'Yes: <100% wool> & very warm.' in text and 'Is it <b>wool</b> & warm?' in text
    assert '&lt;100% wool&gt; &amp; very warm.' in markup and '<100% wool>' not in markup
    assert 'Is it &lt;b&gt;wool&lt;/b&gt; &amp; warm?' in markup and '<b>wool</b>' not in markup

    [row] = await rows(db)
    assert (row.status, row.attempts, row.last_error) == ('sent', 1, '') and row.sent_at is not None
    assert await delivery(db, first.id) == 'emailed'
    assert [(u.id, u.delivery) for u in updates] == [(first.id, 'emailed')]

    second = await reply(db, mail, conversation_id, 'It ships tomorrow.')
    assert await deliver_due(sessions=database.sessions, transport=smtp_sink.transport(), bus=bus, mail=mail) == 1
    follow_up = smtp_sink.received[1].message
    assert follow_up['Message-ID'] == (await rows(db))[1].message_id_header
    assert follow_up['Message-ID'].startswith(f'<msg-{second.id}.')
    assert follow_up['Reply-To'].addresses[0].addr_spec != reply_to  # every mail has an address of its own
    assert follow_up['In-Reply-To'] == expected_id and expected_id in str(follow_up['References'])
    assert str(follow_up['Subject']) == str(email['Subject'])
    assert 'Yes: <100% wool> & very warm.' in follow_up.get_body(preferencelist=('plain',)).get_content()
    assert await deliver_due(sessions=database.sessions, transport=smtp_sink.transport(), bus=bus, mail=mail) == 0
    assert len(smtp_sink.received) == 2


async def test_smtp_down_then_up_delivers_exactly_once_after_backoff(
        db: AsyncSession, database: Database, mail: MailConfig) -> None:
    session = await offline_shopper(db)
    view = await reply(db, mail, session.conversation_id, 'Your parcel is on its way.')
    port = free_port()  # nothing listens here yet: the server is "down"
    transport = SmtpTransport(host='127.0.0.1', port=port, tls='none', timeout=2, helo_name='shop.test')
    bus = EventBus()
    t0 = utcnow()

    assert await deliver_due(sessions=database.sessions, transport=transport, bus=bus, mail=mail, now=t0) == 0
    [row] = await rows(db)
    assert (row.status, row.attempts) == ('failed', 1) and row.last_error
    assert row.next_attempt_at == t0 + timedelta(seconds=30)
    assert await delivery(db, view.id) == 'email_failed'

    assert await deliver_due(sessions=database.sessions, transport=transport, bus=bus, mail=mail,
                             now=t0 + timedelta(seconds=10)) == 0
    assert (await rows(db))[0].attempts == 1  # not due yet: no attempt made

    sink = SmtpSink(port=port).start()  # the server comes back
    try:
        assert await deliver_due(sessions=database.sessions, transport=transport, bus=bus, mail=mail,
                                 now=t0 + timedelta(seconds=31)) == 1
        for later in (60, 3600, 86400):
            assert await deliver_due(sessions=database.sessions, transport=transport, bus=bus, mail=mail,
                                     now=t0 + timedelta(seconds=later)) == 0
        assert len(sink.received) == 1
    finally:
        sink.stop()
    [row] = await rows(db)
    assert (row.status, row.attempts) == ('sent', 2)
    assert await delivery(db, view.id) == 'emailed'


async def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


async def test_gives_up_after_max_attempts_and_staff_retry_sends_it(
        db: AsyncSession, database: Database, mail: MailConfig) -> None:
    session = await offline_shopper(db)
    view = await reply(db, mail, session.conversation_id, 'Sorry for the wait.')
    port = free_port()
    transport = SmtpTransport(host='127.0.0.1', port=port, tls='none', timeout=2, helo_name='shop.test')
    bus = EventBus()
    now = utcnow()
    for _attempt in range(3):
        await deliver_due(sessions=database.sessions, transport=transport, bus=bus, mail=mail, now=now,
                          max_attempts=3)
        now += timedelta(hours=2)
    [row] = await rows(db)
    assert (row.status, row.attempts) == ('given_up', 3)
    assert await delivery(db, view.id) == 'email_given_up'
    assert await deliver_due(sessions=database.sessions, transport=transport, bus=bus, mail=mail,
                             now=now + timedelta(days=30), max_attempts=3) == 0

    sink = SmtpSink(port=port).start()
    try:
        updates: list[MessageView] = []
        bus.message_updated.subscribe(updates.append)
        retried = await retry_now(db=db, bus=bus, message_id=view.id)
        assert retried.delivery == 'email_pending' and updates[-1].delivery == 'email_pending'
        assert await deliver_due(sessions=database.sessions, transport=transport, bus=bus, mail=mail,
                                 max_attempts=3) == 1
        assert len(sink.received) == 1 and updates[-1].delivery == 'emailed'
    finally:
        sink.stop()


async def test_a_permanent_refusal_gives_up_at_once(db: AsyncSession, database: Database, smtp_sink: SmtpSink,
                                                   mail: MailConfig) -> None:
    session = await offline_shopper(db, email='nobody@example.com')
    view = await reply(db, mail, session.conversation_id, 'Hello?')
    smtp_sink.refuse.add('nobody@example.com')
    assert await deliver_due(sessions=database.sessions, transport=smtp_sink.transport(), bus=EventBus(),
                             mail=mail) == 0
    [row] = await rows(db)
    assert (row.status, row.attempts) == ('given_up', 1) and '550' in row.last_error
    assert await delivery(db, view.id) == 'email_given_up'


async def test_folder_transport_writes_one_eml_per_message_and_says_saved_not_sent(
        db: AsyncSession, database: Database, mail: MailConfig, tmp_path: Path) -> None:
    session = await offline_shopper(db)
    first = await reply(db, mail, session.conversation_id, 'First answer')
    second = await reply(db, mail, session.conversation_id, 'Second answer')
    folder = FolderTransport(tmp_path / 'outgoing')
    assert await deliver_due(sessions=database.sessions, transport=folder, bus=EventBus(), mail=mail) == 2
    files = sorted((tmp_path / 'outgoing').iterdir())
    assert len(files) == 2 and all(f.suffix == '.eml' for f in files)
    headers = {row.message_id_header for row in await rows(db)}
    assert {str(message_from_bytes(f.read_bytes(), policy=policy.default)['Message-ID']) for f in files} == headers
    assert await delivery(db, first.id) == 'email_saved' and await delivery(db, second.id) == 'email_saved'

    # Saving the same mail again (a resend after a crash) overwrites its file instead of adding one.
    for row in await rows(db):
        row.status, row.attempts, row.next_attempt_at = 'pending', 0, utcnow()
        db.add(row)
    await db.commit()
    assert await deliver_due(sessions=database.sessions, transport=folder, bus=EventBus(), mail=mail) == 2
    assert sorted((tmp_path / 'outgoing').iterdir()) == files  # no duplicates and no .tmp leftovers


async def test_a_shopper_name_with_line_breaks_is_mailed_on_one_header_line_and_the_round_goes_on(
        db: AsyncSession, database: Database, smtp_sink: SmtpSink, mail: MailConfig) -> None:
    """A name of 'Sara\\r\\nBcc: x@evil.example' made composing fail, which aborted the whole outbox round."""
    evil = await offline_shopper(db, email='evil@example.com', name='Sara\r\nBcc: x@evil.example\nX-Y: z')
    plain = await offline_shopper(db, email='olli@example.com', name='Olli')
    first = await reply(db, mail, evil.conversation_id, 'Hello Sara')
    second = await reply(db, mail, plain.conversation_id, 'Hello Olli')
    sent = await deliver_due(sessions=database.sessions, transport=smtp_sink.transport(), bus=EventBus(), mail=mail)
    assert sent == 2
    envelopes = {envelope.rcpt_tos[0]: envelope for envelope in smtp_sink.received}
    assert set(envelopes) == {'evil@example.com', 'olli@example.com'}  # nobody else was added as a recipient
    email = envelopes['evil@example.com'].message
    assert email['Bcc'] is None and email['X-Y'] is None
    assert 'Sara Bcc: x@evil.example X-Y: z' in str(email['To'])
    assert await delivery(db, first.id) == 'emailed' and await delivery(db, second.id) == 'emailed'
