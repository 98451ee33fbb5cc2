"""Events between processes on one PostgreSQL database (SPEC X1): LISTEN/NOTIFY carrying ids.

Each process keeps one asyncpg connection that LISTENs on one channel and also sends this process's events with
`pg_notify` (the services emit after commit, so a notification never names a row the others cannot read yet).
A notification carries only names and ids; the receiving process re-reads what it shows (a message by its id)
and emits it on its own bus with `emit_here`, so its staff tabs and shopper sockets update as if it had stored
it. PostgreSQL delivers a connection's notifications in the order they were sent; this process handles them
in that order too. Whatever arrived while the last batch was being handled is handled next as one batch (up to
RECEIVE_BATCH): its messages are re-read with one query, then every event of it is emitted in arrival order.
One query per message fell behind under load (300 shoppers on two processes: a backlog of 850 notifications
and staff lists seconds late, see bench/results.md). Notifications sent by this process's own connection are
skipped.

If the connection drops, the relay reconnects (every second at first, then up to every 30 s). What was sent
meanwhile is not replayed: the lists re-read their rows on the next change, a reloaded page reads everything.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from services.events import EventBus
from services.views import MessageView

log = logging.getLogger('inbox.events')
CHANNEL = 'inbox_events'
QUEUE_LIMIT = 10_000
SEND_BATCH = 200
RECEIVE_BATCH = 500
MAX_RETRY_SECONDS = 30.0
MESSAGE_EVENTS = ('message_created', 'message_updated')
LoadViews = Callable[[Sequence[int]], Awaitable[dict[int, MessageView]]]


def encode(name: str, args: tuple[Any, ...]) -> str:
    """The notification for one event: its name and ids (a message by its id, never its text)."""
    if name in MESSAGE_EVENTS:
        view: MessageView = args[0]
        return json.dumps({'e': name, 'm': view.id})
    if name == 'presence_changed':
        return json.dumps({'e': name, 'c': args[0], 'on': bool(args[1])})
    if name == 'typing_changed':  # R3: ephemeral, so the payload is all there is (no row to re-read)
        return json.dumps({'e': name, 'c': args[0], 'by': args[1], 't': bool(args[2])})
    return json.dumps({'e': name, 'c': args[0]})


def dsn_of(database_url: str) -> str:
    return make_url(database_url).set(drivername='postgresql').render_as_string(hide_password=False)


class PostgresEventRelay:
    def __init__(self, *, database_url: str, bus: EventBus, load_views: LoadViews) -> None:
        self.dsn = dsn_of(database_url)
        self.bus = bus
        self.load_views = load_views
        self.outgoing: asyncio.Queue[str] = asyncio.Queue(QUEUE_LIMIT)
        self.incoming: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        self.connection: asyncpg.Connection | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.connected = asyncio.Event()

    def send(self, name: str, args: tuple[Any, ...]) -> None:
        """The bus's relay: called in the emitting code's turn, so it only queues."""
        try:
            self.outgoing.put_nowait(encode(name, args))
        except asyncio.QueueFull:
            log.warning('event relay queue full: %s not sent to the other processes', name)

    async def start(self) -> None:
        self.bus.relay = self.send
        self.tasks = [asyncio.create_task(self._keep_connected(), name='event-relay-connection'),
                      asyncio.create_task(self._handle_incoming(), name='event-relay-incoming')]
        await asyncio.wait_for(self.connected.wait(), timeout=30)

    async def stop(self) -> None:
        self.bus.relay = None
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.connection is not None and not self.connection.is_closed():
            await self.connection.close()

    async def _keep_connected(self) -> None:
        wait = 1.0
        while True:
            try:
                self.connection = await asyncpg.connect(self.dsn)
                own_pid = self.connection.get_server_pid()

                def received(_connection: object, pid: int, _channel: str, payload: str,
                             own_pid: int = own_pid) -> None:
                    if pid != own_pid:
                        self.incoming.put_nowait((pid, payload))

                await self.connection.add_listener(CHANNEL, received)
                self.connected.set()
                wait = 1.0
                await self._send_forever(self.connection)
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning('event relay: %s; reconnecting in %.0f s', error, wait)
            if self.connection is not None and not self.connection.is_closed():
                await self.connection.close()
            await asyncio.sleep(wait)
            wait = min(wait * 2, MAX_RETRY_SECONDS)

    async def _send_forever(self, connection: asyncpg.Connection) -> None:
        while True:
            batch = [await self.outgoing.get()]
            while len(batch) < SEND_BATCH and not self.outgoing.empty():
                batch.append(self.outgoing.get_nowait())
            await connection.executemany('SELECT pg_notify($1, $2)', [(CHANNEL, payload) for payload in batch])

    async def _handle_incoming(self) -> None:
        while True:
            batch = [(await self.incoming.get())[1]]
            while len(batch) < RECEIVE_BATCH and not self.incoming.empty():
                batch.append(self.incoming.get_nowait()[1])
            await self._handle_batch(batch)

    async def _handle_batch(self, payloads: list[str]) -> None:
        events: list[tuple[str, dict[str, Any]]] = []
        for payload in payloads:
            try:
                events.append((payload, json.loads(payload)))
            except ValueError:
                log.warning('event relay: not a notification: %r', payload[:200])
        message_ids = sorted({int(event['m']) for _payload, event in events
                              if event.get('e') in MESSAGE_EVENTS and str(event.get('m', '')).isdigit()})
        views: dict[int, MessageView] = {}
        if message_ids:
            try:
                views = await self.load_views(message_ids)
            except Exception:  # the lists re-read their rows on the next change; the other events still go out
                log.exception('event relay: could not re-read %d messages', len(message_ids))
        for payload, event in events:
            try:
                self._emit(event, views)
            except Exception:  # one bad notification must not end the relay
                log.exception('event relay: could not handle %r', payload[:200])

    def _emit(self, event: dict[str, Any], views: dict[int, MessageView]) -> None:
        name = event.get('e')
        if name in MESSAGE_EVENTS:
            view = views.get(int(event['m']))
            if view is not None:
                getattr(self.bus, name).emit_here(view)
        elif name == 'presence_changed':
            self.bus.presence_changed.emit_here(int(event['c']), bool(event['on']))
        elif name == 'typing_changed':
            if event.get('by') in ('shopper', 'staff'):
                self.bus.typing_changed.emit_here(int(event['c']), str(event['by']), bool(event['t']))
        elif name in ('conversation_changed', 'cart_changed', 'staff_access_changed', 'mentions_seen',
                      'sender_blocked'):
            getattr(self.bus, name).emit_here(int(event['c']))
        else:
            log.warning('event relay: unknown event %r', name)
