"""The hot path for shopper chat messages on SQLite: one writer thread, group commit.

Measured (README, Benchmarks: ingest): through the async ORM one shopper message costs about thirty hand-offs
between the event loop and aiosqlite's thread (four per statement, plus session set-up, commit and rollback) and
~7 ms of CPU on the event loop. Here the request hands its message to one thread that owns one SQLite connection;
everything that arrived while the previous batch was being written goes into the next transaction, with one
commit for all of them. A message is acknowledged only after its batch committed, so an acknowledged message is
durable; the unique (session_id, client_msg_id) keeps a retried request from being stored twice, also when the
retry lands in the same batch.

The statements are plain SQL on the writer's own sqlite3 connection (SQLAlchemy Core cost ~0.2 ms of CPU per
message in compiling, caching and result handling, as much as the rest of the request); the values are bound
through the columns' own SQLAlchemy types, so what is stored is exactly what the ORM stores and reads back. Other
databases (PostgreSQL) use the ORM store; services/message_store.py picks one of the two at start-up.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url

from db.engine import is_sqlite, set_sqlite_pragmas
from db.models import ChatSession, Conversation, Customer, Message
from db.types import utcnow
from services.blocking import sender_blocked
from services.chat_sessions import (
    DEFAULT_TOKEN_LIFETIME,
    expired_token,
    invalid_token,
    token_expired,
    token_hash_of,
    token_use_to_record,
)
from services.customer_names import erased_email
from services.errors import ServiceError
from services.i18n import _
from services.messages import CleanMessage, Received, preview_of
from services.views import MessageView, SessionIds

log = logging.getLogger('inbox.message_writer')
MAX_BATCH = 500
KNOWN_SESSIONS = 20_000  # token hash -> session ids kept in memory (a session's ids never change)

MESSAGES = Message.__table__  # type: ignore[attr-defined]
CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]
SESSIONS = ChatSession.__table__  # type: ignore[attr-defined]
CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]
_DIALECT = SQLiteDialect_pysqlite()
_TIME = MESSAGES.c.created_at.type.dialect_impl(_DIALECT)  # the column's type as SQLite stores it
_JSON = MESSAGES.c.payload.type.dialect_impl(_DIALECT)
_bind_time = _TIME.bind_processor(_DIALECT)  # aware UTC datetime -> the stored text
_read_time = _TIME.result_processor(_DIALECT, None)
_read_json = _JSON.result_processor(_DIALECT, None)
EMPTY_PAYLOAD = _JSON.bind_processor(_DIALECT)({})
MESSAGE_COLUMNS = 'id, conversation_id, session_id, author, kind, body, payload, created_at, delivery, topic'
INSERT_MESSAGE = (f'INSERT INTO {MESSAGES.name} (conversation_id, session_id, author, kind, body, payload, '
                  'client_msg_id, created_at) VALUES (?, ?, \'customer\', \'text\', ?, ?, ?, ?) '
                  'ON CONFLICT (session_id, client_msg_id) DO NOTHING RETURNING id')
SELECT_REPEATED = f'SELECT {MESSAGE_COLUMNS} FROM {MESSAGES.name} WHERE session_id = ? AND client_msg_id = ?'
UPDATE_CONVERSATION = (f'UPDATE {CONVERSATIONS.name} SET last_message_at = ?, last_message_preview = ?, '
                       'last_message_author = \'customer\', unread = 1, status = \'open\', '
                       'first_customer_at = coalesce(first_customer_at, ?) WHERE id = ?')
SELECT_SESSION = (f'SELECT id, conversation_id, customer_id, coalesce(token_used_at, created_at) FROM {SESSIONS.name} '
                  'WHERE token_hash = ?')
RECORD_TOKEN_USE = f'UPDATE {SESSIONS.name} SET token_used_at = ? WHERE id = ?'
SELECT_BLOCKED = f'SELECT blocked_at IS NOT NULL, email FROM {CUSTOMERS.name} WHERE id = ?'


class StoreUnavailable(ServiceError):
    status = 503
    code = 'unavailable'


@dataclass(frozen=True)
class _Known:
    ids: SessionIds
    used_at: datetime
    """The token's last use as stored; the token is looked up again once this is an hour old."""


@dataclass
class _Pending:
    session: SessionIds
    body: str
    client_msg_id: str
    future: asyncio.Future[tuple[MessageView, bool]]


ERASED = 'erased'
Written = tuple[MessageView, bool] | str | None
"""What one pending message came to: stored (or the repeat's first message), None: its sender is blocked (R4), or
ERASED: the customer was erased (G1), perhaps by `inbox erase-customer` in another process while this one kept the
token in its cache. Nothing is stored then; the refusal is made on the event loop, in the request's language."""


