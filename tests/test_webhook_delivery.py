"""W1 delivery against real HTTP receivers (aiohttp on free local ports): signed as documented, retried with backoff
until delivered once, nothing lost while a receiver is down, a hanging receiver holds up nobody else, two senders
never send one event twice, given up after 24 h. Time is a clock the test moves, never a sleep."""
from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from aiohttp import web
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database, open_database
from db.models import Staff, WebhookDelivery
from db.types import utcnow
from services import webhooks
from services.webhook_events import record_event, send_test
from services.webhook_sender import WebhookSender
from tests.conftest import App, add_staff, free_port

RECEIVER_EXAMPLE = Path(__file__).resolve().parents[1] / 'docs' / 'examples' / 'webhook_receiver.py'


def load_receiver_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location('webhook_receiver', RECEIVER_EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_shows_the_tested_receiver_example_word_for_word() -> None:
    readme = (RECEIVER_EXAMPLE.parents[2] / 'README.md').read_text()
    assert '```python\n' + RECEIVER_EXAMPLE.read_text() + '```' in readme


@dataclass
class Receiver:
    """A real HTTP server: answers `fail_first` requests with 500, then 200; or hangs while `hanging` is set."""
    port: int = field(default_factory=free_port)
    fail_first: int = 0
    hang: bool = False
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}/hook'

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((dict(request.headers), body))
        if self.hang:
            await self.release.wait()
        if len(self.requests) <= self.fail_first:
            return web.Response(status=500, text='not now')
        self.accepted.append(json.loads(body)['id'])
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post('/hook', self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, '127.0.0.1', self.port).start()

    async def stop(self) -> None:
        self.release.set()
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture
async def receivers() -> AsyncIterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        await receiver.stop()


async def receiving(receivers: list[Receiver], **kwargs: object) -> Receiver:
    receiver = Receiver(**kwargs)  # type: ignore[arg-type]
    await receiver.start()
    receivers.append(receiver)
    return receiver


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def owner(db: AsyncSession) -> Staff:
    return await add_staff(db, email='owner@example.com', name='Olga Owner', is_owner=True)


async def endpoint_for(db: AsyncSession, staff: Staff, receiver: Receiver,
                       events: tuple[str, ...] = ('order.created',)) -> webhooks.CreatedEndpoint:
    return await webhooks.add_endpoint(db=db, staff=staff, url=receiver.url, events=events, allow_private=True)


async def event(db: AsyncSession, number: int, *, at: datetime | None = None) -> None:
    await record_event(db, 'order.created', {'order': {'order_number': number}}, now=at)
    await db.commit()


async def rows(db: AsyncSession) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(col(WebhookDelivery.id)).execution_options(populate_existing=True)
    return list((await db.exec(query)).all())


def sender_for(database: Database, clock: Clock, **kwargs: object) -> WebhookSender:
    return WebhookSender(database.sessions, clock=clock, backoff=lambda attempts: timedelta(minutes=attempts),
                         **kwargs)  # type: ignore[arg-type]


async def test_a_delivery_is_signed_as_the_readme_shows_and_verifies(db: AsyncSession, database: Database,
                                                                     receivers: list[Receiver]) -> None:
    receiver = await receiving(receivers)
    created = await endpoint_for(db, await owner(db), receiver)
    await event(db, 5001)
    sender = WebhookSender(database.sessions)
    try:
        assert await sender.run_once() == 1
    finally:
        await sender.close()
    [(headers, body)] = receiver.requests
    sent = json.loads(body)
    assert set(sent) == {'id', 'type', 'created_at', 'data'}
    assert (sent['type'], sent['data'], headers['Inbox-Event-Id']) == (
        'order.created', {'order': {'order_number': 5001}}, sent['id'])
    assert sent['id'].startswith('evt_') and datetime.fromisoformat(sent['created_at']).tzinfo is not None
    example = load_receiver_example()
    assert example.verify(created.secret, headers['Inbox-Signature'], body)
    assert not example.verify(created.secret, headers['Inbox-Signature'], body + b' ')
    assert not example.verify('whsec_someone-else', headers['Inbox-Signature'], body)
    [row] = await rows(db)
    assert (row.status, row.attempts, row.last_status_code) == ('delivered', 1, 204) and row.delivered_at


