"""C1 inbound: a customer answers our e-mail; by HTTP or by SMTP it lands in the right conversation, once."""
from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import pytest
from aiosmtpd.smtp import Envelope
from nicegui.testing import User
from sqlmodel import col, func, select

from db.models import Conversation, Message
from services import blocking
from services.mail.smtp_receiver import InboundHandler
from services.messages import list_thread, send_staff_reply
from tests.conftest import App, add_staff, sign_in
from tests.mail.conftest import INBOUND_SECRET, Received, SmtpSink, offline_shopper

AUTH = {'Authorization': f'Bearer {INBOUND_SECRET}', 'Content-Type': 'message/rfc822'}


async def staff_mail(app: App, sink: SmtpSink, *, email: str = 'sara@example.com') -> tuple[int, Received]:
    """A shopper left; staff answers; the app's own outbox loop mails it to the sink."""
    async with app.runtime.db.sessions() as db:
        session = await offline_shopper(db, email=email, bus=app.runtime.bus)
        staff = await add_staff(db)
        await send_staff_reply(db=db, bus=app.runtime.bus, staff=staff, conversation_id=session.conversation_id,
                               body='Which size do you need?', mail_domain=app.runtime.config.mail.reply_domain)
    received = await sink.wait_for(1)
    assert len(received) == 1, 'the background outbox sent the reply'
    return session.conversation_id, received[0]


def answer_to(mail: EmailMessage, text: str, *, message_id: str = '<answer-1@mail.example.com>',
              to: str | None = None) -> bytes:
    original = mail.get_body(preferencelist=('plain',)).get_content()
    quoted = '\n'.join(f'> {line}' for line in original.splitlines())
    answer = EmailMessage()
    answer['From'] = 'Sara Lind <sara@example.com>'
    answer['To'] = to or str(mail['Reply-To'])
    answer['Subject'] = f'Re: {mail["Subject"]}'
    answer['Message-ID'] = message_id
    answer['In-Reply-To'] = str(mail['Message-ID'])
    answer.set_content(f'{text}\n\nOn Tue, 4 Jun 2024 at 10:04, Nordic Knits <shop@shop.test> wrote:\n{quoted}\n'
                       f'\n-- \nSara Lind\nCopenhagen\n')
    return answer.as_bytes()


async def message_count(app: App) -> int:
    async with app.runtime.db.sessions() as db:
        return (await db.exec(select(func.count()).select_from(Message))).one()


async def test_answer_by_http_is_threaded_into_its_conversation_shown_live_and_threads_the_next_mail(
        app: App, user: User, smtp_sink: SmtpSink) -> None:
    conversation_id, mail = await staff_mail(app, smtp_sink)
    await sign_in(user)
    await user.open(f'/inbox/{conversation_id}')
    await user.should_see('Which size do you need?')
    async with app.runtime.db.sessions() as db:  # staff has read it; the answer must mark it unread again
        conversation = await db.get(Conversation, conversation_id)
        assert conversation is not None and not conversation.unread

    raw = answer_to(mail.message, 'Size M, please.')
    response = await app.http.post('/api/v1/inbound/email', content=raw, headers=AUTH)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body['body'] == 'Size M, please.' and body['author'] == 'customer'
    assert body['conversation_id'] == conversation_id
    await user.should_see('Size M, please.')  # the open thread shows it live

    again = await app.http.post('/api/v1/inbound/email', content=raw, headers=AUTH)  # the provider retries
    assert again.status_code == 201 and again.json()['id'] == body['id']
    async with app.runtime.db.sessions() as db:
        thread = await list_thread(db=db, conversation_id=conversation_id)
        assert [m.body for m in thread if m.author == 'customer'] == ['Is the jumper wool?', 'Size M, please.']
        assert thread[-1].session_id is None and thread[-1].payload['via'] == 'email'
        staff = await add_staff(db, email='ben@example.com', name='Ben')
        await send_staff_reply(db=db, bus=app.runtime.bus, staff=staff, conversation_id=conversation_id,
                               body='M is on its way.', mail_domain=app.runtime.config.mail.reply_domain)
    received = await smtp_sink.wait_for(2)
    follow_up = received[1].message
    assert follow_up['In-Reply-To'] == '<answer-1@mail.example.com>'  # it answers the customer's mail
    assert str(mail.message['Message-ID']) in str(follow_up['References'])


async def test_answer_by_smtp_is_stored_and_an_unknown_token_is_refused_with_550(
        app: App, smtp_sink: SmtpSink) -> None:
    conversation_id, mail = await staff_mail(app, smtp_sink)
    reply_to = mail.message['Reply-To'].addresses[0].addr_spec
    port = app.settings.smtp_inbound_port
    errors, answer = await aiosmtplib.send(answer_to(mail.message, 'Thanks, by SMTP!'), sender='sara@example.com',
                                           recipients=[reply_to], hostname='127.0.0.1', port=port,
                                           start_tls=False, timeout=10)
    assert not errors and answer.startswith('2.0.0')
    async with app.runtime.db.sessions() as db:
        thread = await list_thread(db=db, conversation_id=conversation_id)
        assert thread[-1].body == 'Thanks, by SMTP!' and thread[-1].author == 'customer'
        conversation = await db.get(Conversation, conversation_id)
        assert conversation is not None and conversation.unread and conversation.status == 'open'

    before = await message_count(app)
    forged = 'reply+' + 'A' * 32 + '@shop.test'
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await aiosmtplib.send(answer_to(mail.message, 'Let me in', to=forged, message_id='<forged@x>'),
                              sender='mallory@example.com', recipients=[forged], hostname='127.0.0.1', port=port,
                              start_tls=False, timeout=10)
    assert refused.value.recipients[0].code == 550
    assert await message_count(app) == before