class SqliteGroupWriter:
    """The `MessageStore` of SQLite databases (services/message_store.py)."""

    def __init__(self, path: str, *, token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME) -> None:
        self.path = path
        self.token_lifetime = token_lifetime
        self.connection: sqlite3.Connection | None = None  # opened, used and closed in the writer thread only
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix='message-writer')
        self.pending: list[_Pending] = []
        self.writing = False
        self.task: asyncio.Future[None] | None = None
        self.known: OrderedDict[str, _Known] = OrderedDict()  # only touched on the event loop

    @classmethod
    def for_url(cls, url: str, *, token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME) -> SqliteGroupWriter:
        assert is_sqlite(url), url
        return cls(make_url(url).database or ':memory:', token_lifetime=token_lifetime)

    def close(self) -> None:
        self.executor.submit(self._close)
        self.executor.shutdown(wait=True)

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _connect(self) -> sqlite3.Connection:
        if self.connection is None:
            # isolation_level=None: transactions are begun and committed here, explicitly
            self.connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            set_sqlite_pragmas(self.connection, None)
        return self.connection

    # ---------------------------------------------------------------- who is posting

    async def session_for_token(self, token: str | None) -> SessionIds:
        """The session of a bearer token, with the rules of chat_sessions.authenticate. Cached: the token ->
        session mapping never changes, and the token's last use is read and recorded again once it is an hour old
        (until then the token cannot have expired)."""
        token_hash = token_hash_of(token)
        now = utcnow()
        known = self.known.get(token_hash)
        if known is not None and not token_use_to_record(known.used_at, now=now, lifetime=self.token_lifetime):
            return known.ids
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(self.executor, self._look_up, token_hash)
        if found is None or token_expired(found.used_at, now=now, lifetime=self.token_lifetime):
            self.known.pop(token_hash, None)
            raise invalid_token() if found is None else expired_token()
        if token_use_to_record(found.used_at, now=now, lifetime=self.token_lifetime):
            await loop.run_in_executor(self.executor, self._record_use, found.ids.id, now)
            found = _Known(found.ids, now)
        self.known[token_hash] = found
        while len(self.known) > KNOWN_SESSIONS:
            self.known.popitem(last=False)
        return found.ids

    def forget(self, token_hashes: list[str]) -> None:
        for token_hash in token_hashes:
            self.known.pop(token_hash, None)

    def _look_up(self, token_hash: str) -> _Known | None:
        row = self._connect().execute(SELECT_SESSION, (token_hash,)).fetchone()
        return _Known(SessionIds(*row[:3]), _read_time(row[3])) if row is not None else None

    def _record_use(self, session_id: int, now: datetime) -> None:
        self._connect().execute(RECORD_TOKEN_USE, (_bind_time(now), session_id))

    # ---------------------------------------------------------------- storing

    async def store(self, session: SessionIds, message: CleanMessage) -> Received:
        """Store one shopper message; returns after its transaction committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[MessageView, bool]] = loop.create_future()
        self.pending.append(_Pending(session, message.body, message.client_msg_id, future))
        if not self.writing:
            self.writing = True
            self.task = asyncio.ensure_future(self._write_all())
        view, created = await asyncio.shield(future)  # a client that goes away does not cancel the write
        return Received(view, created)

    async def _write_all(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                try:
                    results = await loop.run_in_executor(self.executor, self._write_batch, batch)
                except Exception:  # whatever it was, every waiting request gets an answer
                    log.exception('storing %d shopper messages failed', len(batch))
                    for item in batch:
                        if not item.future.done():
                            item.future.set_exception(StoreUnavailable(
                                _('The message could not be stored; please send it again.')))
                    continue
                for item, result in zip(batch, results, strict=True):
                    if item.future.done():
                        continue
                    if result is None:
                        item.future.set_exception(sender_blocked())
                    elif isinstance(result, str):  # ERASED: the cached token's session is no longer a shopper's
                        self.known = OrderedDict((key, known) for key, known in self.known.items()
                                                 if known.ids.customer_id != item.session.customer_id)
                        item.future.set_exception(invalid_token())
                    else:
                        item.future.set_result(result)
        finally:
            self.writing = False

    def _write_batch(self, batch: list[_Pending]) -> list[Written]:
        connection = self._connect()
        connection.execute('BEGIN IMMEDIATE')
        try:
            results = [self._write_one(connection, item) for item in batch]
            connection.execute('COMMIT')
        except BaseException:
            connection.execute('ROLLBACK')
            raise
        return results

    @staticmethod
    def _write_one(connection: sqlite3.Connection, item: _Pending) -> Written:
        now = utcnow()
        stored_now = _bind_time(now)
        session = item.session
        customer = connection.execute(SELECT_BLOCKED, (session.customer_id,)).fetchone()
        # read in the write transaction, so a block (R4) or an erasure (G1, from any process) counts at once
        if customer is None or customer[1] == erased_email(session.customer_id):
            return ERASED
        if customer[0]:
            return None
        inserted = connection.execute(INSERT_MESSAGE, (session.conversation_id, session.id, item.body, EMPTY_PAYLOAD,
                                                       item.client_msg_id, stored_now)).fetchone()
        if inserted is None:  # the same client_msg_id again: the first message, nothing stored
            row = connection.execute(SELECT_REPEATED, (session.id, item.client_msg_id)).fetchone()
            return _view(row), False
        # a new shopper message reopens a closed conversation
        connection.execute(UPDATE_CONVERSATION, (stored_now, preview_of(item.body), stored_now,
                                                 session.conversation_id))
        return MessageView(id=inserted[0], conversation_id=session.conversation_id, session_id=session.id,
                           author='customer', author_name='', kind='text', body=item.body, payload={},
                           created_at=now, delivery=None, topic=None), True


def _view(row: tuple[Any, ...]) -> MessageView:
    id_, conversation_id, session_id, author, kind, body, payload, created_at, delivery, topic = row
    return MessageView(id=id_, conversation_id=conversation_id, session_id=session_id, author=author,
                       author_name='', kind=kind, body=body, payload=dict(_read_json(payload) or {}),
                       created_at=_read_time(created_at), delivery=delivery, topic=topic)
