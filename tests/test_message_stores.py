"""Every rule of a shopper's chat message, run against every store behind the one door (services/message_store.py):
SQLite's group writer, PostgreSQL's group writer and the ORM store (the rules written plainly). Then one script
through each, compared row by row. With INBOX_TEST_DATABASE_URL (make test-postgres, tests/postgres.py) the ORM
store and PostgreSQL's writer run on PostgreSQL, SQLite's writer on SQLite; without it PostgreSQL's writer is
skipped (make test runs both)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from db.engine import Database, open_database
from db.migrate import upgrade
from db.models import ChatSession, Conversation, Customer, Message
from db.types import utcnow
from services.blocking import SenderBlocked
from services.chat_sessions import SessionCreate, create_session
from services.errors import Invalid, TooLarge, Unauthorized
from services.events import EventBus
from services.message_store import MessageStore, OrmMessageStore
from services.message_writer import SqliteGroupWriter
from services.postgres_message_writer import PostgresGroupWriter
from services.rate_limit import RateLimits
from services.shopper_messages import ShopperMessages
from tests.postgres import PostgresServer
from tests.shoppers import UNLIMITED, ids_of

STORES: dict[str, Callable[[Database], MessageStore]] = {
    'sqlite group writer': lambda database: SqliteGroupWriter.for_url(database.url),
    'postgres group writer': lambda database: PostgresGroupWriter(database.url),
    'orm': OrmMessageStore,
}
ON_POSTGRES = {'orm', 'postgres group writer'}


class Recorder:
    """What the door published, in order."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[tuple[str, Any]] = []
        bus.message_created.subscribe(lambda view: self.events.append(('message_created', view.body)))
        bus.conversation_changed.subscribe(lambda cid: self.events.append(('conversation_changed', cid)))


@asynccontextmanager
async def door_on(path: Path, kind: str, postgres_url: str = '') -> AsyncIterator[tuple[ShopperMessages, Database,
                                                                                      Recorder]]:
    """The ORM store on `postgres_url` (a migrated copy of the template) when given, else each on an SQLite file."""
    if kind in ON_POSTGRES and postgres_url:
        url = postgres_url
    elif kind == 'postgres group writer':
        pytest.skip('needs PostgreSQL (make test-postgres runs it)')
    else:
        url = f'sqlite+aiosqlite:///{path}'
        upgrade(url)
    database = open_database(url)
    store = STORES[kind](database)
    bus = EventBus()
    recorder = Recorder(bus)
    try:
        yield ShopperMessages(store=store, bus=bus, limits=RateLimits(**UNLIMITED)), database, recorder
    finally:
        store.close()
        await database.dispose()


@pytest.fixture(params=sorted(STORES))
async def door(request: pytest.FixtureRequest, tmp_path: Path,
               postgres_database: str) -> AsyncIterator[tuple[ShopperMessages, Database, Recorder]]:
    async with door_on(tmp_path / 'inbox.sqlite', request.param, postgres_database) as found:
        yield found


async def start_chat(database: Database, email: str = 'sara@example.com') -> tuple[ChatSession, str]:
    async with database.sessions() as db:
        created = await create_session(db=db, session_in=SessionCreate(email=email, name='Sara'))
    return created.session, created.token


async def test_a_message_is_stored_once_per_client_msg_id(door: tuple[ShopperMessages, Database, Recorder]) -> None:
    shoppers, database, recorder = door
    session, token = await start_chat(database)
    first = await shoppers.receive(token=token, address='10.0.0.1', body='  Is the scarf wool?  ', client_msg_id=' a1 ')
    again = await shoppers.receive(token=token, address='10.0.0.1', body='Is the scarf wool?', client_msg_id='a1')
    assert first.created and not again.created and again.message.id == first.message.id
    assert first.message.body == 'Is the scarf wool?'
    async with database.sessions() as db:
        stored = (await db.exec(select(Message))).all()
    assert [(m.body, m.client_msg_id, m.session_id) for m in stored] == [('Is the scarf wool?', 'a1', session.id)]
    assert recorder.events == [('message_created', 'Is the scarf wool?'),
                               ('conversation_changed', session.conversation_id)]


async def test_an_acknowledged_message_reads_back_as_it_was_answered(
        door: tuple[ShopperMessages, Database, Recorder]) -> None:
    shoppers, database, _recorder = door
    session, token = await start_chat(database)
    received = await shoppers.receive(token=token, address='a', body='Hello', client_msg_id='1')
    async with database.sessions() as db:
        message = await db.get(Message, received.message.id)
    assert message is not None
    assert (message.created_at, message.author, message.kind, message.payload, message.delivery) == (
        received.message.created_at, 'customer', 'text', {}, None)
    assert message.created_at.tzinfo is not None


