"""R4 blocked senders: staff block a customer; their new chat sessions, chat messages (both message stores) and
e-mails are refused with 403 `sender_blocked`, nothing stored and nothing published; unblocking restores them."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import websockets
from sqlmodel import select

from db.engine import Database
from db.models import ChatSession, Message
from services import blocking, conversations
from services.blocking import SenderBlocked
from services.chat_sessions import SessionCreate, create_session
from services.conversations import ListFilter
from services.errors import PermissionDenied
from services.events import EventBus
from tests.conftest import App, add_staff
from tests.test_message_stores import Recorder, door_on, start_chat


async def _block(database: Database, customer_id: int, *, unblock: bool = False) -> None:
    async with database.sessions() as db:
        staff = await add_staff(db, email=f"blocker-{customer_id}-{unblock}@example.com")
        change = blocking.unblock_customer if unblock else blocking.block_customer
        await change(db=db, bus=None, staff=staff, customer_id=customer_id)


@pytest.mark.parametrize('kind', ['sqlite group writer', 'orm'])
async def test_a_blocked_senders_message_is_refused_in_both_stores_with_nothing_stored_or_published(
        tmp_path: Path, kind: str, postgres_database: str) -> None:
    async with door_on(tmp_path / 'inbox.sqlite', kind, postgres_database) as (shoppers, database, recorder):
        session, token = await start_chat(database)
        await shoppers.receive(token=token, address='a', body='Hello', client_msg_id='1')
        await _block(database, session.customer_id)
        recorder.events.clear()
        with pytest.raises(SenderBlocked) as refused:
            await shoppers.receive(token=token, address='a', body='Still there?', client_msg_id='2')
        assert (refused.value.status, refused.value.code) == (403, 'sender_blocked')
        with pytest.raises(SenderBlocked):  # a repeat of an earlier message is refused too
            await shoppers.receive(token=token, address='a', body='Hello', client_msg_id='1')
        async with database.sessions() as db:
            assert [m.body for m in (await db.exec(select(Message))).all()] == ['Hello']
        assert recorder.events == []

        await _block(database, session.customer_id, unblock=True)
        again = await shoppers.receive(token=token, address='a', body='Back again', client_msg_id='3')
        assert again.created and recorder.events[0] == ('message_created', 'Back again')


async def test_a_blocked_customer_gets_no_new_session_and_unblocking_restores_it(database: Database) -> None:
    session, _token = await start_chat(database, email='sara@example.com')
    await _block(database, session.customer_id)
    async with database.sessions() as db:
        with pytest.raises(SenderBlocked):
            await create_session(db=db, session_in=SessionCreate(email='SARA@example.com'))
    async with database.sessions() as db:
        assert len((await db.exec(select(ChatSession))).all()) == 1
    await _block(database, session.customer_id, unblock=True)
    async with database.sessions() as db:
        await create_session(db=db, session_in=SessionCreate(email='sara@example.com'))
        assert len((await db.exec(select(ChatSession))).all()) == 2


async def test_blocking_needs_the_reply_permission_and_shows_in_the_blocked_view(database: Database) -> None:
    session, _token = await start_chat(database)
    bus = EventBus()
    recorder = Recorder(bus)
    async with database.sessions() as db:
        viewer = await add_staff(db, email='viewer@example.com', can_chat=False)
        with pytest.raises(PermissionDenied):
            await blocking.block_customer(db=db, bus=bus, staff=viewer, customer_id=session.customer_id)
        assert await conversations.list_rows(db=db, flt=ListFilter(view='blocked')) == []
        ana = await add_staff(db)
        await blocking.block_customer(db=db, bus=bus, staff=ana, customer_id=session.customer_id)
        rows = await conversations.list_rows(db=db, flt=ListFilter(view='blocked'))
        assert [(row.id, row.customer_blocked) for row in rows] == [(session.conversation_id, True)]
        assert conversations.matches(rows[0], ListFilter(view='blocked'))
        assert recorder.events == [('conversation_changed', session.conversation_id)]
        with pytest.raises(PermissionDenied):
            await blocking.unblock_customer(db=db, bus=bus, staff=viewer, customer_id=session.customer_id)
        await blocking.unblock_customer(db=db, bus=bus, staff=ana, customer_id=session.customer_id)
        assert await conversations.list_rows(db=db, flt=ListFilter(view='blocked')) == []
        row = await conversations.get_row(db=db, conversation_id=session.conversation_id)
        assert not row.customer_blocked and not conversations.matches(row, ListFilter(view='blocked'))


async def test_the_api_refuses_a_blocked_senders_session_and_message_with_403_sender_blocked(app: App) -> None:
    started = await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com'})
    body = started.json()
    headers = {'Authorization': f'Bearer {body["session_token"]}'}
    await _block(app.runtime.db, body['customer_id'])
    published: list[object] = []
    app.runtime.bus.message_created.subscribe(published.append)

    message = await app.http.post('/api/v1/chat/messages', json={'body': 'Hi', 'client_msg_id': 'x1'}, headers=headers)
    assert message.status_code == 403, message.text
    assert message.json()['error']['code'] == 'sender_blocked' and message.json()['error']['message']
    new_session = await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com'})
    assert new_session.status_code == 403 and new_session.json()['error']['code'] == 'sender_blocked'
    async with app.runtime.db.sessions() as db:
        assert (await db.exec(select(Message))).all() == []
        assert len((await db.exec(select(ChatSession))).all()) == 1
    assert published == []

    await _block(app.runtime.db, body['customer_id'], unblock=True)
    message = await app.http.post('/api/v1/chat/messages', json={'body': 'Hi', 'client_msg_id': 'x1'}, headers=headers)
    assert message.status_code == 201


async def test_a_blocked_senders_socket_is_closed_with_4403_sender_blocked(app: App, live_server: str) -> None:
    started = (await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com'})).json()
    await _block(app.runtime.db, started['customer_id'])
    async with websockets.connect(f'ws://{live_server}/api/v1/chat/ws?token={started["session_token"]}') as socket:
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, 'sender_blocked')  # type: ignore[union-attr]


async def test_blocking_closes_the_senders_open_sockets_at_once_and_no_one_elses(app: App, live_server: str) -> None:
    started = (await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com'})).json()
    other = (await app.http.post('/api/v1/chat/sessions', json={'email': 'kind@example.com'})).json()
    base = f'ws://{live_server}/api/v1/chat/ws?token='
    async with websockets.connect(base + started['session_token']) as socket, \
            websockets.connect(base + other['session_token']) as bystander:
        await socket.send('{"type": "ping"}')
        assert await asyncio.wait_for(socket.recv(), 5) == '{"type": "pong"}'  # open and registered
        async with app.runtime.db.sessions() as db:
            staff = await add_staff(db)
            await blocking.block_customer(db=db, bus=app.runtime.bus, staff=staff,
                                          customer_id=started['customer_id'])
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
        await bystander.send('{"type": "ping"}')
        assert await asyncio.wait_for(bystander.recv(), 5) == '{"type": "pong"}'
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, 'sender_blocked')  # type: ignore[union-attr]
