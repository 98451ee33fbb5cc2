"""API.md's chat endpoints, driven through the real ASGI app on a real SQLite file."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
import websockets

from services.chat_sessions import DEFAULT_TOKEN_LIFETIME, authenticate
from tests.conftest import App


async def start_chat(app: App, email: str = 'shopper@example.com', **extra: object) -> dict:
    response = await app.http.post('/api/v1/chat/sessions', json={'email': email, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {'Authorization': f'Bearer {token}'}


async def test_session_is_created_for_a_valid_email(app: App) -> None:
    body = await start_chat(app, name='Sara', timezone='Europe/Copenhagen')
    assert set(body) >= {'session_token', 'conversation_id', 'customer_id'}
    assert len(body['session_token']) >= 32


@pytest.mark.parametrize('email', ['', 'not-an-email', 'a@', '@example.com'])
async def test_session_with_invalid_email_is_422_with_error_shape(app: App, email: str) -> None:
    response = await app.http.post('/api/v1/chat/sessions', json={'email': email})
    assert response.status_code == 422
    assert response.json()['error']['code'] == 'invalid_email'
    assert response.json()['error']['message']


async def test_session_without_email_or_with_broken_json_is_422(app: App) -> None:
    missing = await app.http.post('/api/v1/chat/sessions', json={'name': 'x'})
    assert missing.status_code == 422 and missing.json()['error']['code'] == 'invalid_request'
    broken = await app.http.post('/api/v1/chat/sessions', content=b'{"email": ',
                                 headers={'content-type': 'application/json'})
    assert broken.status_code == 422 and broken.json()['error']['code'] == 'invalid_json'


async def test_unknown_timezone_is_refused(app: App) -> None:
    response = await app.http.post('/api/v1/chat/sessions', json={'email': 'a@example.com', 'timezone': 'Mars/Base'})
    assert response.status_code == 422 and response.json()['error']['code'] == 'invalid_timezone'


async def test_message_is_stored_once_per_client_msg_id(app: App) -> None:
    token = (await start_chat(app))['session_token']
    first = await app.http.post('/api/v1/chat/messages', json={'body': '  Hello there  ', 'client_msg_id': 'm1'},
                                headers=bearer(token))
    assert first.status_code == 201, first.text
    assert first.json()['body'] == 'Hello there' and first.json()['author'] == 'customer'
    again = await app.http.post('/api/v1/chat/messages', json={'body': 'Hello there', 'client_msg_id': 'm1'},
                                headers=bearer(token))
    assert again.status_code == 200 and again.json()['id'] == first.json()['id']
    listed = await app.http.get('/api/v1/chat/messages', headers=bearer(token))
    assert [m['id'] for m in listed.json()['messages']] == [first.json()['id']]


async def test_message_without_token_is_401(app: App) -> None:
    response = await app.http.post('/api/v1/chat/messages', json={'body': 'hi', 'client_msg_id': 'x'})
    assert response.status_code == 401 and response.json()['error']['code'] == 'unauthorized'
    wrong = await app.http.get('/api/v1/chat/messages', headers=bearer('forged-token'))
    assert wrong.status_code == 401


async def test_nul_characters_are_dropped_and_lone_surrogates_refused_on_every_database(app: App) -> None:
    token = (await start_chat(app))['session_token']
    nul = await app.http.post('/api/v1/chat/messages', json={'body': 'Hel\u0000lo', 'client_msg_id': 'n\u00001'},
                              headers=bearer(token))
    assert nul.status_code == 201, nul.text  # PostgreSQL refuses NUL in text: dropped before it is stored
    assert nul.json()['body'] == 'Hello'
    only_nul = await app.http.post('/api/v1/chat/messages', json={'body': '\u0000 ', 'client_msg_id': 'n2'},
                                   headers=bearer(token))
    assert only_nul.status_code == 422 and only_nul.json()['error']['code'] == 'empty_body'
    surrogate = await app.http.post('/api/v1/chat/messages',
                                    content=b'{"body": "bad \\ud800", "client_msg_id": "s1"}',
                                    headers={**bearer(token), 'content-type': 'application/json'})
    assert surrogate.status_code == 422, surrogate.text
    listed = await app.http.get('/api/v1/chat/messages', headers=bearer(token))
    assert [m['body'] for m in listed.json()['messages']] == ['Hello']


async def test_empty_and_oversized_bodies_are_refused(app: App) -> None:
    token = (await start_chat(app))['session_token']
    empty = await app.http.post('/api/v1/chat/messages', json={'body': '   ', 'client_msg_id': 'e'},
                                headers=bearer(token))
    assert empty.status_code == 422 and empty.json()['error']['code'] == 'empty_body'
    long = await app.http.post('/api/v1/chat/messages', json={'body': 'x' * 5001, 'client_msg_id': 'l'},
                               headers=bearer(token))
    assert long.status_code == 413
    exactly = await app.http.post('/api/v1/chat/messages', json={'body': 'y' * 5000, 'client_msg_id': 'ok'},
                                  headers=bearer(token))
    assert exactly.status_code == 201
    huge = await app.http.post('/api/v1/chat/messages',
                               content=json.dumps({'body': 'z' * 70_000, 'client_msg_id': 'h'}),
                               headers={**bearer(token), 'content-type': 'application/json'})
    assert huge.status_code == 413 and huge.json()['error']['code'] == 'body_too_large'
    bad_id = await app.http.post('/api/v1/chat/messages', json={'body': 'hi', 'client_msg_id': 'i' * 65},
                                 headers=bearer(token))
    assert bad_id.status_code == 422


async def test_rate_limit_answers_429_with_retry_after(app: App) -> None:
    token = (await start_chat(app))['session_token']
    statuses = []
    for n in range(21):
        response = await app.http.post('/api/v1/chat/messages', json={'body': f'msg {n}', 'client_msg_id': f'r{n}'},
                                       headers=bearer(token))
        statuses.append(response.status_code)
    assert statuses[:20] == [201] * 20
    assert statuses[20] == 429
    assert int(response.headers['Retry-After']) >= 1
    assert response.json()['error']['code'] == 'rate_limited'


async def test_a_token_sees_only_its_own_session(app: App) -> None:
    a = await start_chat(app, 'a@example.com')
    b = await start_chat(app, 'b@example.com')
    await app.http.post('/api/v1/chat/messages', json={'body': 'from a', 'client_msg_id': '1'},
                        headers=bearer(a['session_token']))
    seen_by_b = await app.http.get('/api/v1/chat/messages', headers=bearer(b['session_token']))
    assert seen_by_b.json()['messages'] == []


async def test_second_session_of_same_customer_sees_only_its_own_messages_unless_identity_is_proven(app: App) -> None:
    first = await start_chat(app, 'same@example.com')
    await app.http.post('/api/v1/chat/messages', json={'body': 'first device', 'client_msg_id': '1'},
                        headers=bearer(first['session_token']))
    second = await start_chat(app, 'Same@Example.com')
    assert second['conversation_id'] == first['conversation_id']
    assert second['customer_id'] == first['customer_id']
    plain = await app.http.get('/api/v1/chat/messages', headers=bearer(second['session_token']))
    assert plain.json()['messages'] == []

    from services import store as store_service
    from services.tokens import identity_hmac
    async with app.runtime.db.sessions() as db:
        secret = (await store_service.get_store(db)).identity_secret
    forged = await start_chat(app, 'same@example.com', identity_hmac='0' * 64)
    forged_sees = (await app.http.get('/api/v1/chat/messages', headers=bearer(forged['session_token']))).json()
    assert forged_sees['messages'] == []
    proven = await start_chat(app, 'same@example.com', identity_hmac=identity_hmac(secret, 'same@example.com'))
    proven_sees = (await app.http.get('/api/v1/chat/messages', headers=bearer(proven['session_token']))).json()
    bodies = [m['body'] for m in proven_sees['messages']]
    assert bodies == ['first device']


async def test_messages_after_and_limit_page_forward(app: App) -> None:
    token = (await start_chat(app))['session_token']
    ids = []
    for n in range(5):
        r = await app.http.post('/api/v1/chat/messages', json={'body': f'm{n}', 'client_msg_id': f'c{n}'},
                                headers=bearer(token))
        ids.append(r.json()['id'])
    page = await app.http.get(f'/api/v1/chat/messages?after={ids[1]}&limit=2', headers=bearer(token))
    assert [m['id'] for m in page.json()['messages']] == ids[2:4]
    bad = await app.http.get('/api/v1/chat/messages?limit=0', headers=bearer(token))
    assert bad.status_code == 422


async def test_presence_heartbeat_is_204_and_validates_state(app: App) -> None:
    token = (await start_chat(app))['session_token']
    ok = await app.http.post('/api/v1/chat/presence', json={'state': 'online'}, headers=bearer(token))
    assert ok.status_code == 204
    bad = await app.http.post('/api/v1/chat/presence', json={'state': 'away'}, headers=bearer(token))
    assert bad.status_code == 422
    anonymous = await app.http.post('/api/v1/chat/presence', json={'state': 'online'})
    assert anonymous.status_code == 401


async def test_openapi_document_describes_every_endpoint(app: App) -> None:
    doc = (await app.http.get('/api/v1/openapi.json')).json()
    paths = doc['paths']
    for path in ('/api/v1/chat/sessions', '/api/v1/chat/messages', '/api/v1/chat/presence', '/api/v1/chat/ws',
                 '/api/v1/storefront/products', '/api/v1/storefront/cart', '/api/v1/storefront/cart/events',
                 '/api/v1/storefront/cart/discount', '/api/v1/storefront/checkout'):
        assert path in paths, path
    assert set(paths['/api/v1/chat/messages']) == {'get', 'post'}


async def test_socket_pushes_staff_replies_and_refuses_bad_tokens(app: App, live_server: str) -> None:
    from services.messages import send_staff_reply
    from tests.conftest import add_staff

    chat = await start_chat(app)
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
    async with websockets.connect(f'ws://{live_server}/api/v1/chat/ws?token={chat["session_token"]}') as socket:
        await socket.send(json.dumps({'type': 'ping'}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {'type': 'pong'}
        async with app.runtime.db.sessions() as db:
            await send_staff_reply(db=db, bus=app.runtime.bus, staff=staff, conversation_id=chat['conversation_id'],
                                   body='Hi! How can I help?')
        pushed = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert pushed['type'] == 'message'
        assert pushed['message']['body'] == 'Hi! How can I help?' and pushed['message']['author'] == 'staff'
        assert pushed['message']['author_name'] == 'Ana Berg'
    with pytest.raises(websockets.exceptions.WebSocketException):
        async with websockets.connect(f'ws://{live_server}/api/v1/chat/ws?token=nope') as socket:
            await asyncio.wait_for(socket.recv(), 5)


async def test_an_open_socket_keeps_the_shopper_online_and_ignores_what_is_not_a_ping(
        app: App, live_server: str) -> None:
    from db.models import Conversation

    chat = await start_chat(app)
    open_sockets = app.runtime.presence.open_sockets
    async with websockets.connect(f'ws://{live_server}/api/v1/chat/ws?token={chat["session_token"]}') as socket:
        for junk in ('not json', '[]', '{"type": 5}', '{"type": "hello"}'):
            await socket.send(junk)
        await socket.send(json.dumps({'type': 'ping'}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {'type': 'pong'}  # nothing came before it
        async with app.runtime.db.sessions() as db:
            conversation = await db.get(Conversation, chat['conversation_id'])
            assert conversation is not None and conversation.customer_online
        assert sum(open_sockets.values()) == 1
    for _ in range(50):  # the server sees the close a moment later; the grace period starts then
        if not open_sockets:
            break
        await asyncio.sleep(0.1)
    assert not open_sockets


async def test_bad_input_never_gives_500(app: App) -> None:
    cases = [
        ('POST', '/api/v1/chat/sessions', b'[]'),
        ('POST', '/api/v1/chat/sessions', b'{"email": 5}'),
        ('POST', '/api/v1/chat/sessions', '{"email": "\udcff@x.com"}'.encode('utf-8', 'surrogatepass')),
        ('POST', '/api/v1/chat/sessions', b'\xff\xfe'),
        ('GET', '/api/v1/chat/messages?after=abc', b''),
    ]
    for method, path, content in cases:
        response = await app.http.request(method, path, content=content, headers={'content-type': 'application/json'})
        assert 400 <= response.status_code < 500, (path, content, response.status_code, response.text)


async def test_inbound_mail_may_be_larger_than_the_64_kib_api_cap(app: App) -> None:
    big = b'Subject: hi\r\n\r\n' + b'x' * 100_000
    response = await app.http.post('/api/v1/inbound/email', content=big, headers={'content-type': 'message/rfc822'})
    assert response.status_code != 413
    huge = await app.http.post('/api/v1/inbound/email', content=b'x' * (11 * 1024 * 1024))
    assert huge.status_code == 413


async def test_a_chat_started_while_every_database_connection_is_taken_gets_503_busy(app: App) -> None:
    """A burst far past what the server commits per second: the pool has no connection free within its timeout."""
    engine = app.runtime.db.engine
    pool = engine.sync_engine.pool
    pool._timeout = 0.2  # type: ignore[attr-defined]  (60 s in the server; the test does not wait that long)
    held = [await engine.connect() for _ in range(pool.size() + pool._max_overflow)]  # type: ignore[attr-defined]
    try:
        response = await app.http.post('/api/v1/chat/sessions', json={'email': 'crowd@example.com'})
    finally:
        for connection in held:
            await connection.close()
    assert response.status_code == 503
    assert response.json()['error']['code'] == 'busy' and response.headers['Retry-After'] == '1'
    assert (await start_chat(app, email='crowd@example.com'))['session_token']


async def test_the_presence_sweeper_waits_out_a_burst_that_takes_every_database_connection(
        app: App, caplog: pytest.LogCaptureFixture) -> None:
    """A round that found no free connection is a warning, and the next one sweeps (it logged an error: on
    PostgreSQL the round often fell into the 503 test above)."""
    engine = app.runtime.db.engine
    pool = engine.sync_engine.pool
    pool._timeout = 0.2  # type: ignore[attr-defined]
    held = [await engine.connect() for _ in range(pool.size() + pool._max_overflow)]  # type: ignore[attr-defined]
    try:
        for _ in range(200):
            if any('presence sweep' in record.getMessage() for record in caplog.records):
                break
            await asyncio.sleep(0.05)
    finally:
        for connection in held:
            await connection.close()
    assert [r.levelname for r in caplog.records if 'presence sweep' in r.getMessage()][:1] == ['WARNING']


@pytest.mark.sqlite_only
async def test_a_chat_started_while_the_database_stays_locked_gets_503_busy_and_nothing_is_half_stored(
        app: App) -> None:
    """Another writer holds SQLite's write lock past the busy timeout (as a waiting writer can, starved in a burst):
    the shopper is told to try again, not given a 500; once the lock is free the same request succeeds."""
    from sqlalchemy.engine import make_url
    from sqlmodel import func, select

    from db.models import Customer
    blocker = sqlite3.connect(make_url(app.settings.effective_database_url).database, isolation_level=None)
    blocker.execute('BEGIN IMMEDIATE')
    try:
        response = await app.http.post('/api/v1/chat/sessions', json={'email': 'busy@example.com'})
    finally:
        blocker.execute('ROLLBACK')
        blocker.close()
    assert response.status_code == 503
    assert response.json()['error']['code'] == 'busy' and response.headers['Retry-After'] == '1'
    async with app.runtime.db.sessions() as db:
        assert (await db.exec(select(func.count()).select_from(Customer))).one() == 0
    assert (await start_chat(app, email='busy@example.com'))['session_token']


async def test_numbers_past_what_an_id_column_holds_are_refused_as_invalid_not_500(app: App) -> None:
    """Found by fuzzing the OpenAPI document: 2**64 reached the database driver and gave a 500."""
    token = (await start_chat(app))['session_token']
    for after in (2**63, 2**64, 10**30):
        response = await app.http.get('/api/v1/chat/messages', params={'after': after}, headers=bearer(token))
        assert response.status_code == 422 and response.json()['error']['code'], after
    assert (await app.http.get('/api/v1/chat/messages', params={'after': 2**63 - 1},
                               headers=bearer(token))).json() == {'messages': []}
    response = await app.http.post('/api/v1/storefront/cart/events', headers=bearer(token),
                                   json={'action': 'add', 'variant_id': 2**64, 'quantity': 1})
    assert response.status_code == 422 and response.json()['error']['code']


@pytest.mark.parametrize('given', ['é' * 64, '\u0000', '🙂'])
async def test_a_non_ascii_identity_hmac_starts_an_unverified_session_not_a_500(app: App, given: str) -> None:
    created = await start_chat(app, identity_hmac=given)
    async with app.runtime.db.sessions() as db:
        session = await authenticate(db=db, token=created['session_token'], lifetime=DEFAULT_TOKEN_LIFETIME)
    assert not session.identity_verified


async def closed_with(url: str) -> int | None:
    """The close code a socket at `url` ends with (refused at the handshake or closed later)."""
    try:
        async with websockets.connect(url) as socket:
            await asyncio.wait_for(socket.recv(), 5)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except websockets.exceptions.InvalidStatus as refused:
        return refused.response.status_code
    return None


async def test_one_session_may_hold_only_a_few_sockets(app: App, live_server: str) -> None:
    chat = await start_chat(app)
    url = f'ws://{live_server}/api/v1/chat/ws?token={chat["session_token"]}'
    sockets = [await websockets.connect(url) for _ in range(5)]
    try:
        assert await closed_with(url) == 4429
        await sockets[0].close()
        await asyncio.sleep(0.2)
        replacement = await websockets.connect(url)  # a closed one makes room
        await replacement.send(json.dumps({'type': 'ping'}))
        assert json.loads(await asyncio.wait_for(replacement.recv(), 5)) == {'type': 'pong'}
        await replacement.close()
    finally:
        for socket in sockets:
            await socket.close()


async def test_wrong_tokens_on_sockets_are_throttled_per_address(app: App, live_server: str) -> None:
    chat = await start_chat(app)
    for _ in range(app.settings.session_rate_limit):
        assert await closed_with(f'ws://{live_server}/api/v1/chat/ws?token=guess') == 403
    assert await closed_with(f'ws://{live_server}/api/v1/chat/ws?token={chat["session_token"]}') == 4429


async def test_a_shopper_frame_over_1_kib_closes_the_socket(app: App, live_server: str) -> None:
    chat = await start_chat(app)
    async with websockets.connect(f'ws://{live_server}/api/v1/chat/ws?token={chat["session_token"]}') as socket:
        await socket.send('x' * 2000)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_reading_messages_and_searching_products_are_rate_limited(app: App) -> None:
    token = (await start_chat(app))['session_token']
    answers = [(await app.http.get('/api/v1/chat/messages', headers=bearer(token))).status_code for _ in range(61)]
    assert answers[:60] == [200] * 60 and answers[60] == 429
    searches = [(await app.http.get('/api/v1/storefront/products', params={'q': 'x'})).status_code for _ in range(61)]
    assert searches[:60] == [200] * 60 and searches[60] == 429


async def test_a_store_without_a_mail_server_says_it_cannot_send_a_code(app: App) -> None:
    """No fake "sent": without INBOX_SMTP_HOST the code could only be saved to a file nobody reads."""
    token = (await start_chat(app))['session_token']
    answer = await app.http.post('/api/v1/chat/verify', headers=bearer(token), json={})
    assert answer.status_code == 503 and answer.json()['error']['code'] == 'verification_unavailable'