async def test_a_message_marks_the_conversation_unread_and_reopens_it(
        door: tuple[ShopperMessages, Database, Recorder]) -> None:
    shoppers, database, _recorder = door
    session, token = await start_chat(database)
    async with database.sessions() as db:
        conversation = await db.get(Conversation, session.conversation_id)
        assert conversation is not None
        conversation.status, conversation.unread = 'closed', False
        db.add(conversation)
        await db.commit()
    body = 'Do you ship to Finland? ' * 10
    await shoppers.receive(token=token, address='a', body=body, client_msg_id='1')
    async with database.sessions() as db:
        conversation = await db.get(Conversation, session.conversation_id)
    assert conversation is not None
    assert (conversation.status, conversation.unread, conversation.last_message_author) == ('open', True, 'customer')
    assert conversation.last_message_preview == body.strip()[:139] + '…'


@pytest.mark.parametrize(('body', 'client_msg_id', 'error', 'code'), [
    (' \n\t ', '1', Invalid, 'empty_body'),
    ('a' * 5001, '1', TooLarge, 'body_too_long'),
    ('Hi', '', Invalid, 'invalid_client_msg_id'),
    ('Hi', 'x' * 65, Invalid, 'invalid_client_msg_id'),
    ('   ', 'x' * 65, Invalid, 'empty_body'),  # one order for every caller: the body first
])
async def test_a_bad_message_is_refused_with_its_code_and_nothing_is_stored(
        door: tuple[ShopperMessages, Database, Recorder], body: str, client_msg_id: str,
        error: type[Exception], code: str) -> None:
    shoppers, database, recorder = door
    _session, token = await start_chat(database)
    with pytest.raises(error) as raised:
        await shoppers.receive(token=token, address='a', body=body, client_msg_id=client_msg_id)
    assert raised.value.code == code
    async with database.sessions() as db:
        assert (await db.exec(select(Message))).all() == []
    assert recorder.events == []


@pytest.mark.parametrize('token', [None, '', 'x' * 43, 'y' * 500])
async def test_a_message_without_a_valid_token_is_refused(door: tuple[ShopperMessages, Database, Recorder],
                                                          token: str | None) -> None:
    shoppers, database, recorder = door
    await start_chat(database)
    with pytest.raises(Unauthorized):
        await shoppers.receive(token=token, address='a', body='Hi', client_msg_id='1')
    assert recorder.events == []


async def test_the_rate_limit_counts_per_session_before_anything_is_stored(
        door: tuple[ShopperMessages, Database, Recorder]) -> None:
    shoppers, database, _recorder = door
    limited = ShopperMessages(store=shoppers.store, bus=shoppers.bus, limits=RateLimits(
        **{**UNLIMITED, 'message_limit': 2, 'window_seconds': 60.0}))
    _session, token = await start_chat(database)
    for number in range(2):
        await limited.receive(token=token, address='a', body='Hi', client_msg_id=str(number))
    with pytest.raises(Exception) as raised:
        await limited.receive(token=token, address='a', body='Hi', client_msg_id='over')
    assert raised.value.code == 'rate_limited'
    async with database.sessions() as db:
        assert len((await db.exec(select(Message))).all()) == 2


async def test_messages_arriving_together_are_each_stored_once(
        door: tuple[ShopperMessages, Database, Recorder]) -> None:
    """The writers' group commit: one batch holds many messages, retries of one another among them."""
    shoppers, database, _recorder = door
    sessions = [await start_chat(database, f'shopper{number}@example.com') for number in range(5)]
    sends = [shoppers.receive(token=token, address='a', body=f'Question {number % 4}', client_msg_id=str(number % 4))
             for number in range(12) for _session, token in sessions]
    received = await asyncio.gather(*sends)
    firsts: dict[tuple[int, str], int] = {}
    for item in received:
        firsts.setdefault((item.message.session_id or 0, item.message.body), item.message.id)
        assert item.message.id == firsts[(item.message.session_id or 0, item.message.body)]
    assert sum(item.created for item in received) == 5 * 4
    async with database.sessions() as db:
        stored = (await db.exec(select(Message))).all()
        conversations = (await db.exec(select(Conversation))).all()
    assert len(stored) == 5 * 4 and len({m.id for m in stored}) == 20
    assert all(c.unread and c.last_message_author == 'customer' for c in conversations)


