"""The hot path for shopper chat messages on PostgreSQL (SPEC X1): group commit with one statement per step.

Through the async ORM one shopper message cost six round trips and ~3 ms of CPU on the event loop (README,
Running on PostgreSQL: ingest measured 4.6 % of a raw asyncpg insert + commit loop). Here, as in SQLite's group
writer (services/message_writer.py), everything that arrives while the previous batch is being written goes into
the next transaction, and the batch is written with a fixed number of statements whatever its size:

1. lock the batch's conversations in id order (`FOR NO KEY UPDATE`, the order the topic tagger uses too, so two
   processes and the tagger cannot deadlock on them);
2. insert every message with one `INSERT ... SELECT FROM unnest(...)`; the insert joins the session by id *and*
   token hash and the customer where not blocked, so a token erased (G1) or a sender blocked (R4) in another
   process since this one cached the session stores nothing; a retried request is not stored twice (`NOT EXISTS`
   skips it without spending a message id, `ON CONFLICT DO NOTHING` catches a retry in the same batch or racing
   in through another process);
3. mark the conversations unread and open with one `UPDATE ... FROM unnest(...)`;
4. commit, then answer. What was not inserted is explained by one more query, only when there is any.

A batch that fails as a whole (a deadlock with something else, a lost connection) is written again message by
message, so one bad message never costs the others theirs. The session of a token is cached as in SQLite's
writer; the token's last use is recorded once it is an hour old.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import asyncpg

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
from services.event_relay import dsn_of
from services.i18n import _
from services.message_writer import KNOWN_SESSIONS, MAX_BATCH, StoreUnavailable
from services.messages import CleanMessage, Received, preview_of
from services.views import MessageView, SessionIds

log = logging.getLogger('inbox.message_writer')
POOL_SIZE = 3  # one writes batches, the others look up tokens meanwhile

MESSAGES = Message.__table__.name  # type: ignore[attr-defined]
CONVERSATIONS = Conversation.__table__.name  # type: ignore[attr-defined]
SESSIONS = ChatSession.__table__.name  # type: ignore[attr-defined]
CUSTOMERS = Customer.__table__.name  # type: ignore[attr-defined]
MESSAGE_COLUMNS = 'm.id, m.conversation_id, m.session_id, m.author, m.kind, m.body, m.payload, m.created_at, ' \
                  'm.delivery, m.topic'
LOCK_CONVERSATIONS = f'SELECT id FROM {CONVERSATIONS} WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE'
INSERT_MESSAGES = f"""
INSERT INTO {MESSAGES} (conversation_id, session_id, author, kind, body, payload, client_msg_id, created_at)
SELECT s.conversation_id, s.id, 'customer', 'text', u.body, '{{}}'::json, u.client_msg_id, u.created_at
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamp[], $5::text[]) WITH ORDINALITY
     AS u(session_id, body, client_msg_id, created_at, token_hash, n)
JOIN {SESSIONS} s ON s.id = u.session_id AND (u.token_hash IS NULL OR s.token_hash = u.token_hash)
JOIN {CUSTOMERS} c ON c.id = s.customer_id AND c.blocked_at IS NULL
WHERE NOT EXISTS (SELECT 1 FROM {MESSAGES} m WHERE m.session_id = u.session_id AND m.client_msg_id = u.client_msg_id)
ORDER BY u.n
ON CONFLICT (session_id, client_msg_id) DO NOTHING
RETURNING id, session_id, client_msg_id"""
UPDATE_CONVERSATIONS = f"""
UPDATE {CONVERSATIONS} AS c SET last_message_at = u.at, last_message_preview = u.preview,
    last_message_author = 'customer', unread = true, status = 'open',
    first_customer_at = coalesce(c.first_customer_at, u.at)