async def test_a_receiver_failing_three_times_gets_the_event_on_the_fourth_try_once(
        db: AsyncSession, database: Database, receivers: list[Receiver]) -> None:
    receiver = await receiving(receivers, fail_first=3)
    await endpoint_for(db, await owner(db), receiver)
    clock = Clock()
    await event(db, 1, at=clock.now)
    sender = sender_for(database, clock)
    try:
        for attempt in range(1, 4):
            assert await sender.run_once() == 1
            [row] = await rows(db)
            assert (row.status, row.attempts, row.last_status_code) == ('failed', attempt, 500)
            assert row.next_attempt_at == clock.now + timedelta(minutes=attempt)
            assert await sender.run_once() == 0  # not before its backoff ends
            clock.advance(minutes=attempt)
        assert await sender.run_once() == 1
        clock.advance(hours=2)
        assert await sender.run_once() == 0
    finally:
        await sender.close()
    [row] = await rows(db)
    assert (row.status, row.attempts, row.last_status_code) == ('delivered', 4, 204)
    assert len(receiver.requests) == 4 and receiver.accepted == [row.event_id]
    assert {headers['Inbox-Event-Id'] for headers, _ in receiver.requests} == {row.event_id}


async def test_a_receiver_killed_and_restarted_loses_nothing(db: AsyncSession, database: Database,
                                                            receivers: list[Receiver]) -> None:
    receiver = await receiving(receivers)
    await endpoint_for(db, await owner(db), receiver)
    clock = Clock()
    sender = sender_for(database, clock)
    try:
        await event(db, 1, at=clock.now)
        await sender.run_once()
        await receiver.stop()
        await event(db, 2, at=clock.now)
        await event(db, 3, at=clock.now)
        assert await sender.run_once() == 2
        assert [row.status for row in await rows(db)] == ['delivered', 'failed', 'failed']
        assert 'ConnectError' in (await rows(db))[1].last_error
        await receiver.start()  # the same port again
        clock.advance(minutes=5)
        assert await sender.run_once() == 2
    finally:
        await sender.close()
    stored = await rows(db)
    assert [row.status for row in stored] == ['delivered'] * 3
    assert sorted(receiver.accepted) == sorted(row.event_id for row in stored)


async def test_a_hanging_receiver_does_not_hold_up_another_endpoint(db: AsyncSession, database: Database,
                                                                   receivers: list[Receiver]) -> None:
    hanging = await receiving(receivers, hang=True)
    healthy = await receiving(receivers)
    staff = await owner(db)
    await endpoint_for(db, staff, hanging)
    healthy_id = (await endpoint_for(db, staff, healthy)).endpoint.id
    for number in range(3):
        await event(db, number)
    sender = WebhookSender(database.sessions, concurrency=4, per_endpoint=2)
    try:
        await sender.round()
        for _ in range(500):
            if len(hanging.requests) == 2 and healthy_id not in sender.in_flight:  # both answered and recorded
                break
            await asyncio.sleep(0.01)
        assert len(hanging.requests) == 2 and hanging.accepted == []  # its share is in flight, no more
        assert len(healthy.accepted) == 2
        await sender.round()  # a round while it hangs: the healthy endpoint's third event goes out
        for _ in range(500):
            if len(healthy.accepted) == 3:
                break
            await asyncio.sleep(0.01)
        assert len(healthy.accepted) == 3 and len(hanging.requests) == 2
    finally:
        await sender.close()


