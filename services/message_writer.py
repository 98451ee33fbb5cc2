"""The hot path for shopper chat messages on SQLite: one writer thread, group commit.

Measured (README, Benchmarks: ingest): through the async ORM one shopper message costs about thirty hand-offs
between the event loop and aiosqlite's thread (four per statement, plus session set-up, commit and rollback) and
~7 ms of CPU on the event loop. Here the request hands its message to one thread that owns one SQLite connection;
everything that arrived while the previous batch was being written goes into the next transaction, with one
commit for all of them. A message is acknowledged only after its batch committed, so an acknowledged message is
durable; the unique (session_id, client_msg_id) keeps a retried request from being stored twice, also when the
retry lands in the same batch.

The statements are SQLAlchemy Core on the tables of db.models (same types, same stored formats). Other databases
(PostgreSQL) keep the ORM path in services.messages: `MessageWriter.for_database` returns None for them.
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from db.engine import is_sqlite, set_sqlite_pragmas, sync_url
from db.models import ChatSession, Conversation, Message
from db.types import utcnow
from services.chat_sessions import invalid_token, token_hash_of
from services.errors import ServiceError
from services.i18n import _
from services.events import EventBus
from services.messages import Received, preview_of
from services.views import MessageView, SessionIds

log = logging.getLogger('inbox.message_writer')
MAX_BATCH = 500
KNOWN_SESSIONS = 20_000  # token hash -> session ids kept in memory (a session's ids never change)

MESSAGES = Message.__table__  # type: ignore[attr-defined]
CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]
SESSIONS = ChatSession.__table__  # type: ignore[attr-defined]


class StoreUnavailable(ServiceError):
    status = 503
    code = 'unavailable'


@dataclass
class _Pending:
    session: SessionIds
    body: str
    client_msg_id: str
    future: asyncio.Future[tuple[MessageView, bool]]


class MessageWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix='message-writer')
        self.pending: list[_Pending] = []
        self.writing = False
        self.task: asyncio.Future[None] | None = None
        self.known: OrderedDict[str, SessionIds] = OrderedDict()  # only touched on the event loop

    @classmethod
    def for_database(cls, url: str) -> MessageWriter | None:
        if not is_sqlite(url):
            return None
        engine = create_engine(sync_url(url), pool_size=1, max_overflow=0)
        event.listen(engine, 'connect', set_sqlite_pragmas)
        return cls(engine)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.engine.dispose()

    # ---------------------------------------------------------------- who is posting

    async def session_for_token(self, token: str | None) -> SessionIds:
        """The session of a bearer token (cached: the token -> session mapping never changes)."""
        token_hash = token_hash_of(token)
        found = self.known.get(token_hash)
        if found is None:
            found = await asyncio.get_running_loop().run_in_executor(self.executor, self._look_up, token_hash)
            if found is None:
                raise invalid_token()
            self.known[token_hash] = found
            while len(self.known) > KNOWN_SESSIONS:
                self.known.popitem(last=False)
        return found

    def _look_up(self, token_hash: str) -> SessionIds | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(SESSIONS.c.id, SESSIONS.c.conversation_id, SESSIONS.c.customer_id)
                                     .where(SESSIONS.c.token_hash == token_hash)).first()
        return SessionIds(*row) if row is not None else None

    # ---------------------------------------------------------------- storing

    async def store(self, *, bus: EventBus, session: SessionIds, body: str, client_msg_id: str) -> Received:
        """Store one shopper message (body already cleaned); returns after its transaction committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[MessageView, bool]] = loop.create_future()
        self.pending.append(_Pending(session, body, client_msg_id, future))
        if not self.writing:
            self.writing = True
            self.task = asyncio.ensure_future(self._write_all())
        view, created = await asyncio.shield(future)  # a client that goes away does not cancel the write
        received = Received(view, created)
        if created:  # what services.messages does after its commit: the message, then the conversation's row
            bus.message_created.emit(view)
            bus.conversation_changed.emit(view.conversation_id)
        return received

    async def _write_all(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                try:
                    results = await loop.run_in_executor(self.executor, self._write_batch, batch)
                except SQLAlchemyError:
                    log.exception('storing %d shopper messages failed', len(batch))
                    for item in batch:
                        if not item.future.done():
                            item.future.set_exception(StoreUnavailable(
                                _('The message could not be stored; please send it again.')))
                    continue
                for item, result in zip(batch, results):
                    if not item.future.done():
                        item.future.set_result(result)
        finally:
            self.writing = False

    def _write_batch(self, batch: list[_Pending]) -> list[tuple[MessageView, bool]]:
        results: list[tuple[MessageView, bool]] = []
        with self.engine.begin() as connection:
            for item in batch:
                results.append(self._write_one(connection, item))
        return results

    def _write_one(self, connection: Any, item: _Pending) -> tuple[MessageView, bool]:
        now = utcnow()
        session = item.session
        inserted = connection.execute(
            sqlite_insert(MESSAGES).values(
                conversation_id=session.conversation_id, session_id=session.id, author='customer', kind='text',
                body=item.body, payload={}, client_msg_id=item.client_msg_id, created_at=now)
            .on_conflict_do_nothing(index_elements=['session_id', 'client_msg_id'])
            .returning(MESSAGES.c.id)).first()
        if inserted is None:  # the same client_msg_id again: the first message, nothing stored
            row = connection.execute(select(MESSAGES).where(
                MESSAGES.c.session_id == session.id, MESSAGES.c.client_msg_id == item.client_msg_id)).one()
            return _view(row._mapping), False
        connection.execute(update(CONVERSATIONS).where(CONVERSATIONS.c.id == session.conversation_id).values(
            last_message_at=now, last_message_preview=preview_of(item.body), last_message_author='customer',
            unread=True, status='open'))  # a new shopper message reopens a closed conversation
        return MessageView(id=inserted[0], conversation_id=session.conversation_id, session_id=session.id,
                           author='customer', author_name='', kind='text', body=item.body, payload={},
                           created_at=now, delivery=None, topic=None), True


def _view(row: Any) -> MessageView:
    created_at: datetime = row['created_at']
    return MessageView(id=row['id'], conversation_id=row['conversation_id'], session_id=row['session_id'],
                       author=row['author'], author_name='', kind=row['kind'], body=row['body'],
                       payload=dict(row['payload'] or {}), created_at=created_at, delivery=row['delivery'],
                       topic=row['topic'])