FROM unnest($1::bigint[], $2::timestamp[], $3::text[]) AS u(id, at, preview) WHERE c.id = u.id"""
EXPLAIN_NOT_INSERTED = f"""
SELECT u.n, s.id IS NOT NULL, coalesce(c.blocked_at IS NOT NULL, false), {MESSAGE_COLUMNS}
FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS u(session_id, client_msg_id, token_hash, n)
LEFT JOIN {SESSIONS} s ON s.id = u.session_id AND (u.token_hash IS NULL OR s.token_hash = u.token_hash)
LEFT JOIN {CUSTOMERS} c ON c.id = s.customer_id
LEFT JOIN {MESSAGES} m ON m.session_id = u.session_id AND m.client_msg_id = u.client_msg_id"""
SELECT_SESSION = f'SELECT id, conversation_id, customer_id, coalesce(token_used_at, created_at) FROM {SESSIONS} ' \
                 'WHERE token_hash = $1'
RECORD_TOKEN_USE = f'UPDATE {SESSIONS} SET token_used_at = $1 WHERE id = $2'


class Refused(Enum):
    BLOCKED = 'blocked'
    """R4: the sender is blocked; nothing stored."""
    GONE = 'gone'
    """The session or its token no longer exists (erased, G1); nothing stored."""


Written = tuple[MessageView, bool] | Refused


@dataclass(frozen=True)
class _Known:
    ids: SessionIds
    token_hash: str
    used_at: datetime


@dataclass
class _Pending:
    session: SessionIds
    token_hash: str | None
    body: str
    client_msg_id: str
    future: asyncio.Future[Written]


def _stored(moment: datetime) -> datetime:
    """timestamp without time zone holds UTC (db/types.py: UTCDateTime)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


