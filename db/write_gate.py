"""One ORM write transaction at a time on SQLite, in the order they asked.

SQLite lets one connection write at a time; the others wait in its busy handler, which sleeps and
polls, so the waiting is not first come, first served. An ORM write transaction on aiosqlite spans
several hand-offs between the event loop and the connection's thread, so when the loop is busy a
transaction holds the lock for long and, during a burst (many shoppers starting chats at once),
an unlucky writer can wait past busy_timeout and fail. The gate makes the pool's connections queue
in the event loop instead: a connection takes the gate just before its first INSERT, UPDATE or
DELETE (where SQLite's deferred transaction takes the write lock) and gives it back when it
returns to the pool, after its commit or rollback. Reads never touch it. The message writer's own
connection (services/message_writer.py) is outside the gate; its group commits are short.

Waiting on the gate is bounded: past `timeout` the statement fails like SQLite's own busy timeout
("database is locked"), which the API answers 503 busy.
"""
from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

WRITES = ('INSERT', 'UPDATE', 'DELETE', 'REPLACE')
HELD = 'write_gate_held'


def is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(WRITES)


class WriteGate:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.waits = 0

    def before_execute(self, conn: Connection, _cursor: Any, statement: str, parameters: Any, _context: Any,
                       _executemany: bool) -> None:
        if conn.info.get(HELD) or not is_write(statement):
            return
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            # The same task writing on a second connection while its first one holds the gate: waiting would
            # never end, so it goes on to SQLite's busy handler as it would without the gate.
            return
        if self._lock.locked():
            self.waits += 1
        try:
            await_only(asyncio.wait_for(self._lock.acquire(), self.timeout))
        except TimeoutError:
            raise OperationalError(statement, parameters, sqlite3.OperationalError(
                f'database is locked (waited {self.timeout:g} s for the write gate)')) from None
        self._holder = task
        self._loop = asyncio.get_running_loop()
        conn.info[HELD] = True

    def on_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if not record.info.pop(HELD, False):
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if self._loop is None or running is self._loop:
            self._release()
        elif not self._loop.is_closed():
            # A connection the garbage collector returns, on whichever thread it ran: the lock belongs to the loop.
            self._loop.call_soon_threadsafe(self._release)

    def _release(self) -> None:
        self._holder = None
        self._lock.release()


def install_write_gate(engine: AsyncEngine, timeout: float = 30.0) -> WriteGate:
    gate = WriteGate(timeout)
    event.listen(engine.sync_engine, 'before_cursor_execute', gate.before_execute)
    event.listen(engine.sync_engine.pool, 'checkin', gate.on_checkin)
    return gate
