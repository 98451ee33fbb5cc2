"""V1: a shopper proves their e-mail with a 6-digit code mailed to it (through a REAL SMTP server). Until then a
session that claims a known customer's address reads only its own messages, and staff see it as unverified."""
from __future__ import annotations

import re

from sqlmodel import select

from db.models import ChatSession
from services import conversations
from tests.conftest import App
from tests.mail.conftest import SmtpSink


def bearer(token: str) -> dict[str, str]:
    return {'Authorization': f'Bearer {token}'}


async def start(app: App, email: str = 'sara@example.com', **extra: object) -> dict[str, object]:
    response = await app.http.post('/api/v1/chat/sessions', json={'email': email, 'name': 'Sara', **extra})
    assert response.status_code == 201
    return dict(response.json())


async def mailed_code(smtp_sink: SmtpSink, count: int) -> str:
    received = await smtp_sink.wait_for(count)
    assert len(received) == count
    found = re.search(r'\b(\d{6})\b', str(received[-1].message['Subject']))
    assert found, received[-1].message['Subject']
    return found.group(1)


async def test_a_mailed_code_verifies_the_session_and_opens_the_customers_history(app: App,
                                                                                 smtp_sink: SmtpSink) -> None:
    first = await start(app)
    token = str(first['session_token'])
    assert (await app.http.post('/api/v1/chat/messages', headers=bearer(token),
                                json={'body': 'From my laptop', 'client_msg_id': '1'})).status_code == 201
    phone = str((await start(app))['session_token'])  # the same address from another device: unverified
    assert (await app.http.get('/api/v1/chat/messages', headers=bearer(phone))).json() == {'messages': []}
    async with app.runtime.db.sessions() as db:
        row = await conversations.get_row(db=db, conversation_id=int(str(first['conversation_id'])))
    assert row.unverified_claim  # staff see "Unverified" beside the address

    assert (await app.http.post('/api/v1/chat/verify', headers=bearer(phone), json={})).status_code == 202
    code = await mailed_code(smtp_sink, 1)
    assert smtp_sink.received[-1].rcpt_tos == ['sara@example.com']
    wrong = await app.http.post('/api/v1/chat/verify/confirm', headers=bearer(phone),
                                json={'code': '000000' if code != '000000' else '111111'})
    assert wrong.status_code == 422 and wrong.json()['error']['code'] == 'code_invalid'
    right = await app.http.post('/api/v1/chat/verify/confirm', headers=bearer(phone), json={'code': code})
    assert right.status_code == 200 and right.json() == {'verified': True}
    history = (await app.http.get('/api/v1/chat/messages', headers=bearer(phone))).json()['messages']
    bodies = [m['body'] for m in history]
    assert bodies == ['From my laptop']
    async with app.runtime.db.sessions() as db:
        row = await conversations.get_row(db=db, conversation_id=int(str(first['conversation_id'])))
        assert not row.unverified_claim
        stored = [s.verify_code_hash for s in (await db.exec(select(ChatSession))).all()]
    assert code not in ''.join(h or '' for h in stored)  # the code itself is never stored


async def test_five_wrong_codes_use_the_code_up(app: App, smtp_sink: SmtpSink) -> None:
    token = str((await start(app))['session_token'])
    assert (await app.http.post('/api/v1/chat/verify', headers=bearer(token), json={})).status_code == 202
    code = await mailed_code(smtp_sink, 1)
    wrong = '000000' if code != '000000' else '111111'
    answers = [(await app.http.post('/api/v1/chat/verify/confirm', headers=bearer(token), json={'code': wrong}))
               .status_code for _ in range(5)]
    assert answers == [422, 422, 422, 422, 429]
    late = await app.http.post('/api/v1/chat/verify/confirm', headers=bearer(token), json={'code': code})
    assert late.status_code == 429  # even the right code: ask for a new one


async def test_codes_are_mailed_at_most_three_times_in_a_quarter_hour(app: App, smtp_sink: SmtpSink) -> None:
    token = str((await start(app))['session_token'])
    answers = [(await app.http.post('/api/v1/chat/verify', headers=bearer(token), json={})).status_code
               for _ in range(4)]
    assert answers == [202, 202, 202, 429]
    first = await mailed_code(smtp_sink, 3)
    assert first  # the newest code is the one that works; older ones stopped working


async def test_a_new_customer_is_not_marked_unverified(app: App, smtp_sink: SmtpSink) -> None:
    started = await start(app, email='new@example.com')
    async with app.runtime.db.sessions() as db:
        row = await conversations.get_row(db=db, conversation_id=int(str(started['conversation_id'])))
    assert not row.unverified_claim