class PostgresGroupWriter:
    """The `MessageStore` of PostgreSQL databases (services/message_store.py)."""

    def __init__(self, database_url: str, *, token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME) -> None:
        self.dsn = dsn_of(database_url)
        self.token_lifetime = token_lifetime
        self.pool: asyncpg.Pool | None = None
        self.opening: asyncio.Lock | None = None
        self.pending: list[_Pending] = []
        self.writing = False
        self.task: asyncio.Future[None] | None = None
        self.known: OrderedDict[str, _Known] = OrderedDict()
        self.hash_of_session: OrderedDict[int, str] = OrderedDict()

    async def _pool(self) -> asyncpg.Pool:
        if self.pool is None:
            if self.opening is None:
                self.opening = asyncio.Lock()
            async with self.opening:
                if self.pool is None:
                    self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=POOL_SIZE)
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None

    async def aclose(self) -> None:
        """Waits for the batch being written, then closes the connections."""
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)
        if self.pool is not None:
            pool, self.pool = self.pool, None
            await pool.close()

    # ---------------------------------------------------------------- who is posting

    async def session_for_token(self, token: str | None) -> SessionIds:
        """The rules of chat_sessions.authenticate, cached like SQLite's writer (services/message_writer.py)."""
        token_hash = token_hash_of(token)
        now = utcnow()
        known = self.known.get(token_hash)
        if known is not None and not token_use_to_record(known.used_at, now=now, lifetime=self.token_lifetime):
            return known.ids
        pool = await self._pool()
        row = await pool.fetchrow(SELECT_SESSION, token_hash)
        found = None if row is None else _Known(SessionIds(row[0], row[1], row[2]), token_hash,
                                                row[3].replace(tzinfo=UTC))
        if found is None or token_expired(found.used_at, now=now, lifetime=self.token_lifetime):
            self.known.pop(token_hash, None)
            raise invalid_token() if found is None else expired_token()
        if token_use_to_record(found.used_at, now=now, lifetime=self.token_lifetime):
            await pool.execute(RECORD_TOKEN_USE, _stored(now), found.ids.id)
            found = _Known(found.ids, token_hash, now)
        self.known[token_hash] = found
        self.hash_of_session[found.ids.id] = token_hash
        while len(self.known) > KNOWN_SESSIONS:
            self.known.popitem(last=False)
        while len(self.hash_of_session) > KNOWN_SESSIONS:
            self.hash_of_session.popitem(last=False)
        return found.ids

    def forget(self, token_hashes: list[str]) -> None:
        for token_hash in token_hashes:
            known = self.known.pop(token_hash, None)
            if known is not None:
                self.hash_of_session.pop(known.ids.id, None)

    # ---------------------------------------------------------------- storing

    async def store(self, session: SessionIds, message: CleanMessage) -> Received:
        """Store one shopper message; returns after its transaction committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Written] = loop.create_future()
        self.pending.append(_Pending(session, self.hash_of_session.get(session.id), message.body,
                                     message.client_msg_id, future))
        if not self.writing:
            self.writing = True
            self.task = asyncio.ensure_future(self._write_all())
        written = await asyncio.shield(future)  # a client that goes away does not cancel the write
        if written is Refused.BLOCKED:  # the refusals are made here, in the request's language
            raise sender_blocked()
        if written is Refused.GONE:
            raise invalid_token()
        view, created = written
        return Received(view, created)

    async def _write_all(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                try:
                    results = await self._write_batch(batch)
                except Exception:
                    if len(batch) == 1:
                        log.exception('storing a shopper message failed')
                        _fail(batch)
                        continue
                    log.warning('storing %d shopper messages together failed; writing them one by one', len(batch),
                                exc_info=True)
                    for item in batch:
                        try:
                            _answer([item], await self._write_batch([item]))
                        except Exception:
                            log.exception('storing a shopper message failed')
                            _fail([item])
                    continue
                _answer(batch, results)
        finally:
            self.writing = False

    async def _write_batch(self, batch: list[_Pending]) -> list[Written]:
        now = utcnow()
        stored_now = _stored(now)
        session_ids = [item.session.id for item in batch]
        client_ids = [item.client_msg_id for item in batch]
        token_hashes = [item.token_hash for item in batch]
        pool = await self._pool()
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute(LOCK_CONVERSATIONS, sorted({item.session.conversation_id for item in batch}))
            inserted = await connection.fetch(INSERT_MESSAGES, session_ids, [item.body for item in batch],
                                              client_ids, [stored_now] * len(batch), token_hashes)
            ids = {(row[1], row[2]): row[0] for row in inserted}
            latest: dict[int, _Pending] = {}
            for item in batch:
                if (item.session.id, item.client_msg_id) in ids:
                    latest[item.session.conversation_id] = item
            if latest:
                await connection.execute(UPDATE_CONVERSATIONS, list(latest), [stored_now] * len(latest),
                                         [preview_of(item.body) for item in latest.values()])
            explained = {} if len(ids) == len(batch) else \
                {row[0] - 1: row for row in await connection.fetch(EXPLAIN_NOT_INSERTED, session_ids, client_ids,
                                                                   token_hashes)}
        results: list[Written] = []
        first_of: set[tuple[int, str]] = set()
        for number, item in enumerate(batch):
            key = (item.session.id, item.client_msg_id)
            if key in ids and key not in first_of:
                first_of.add(key)
                session = item.session
                results.append((MessageView(
                    id=ids[key], conversation_id=session.conversation_id, session_id=session.id, author='customer',
                    author_name='', kind='text', body=item.body, payload={}, created_at=now, delivery=None,
                    topic=None), True))
                continue
            results.append(_explain(explained[number]))
        return results


def _explain(row: asyncpg.Record) -> Written:
    """Why a message was not inserted, in the order of the ORM store's rules: no session, blocked, a repeat."""
    if not row[1]:
        return Refused.GONE
    if row[2]:
        return Refused.BLOCKED
    id_, conversation_id, session_id, author, kind, body, payload, created_at, delivery, topic = tuple(row)[3:]
    if id_ is None:  # cannot happen: the insert found a conflict, so the message exists
        raise RuntimeError('a shopper message was neither stored nor found')
    return MessageView(id=id_, conversation_id=conversation_id, session_id=session_id, author=author,
                       author_name='', kind=kind, body=body, payload=dict(_json(payload)),
                       created_at=created_at.replace(tzinfo=UTC), delivery=delivery, topic=topic), False


def _json(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, dict) else {}


def _answer(batch: list[_Pending], results: list[Written]) -> None:
    for item, result in zip(batch, results, strict=True):
        if not item.future.done():
            item.future.set_result(result)


def _fail(batch: list[_Pending]) -> None:
    for item in batch:
        if not item.future.done():
            item.future.set_exception(StoreUnavailable(_('The message could not be stored; please send it again.')))
