"""X1: two processes on one PostgreSQL database see each other's events (services/event_relay.py).

Each relay here has its own bus and its own LISTEN connection, as two processes have; they need PostgreSQL, so the
tests run in `make test-postgres` (this file is in its list) and are skipped in the SQLite run. The encoding
tests need no server."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database, is_sqlite
from services.chat_sessions import SessionCreate, create_session
from services.event_relay import PostgresEventRelay, encode
from services.events import EventBus, from_another_process
from services.messages import load_views, send_staff_reply
from services.views import MessageView
from tests.conftest import add_staff


def relay_for(database: Database, bus: EventBus) -> PostgresEventRelay:
    async def views(message_ids: Sequence[int]) -> dict[int, MessageView]:
        async with database.sessions() as db:
            return await load_views(db, message_ids)
    return PostgresEventRelay(database_url=database.url, bus=bus, load_views=views)


@pytest.fixture
async def two_processes(database: Database) -> AsyncIterator[tuple[EventBus, EventBus]]:
    if is_sqlite(database.url):
        pytest.skip('needs a PostgreSQL server: runs in make test-postgres')
    here, there = EventBus(), EventBus()
    relays = [relay_for(database, here), relay_for(database, there)]
    for relay in relays:
        await relay.start()
    yield here, there
    for relay in relays:
        await relay.stop()


async def eventually(check: Callable[[], bool]) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.025)
    raise AssertionError('the other process never saw it')


async def test_a_reply_stored_by_one_process_reaches_the_others_subscribers_re_read_from_the_database(
        two_processes: tuple[EventBus, EventBus], db: AsyncSession) -> None:
    here, there = two_processes
    seen_there: list[tuple[str, int, bool]] = []
    seen_here: list[int] = []
    there.message_created.subscribe(lambda view: seen_there.append((view.body, view.id, from_another_process())))
    there.conversation_changed.subscribe(lambda cid: seen_there.append(('changed', cid, from_another_process())))
    here.conversation_changed.subscribe(seen_here.append)
    staff = await add_staff(db)
    created = await create_session(db=db, session_in=SessionCreate(email='two@example.com'))
    conversation_id = created.session.conversation_id
    view = await send_staff_reply(db=db, bus=here, staff=staff, conversation_id=conversation_id, body='From A')
    await eventually(lambda: len(seen_there) == 2)
    assert seen_there == [('From A', view.id, True), ('changed', conversation_id, True)]
    assert seen_here == [conversation_id]  # the emitting process saw its own event once, not again from the relay


async def test_a_burst_of_messages_reaches_the_other_process_complete_in_order_re_read_in_batches(
        database: Database, db: AsyncSession) -> None:
    if is_sqlite(database.url):
        pytest.skip('needs a PostgreSQL server: runs in make test-postgres')
    here, there = EventBus(), EventBus()
    reads: list[int] = []

    async def counted_views(message_ids: Sequence[int]) -> dict[int, MessageView]:
        reads.append(len(message_ids))
        async with database.sessions() as session:
            return await load_views(session, message_ids)
    relays = [relay_for(database, here), PostgresEventRelay(database_url=database.url, bus=there,
                                                            load_views=counted_views)]
    for relay in relays:
        await relay.start()
    try:
        seen: list[str] = []
        there.message_created.subscribe(lambda view: seen.append(view.body))
        staff = await add_staff(db)
        created = await create_session(db=db, session_in=SessionCreate(email='burst@example.com'))
        bodies = [f'Reply {number}' for number in range(120)]
        for body in bodies:
            await send_staff_reply(db=db, bus=here, staff=staff, conversation_id=created.session.conversation_id,
                                   body=body)
        await eventually(lambda: len(seen) == len(bodies))
        assert seen == bodies
        assert sum(reads) == len(bodies)
    finally:
        for relay in relays:
            await relay.stop()


async def test_presence_cart_and_staff_access_changes_cross_over_in_order(
        two_processes: tuple[EventBus, EventBus]) -> None:
    here, there = two_processes
    seen: list[object] = []
    there.presence_changed.subscribe(lambda cid, online: seen.append(('presence', cid, online)))
    there.cart_changed.subscribe(lambda cid: seen.append(('cart', cid)))
    here.presence_changed.emit(7, True)
    here.cart_changed.emit(7)
    here.presence_changed.emit(7, False)
    there.staff_access_changed.subscribe(lambda staff_id: seen.append(('staff', staff_id)))
    here.staff_access_changed.emit(3)  # a member deactivated on one process: their pages on the other end too
    await eventually(lambda: len(seen) == 4)
    assert seen == [('presence', 7, True), ('cart', 7), ('presence', 7, False), ('staff', 3)]


async def test_typing_crosses_over_in_the_notification_alone(two_processes: tuple[EventBus, EventBus]) -> None:
    here, there = two_processes
    seen: list[object] = []
    there.typing_changed.subscribe(lambda cid, side, typing: seen.append((cid, side, typing, from_another_process())))
    here.typing_changed.emit(7, 'shopper', True)
    here.typing_changed.emit(7, 'shopper', False)
    await eventually(lambda: len(seen) == 2)
    assert seen == [(7, 'shopper', True, True), (7, 'shopper', False, True)]


def test_a_notification_carries_ids_never_message_text() -> None:
    view = MessageView(id=41, conversation_id=3, session_id=None, author='staff', author_name='Ana', kind='text',
                       body='my secret address', payload={}, created_at=datetime.now(UTC), delivery='chat',
                       topic=None)
    assert json.loads(encode('message_created', (view,))) == {'e': 'message_created', 'm': 41}
    assert json.loads(encode('presence_changed', (3, True))) == {'e': 'presence_changed', 'c': 3, 'on': True}
    assert 'secret' not in encode('message_updated', (view,))
    assert json.loads(encode('typing_changed', (3, 'staff', True))) == {'e': 'typing_changed', 'c': 3, 'by': 'staff',
                                                                       't': True}