async def test_two_senders_on_one_database_send_each_event_once(db: AsyncSession, settings: object,
                                                               database: Database,
                                                               receivers: list[Receiver]) -> None:
    receiver = await receiving(receivers)
    await endpoint_for(db, await owner(db), receiver)
    for number in range(12):
        await event(db, number)
    other = open_database(database.url)  # its own engine and connections, as another process has
    first, second = WebhookSender(database.sessions), WebhookSender(other.sessions)
    try:
        while sum(await asyncio.gather(first.run_once(), second.run_once())):
            pass  # each round takes at most two per endpoint
    finally:
        await first.close()
        await second.close()
        await other.dispose()
    assert sorted(receiver.accepted) == sorted(row.event_id for row in await rows(db))
    assert len(receiver.accepted) == len(set(receiver.accepted)) == 12


async def test_after_24_hours_of_refusals_a_delivery_is_given_up(db: AsyncSession, database: Database,
                                                                receivers: list[Receiver]) -> None:
    receiver = await receiving(receivers, fail_first=10**6)
    await endpoint_for(db, await owner(db), receiver)
    clock = Clock()
    await event(db, 1, at=clock.now)
    sender = sender_for(database, clock)
    try:
        await sender.run_once()
        clock.advance(hours=24)
        await sender.run_once()
        clock.advance(hours=24)
        assert await sender.run_once() == 0
    finally:
        await sender.close()
    [row] = await rows(db)
    assert (row.status, row.attempts) == ('given_up', 2) and len(receiver.requests) == 2


async def test_an_address_that_now_resolves_inward_is_refused_at_delivery(db: AsyncSession, database: Database,
                                                                         receivers: list[Receiver]) -> None:
    receiver = await receiving(receivers)
    staff = await owner(db)
    await webhooks.add_endpoint(db=db, staff=staff, url='http://hooks.example.com/in', events=['order.created'],
                                resolver=lambda _host, _port: _resolved('93.184.216.34'))
    await event(db, 1)
    sender = WebhookSender(database.sessions, resolver=lambda _host, _port: _resolved('127.0.0.1'))
    try:
        await sender.run_once()
    finally:
        await sender.close()
    [row] = await rows(db)
    assert row.status == 'failed' and 'own network' in row.last_error and receiver.requests == []


async def _resolved(*addresses: str) -> list[str]:
    return list(addresses)


async def test_send_test_pings_the_endpoint(db: AsyncSession, database: Database, receivers: list[Receiver]) -> None:
    receiver = await receiving(receivers)
    staff = await owner(db)
    created = await endpoint_for(db, staff, receiver)
    event_id = await send_test(db=db, staff=staff, endpoint_id=created.endpoint.id)
    sender = WebhookSender(database.sessions)
    try:
        await sender.run_once()
    finally:
        await sender.close()
    [(_headers, body)] = receiver.requests
    assert json.loads(body)['type'] == 'ping' and receiver.accepted == [event_id]
    [listed] = await webhooks.list_endpoints(db=db, staff=staff)
    assert (listed.last_status, listed.last_status_code, listed.waiting) == ('delivered', 204, 0)


async def test_the_running_app_sends_a_new_chat_and_its_message_once(app: App, receivers: list[Receiver]) -> None:
    receiver = await receiving(receivers)
    async with app.runtime.db.sessions() as db:
        await webhooks.add_endpoint(db=db, staff=await owner(db), url=receiver.url, allow_private=True,
                                    events=['conversation.created', 'message.created'])
    started = (await app.http.post('/api/v1/chat/sessions', json={'email': 'eva@example.com'})).json()
    sent = await app.http.post('/api/v1/chat/messages', json={'body': 'Do you ship to Oulu?', 'client_msg_id': 'm1'},
                               headers={'Authorization': f'Bearer {started["session_token"]}'})
    assert sent.status_code == 201
    for _ in range(500):
        if len(receiver.accepted) >= 2:
            break
        await asyncio.sleep(0.02)
    events = sorted((json.loads(body) for _headers, body in receiver.requests), key=lambda e: e['type'])
    assert [(e['type'], e['data'].get('message', {}).get('body')) for e in events] == [
        ('conversation.created', None), ('message.created', 'Do you ship to Oulu?')]  # at once, so in any order
    assert events[0]['data']['conversation']['id'] == started['conversation_id']