async def test_forged_unknown_or_missing_tokens_are_refused_and_nothing_is_stored(
        app: App, smtp_sink: SmtpSink) -> None:
    conversation_id, mail = await staff_mail(app, smtp_sink)
    real = mail.message['Reply-To'].addresses[0].addr_spec
    token = real.split('+', 1)[1].split('@', 1)[0]
    forged_token = token[:-1] + ('0' if token[-1] != '0' else '1')  # not a case variant: those are accepted
    before = await message_count(app)
    for to in (f'reply+{forged_token}@shop.test', 'shop@shop.test', f'reply+{token[:10]}@shop.test'):
        response = await app.http.post('/api/v1/inbound/email', content=answer_to(mail.message, 'Hi', to=to),
                                       headers=AUTH)
        assert response.status_code == 422, response.text
        assert response.json()['error']['code'] == 'unknown_recipient'
    assert await message_count(app) == before


async def test_inbound_http_needs_the_secret_and_readable_mail(app: App, smtp_sink: SmtpSink) -> None:
    _conversation_id, mail = await staff_mail(app, smtp_sink)
    raw = answer_to(mail.message, 'Hello')
    before = await message_count(app)
    missing = await app.http.post('/api/v1/inbound/email', content=raw)
    wrong = await app.http.post('/api/v1/inbound/email', content=raw,
                                headers={'Authorization': f'Bearer {INBOUND_SECRET[:-1]}x'})
    odd = await app.http.post('/api/v1/inbound/email', content=raw,
                              headers={'Authorization': 'Bearer ünïcødé'.encode()})
    assert [r.status_code for r in (missing, wrong, odd)] == [401, 401, 401]
    assert missing.json()['error']['code'] == 'unauthorized'
    for junk in (b'', b'\x00\x01 this is not an e-mail'):
        response = await app.http.post('/api/v1/inbound/email', content=junk, headers=AUTH)
        assert response.status_code == 422 and response.json()['error']['code'] in ('unparseable_email',
                                                                                   'unknown_recipient')
    assert await message_count(app) == before
    schema = (await app.http.get('/api/v1/openapi.json')).json()
    assert 'message/rfc822' in schema['paths']['/api/v1/inbound/email']['post']['requestBody']['content']


@pytest.mark.mail_settings(inbound_secret='')
async def test_inbound_http_is_404_when_no_secret_is_configured(app: App) -> None:
    response = await app.http.post('/api/v1/inbound/email', content=b'To: x@y\n\nhi', headers=AUTH)
    assert response.status_code == 404 and response.json()['error']['code'] == 'inbound_disabled'


async def test_quoted_history_and_signature_never_reach_the_thread(app: App, smtp_sink: SmtpSink) -> None:
    conversation_id, mail = await staff_mail(app, smtp_sink)
    raw = answer_to(mail.message, 'Great, thanks!\nSee you soon.')
    assert (await app.http.post('/api/v1/inbound/email', content=raw, headers=AUTH)).status_code == 201
    async with app.runtime.db.sessions() as db:
        rows = (await db.exec(select(Message.body).where(Message.conversation_id == conversation_id)
                              .order_by(col(Message.id)))).all()
    assert rows[-1] == 'Great, thanks!\nSee you soon.'
    assert not any('Copenhagen' in body or 'wrote:' in body or 'reply above' in body for body in rows)


async def test_an_address_that_keeps_guessing_the_inbound_secret_is_shut_out(app: App, smtp_sink: SmtpSink) -> None:
    _conversation_id, mail = await staff_mail(app, smtp_sink)
    raw = answer_to(mail.message, 'Hello')
    wrong = {'Authorization': 'Bearer guess'}
    answers = [await app.http.post('/api/v1/inbound/email', content=raw, headers=wrong) for _ in range(11)]
    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert int(answers[-1].headers['Retry-After']) > 0
    blocked = await app.http.post('/api/v1/inbound/email', content=raw, headers=AUTH)  # even with the right one
    assert blocked.status_code == 429 and blocked.json()['error']['code'] == 'rate_limited'


async def test_an_email_from_a_blocked_sender_is_refused_403_and_not_stored(app: App, smtp_sink: SmtpSink) -> None:
    """R4: the answer of a customer staff blocked is refused (sender_blocked), nothing stored or published."""
    conversation_id, mail = await staff_mail(app, smtp_sink)
    async with app.runtime.db.sessions() as db:
        conversation = await db.get(Conversation, conversation_id)
        assert conversation is not None
        blocker = await add_staff(db, email='blocker@example.com', name='Blocker')
        await blocking.block_customer(db=db, bus=None, staff=blocker, customer_id=conversation.customer_id)
    before = await message_count(app)
    published: list[object] = []
    app.runtime.bus.message_created.subscribe(published.append)
    response = await app.http.post('/api/v1/inbound/email', content=answer_to(mail.message, 'Let me in'),
                                   headers=AUTH)
    assert response.status_code == 403 and response.json()['error']['code'] == 'sender_blocked'
    envelope = Envelope()  # by SMTP: a permanent refusal, so the sender's server does not keep trying
    envelope.content = envelope.original_content = answer_to(mail.message, 'Let me in', message_id='<smtp-1@x>')
    envelope.rcpt_tos = [str(mail.message['Reply-To'])]
    answer = await InboundHandler(app.runtime).handle_DATA(None, None, envelope)  # type: ignore[arg-type]
    assert answer.startswith('550 5.7.1')
    assert await message_count(app) == before and published == []