async def test_a_sender_blocked_elsewhere_is_refused_although_their_session_is_known(
        door: tuple[ShopperMessages, Database, Recorder]) -> None:
    """R4 with several processes: another process blocked the customer after this one cached the session."""
    shoppers, database, recorder = door
    session, token = await start_chat(database)
    await shoppers.receive(token=token, address='a', body='Hello', client_msg_id='1')
    async with database.sessions() as db:
        customer = await db.get(Customer, session.customer_id)
        assert customer is not None
        customer.blocked_at = utcnow()
        db.add(customer)
        await db.commit()
    with pytest.raises(SenderBlocked):
        await shoppers.receive(token=token, address='a', body='Still there?', client_msg_id='2')
    with pytest.raises(SenderBlocked):  # a retry of a stored message is refused too
        await shoppers.receive(token=token, address='a', body='Hello', client_msg_id='1')
    async with database.sessions() as db:
        assert [m.body for m in (await db.exec(select(Message))).all()] == ['Hello']
    assert [name for name, _body in recorder.events] == ['message_created', 'conversation_changed']


@pytest.mark.parametrize('door', sorted(ON_POSTGRES), indirect=True)
async def test_a_token_erased_by_another_process_stores_nothing(
        door: tuple[ShopperMessages, Database, Recorder]) -> None:
    """G1 with several processes: the erasure ran elsewhere, so this process's cache was never told. SQLite's writer
    runs in one process, where the erasure drops its cache (services/privacy_commands.py)."""
    shoppers, database, _recorder = door
    session, token = await start_chat(database)
    await shoppers.receive(token=token, address='a', body='Hello', client_msg_id='1')
    async with database.sessions() as db:
        stored_session = await db.get(ChatSession, session.id)
        assert stored_session is not None
        stored_session.token_hash = 'f' * 64
        db.add(stored_session)
        await db.commit()
    with pytest.raises(Unauthorized):
        await shoppers.receive(token=token, address='a', body='My address is ...', client_msg_id='2')
    async with database.sessions() as db:
        assert [m.body for m in (await db.exec(select(Message))).all()] == ['Hello']


async def script(shoppers: ShopperMessages, database: Database) -> None:
    """The same shoppers saying the same things, in the same order, through one store."""
    sara, sara_token = await start_chat(database, 'sara@example.com')
    olli, _olli_token = await start_chat(database, 'olli@example.org')
    await shoppers.receive(token=sara_token, address='a', body='Is the tent waterproof?', client_msg_id='s1')
    await shoppers.receive_as(ids_of(olli), body='Wool socks in 44?', client_msg_id='o1')
    await shoppers.receive(token=sara_token, address='a', body='Is the tent waterproof?', client_msg_id='s1')
    await shoppers.receive(token=sara_token, address='a', body='  And the poles?\n', client_msg_id='s2')
    for bad in ('', ' '):
        with pytest.raises(Invalid):
            await shoppers.receive_as(ids_of(sara), body=bad, client_msg_id='s3')


async def stored_rows(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    async with database.sessions() as db:
        messages = (await db.exec(select(Message).order_by(col(Message.id)))).all()
        conversations = (await db.exec(select(Conversation).order_by(col(Conversation.id)))).all()
    return {
        'messages': [(m.id, m.conversation_id, m.session_id, m.author, m.kind, m.body, m.payload, m.client_msg_id,
                      m.delivery, m.topic, m.staff_id, type(m.created_at), m.created_at.tzinfo is not None)
                     for m in messages],
        'conversations': [(c.id, c.status, c.unread, c.last_message_preview, c.last_message_author,
                           c.last_message_at == messages[-1].created_at if c.id == messages[-1].conversation_id
                           else None,
                           # K1's first shopper message (services/report_columns.py), kept by every store
                           c.first_customer_at == min(m.created_at for m in messages if m.conversation_id == c.id))
                          for c in conversations],
    }


async def test_every_store_stores_the_same_rows_and_publish_the_same_events(
        tmp_path: Path, postgres_server: PostgresServer | None) -> None:
    seen: dict[str, tuple[dict[str, list[tuple[Any, ...]]], list[tuple[str, Any]]]] = {}
    for kind in sorted(STORES):
        if kind not in ON_POSTGRES or postgres_server is None:
            if kind == 'postgres group writer':
                continue  # make test-postgres compares it too
            name = ''
        else:
            name = postgres_server.create_test_database()  # each store its own empty database
        try:
            async with door_on(tmp_path / f'{kind.replace(" ", "-")}.sqlite', kind,
                               postgres_server.url_of(name) if name and postgres_server else '') as (
                    shoppers, database, recorder):
                await script(shoppers, database)
                seen[kind] = (await stored_rows(database), recorder.events)
        finally:
            if name and postgres_server:
                postgres_server.drop(name)
    writer_rows, writer_events = seen['sqlite group writer']
    assert len(writer_rows['messages']) == 3  # the comparison is not of two empty tables
    assert set(seen) == {'sqlite group writer', 'orm'} | ({'postgres group writer'} if postgres_server else set())
    for kind, (rows, events) in seen.items():
        assert (kind, rows, events) == (kind, writer_rows, writer_events)
