"""What an open conversation list reads when conversations change: their rows and the tabs' counts.

Measured (README, Benchmarks: live latency): at 300 shoppers the list's update read the changed rows and the
counts through the async ORM, four statements and a few dozen hand-offs to aiosqlite's thread; that was a third of
the server's CPU, and an update waited ~10 ms (p50) for its read while the event loop served the shoppers. On
SQLite, `SqliteListReader` reads the same rows and counts in one hand-off to its own thread, with plain SQL on its
own read connection, inside one read transaction (rows and counts from the same moment). The counts run the very
statements of `conversations.count_queries`, compiled once per filter; the rows' values go through the columns'
SQLAlchemy types, so a row is what `conversations.get_rows` returns (tests/test_list_reader.py compares them).
The inbox's unread count (`conversations.count_unread`) is read in the same transaction.
Other databases (PostgreSQL) read through the ORM: `OrmListReader`.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url

from db.engine import Database, is_sqlite, set_sqlite_pragmas
from db.models import ChatSession, Conversation, Customer, Order, Staff
from services import conversations, notes
from services.conversations import ListFilter
from services.views import ConversationRow

CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]  # SQLModel tables have __table__ at runtime
CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]  # SQLModel tables have __table__ at runtime
STAFF = Staff.__table__  # type: ignore[attr-defined]  # SQLModel tables have __table__ at runtime
SESSIONS = ChatSession.__table__  # type: ignore[attr-defined]  # SQLModel tables have __table__ at runtime
ORDERS = Order.__table__  # type: ignore[attr-defined]  # SQLModel tables have __table__ at runtime
_DIALECT = SQLiteDialect_pysqlite()
COMPILED_FILTERS = 64  # count statements kept compiled (one per filter an open list shows)

# The columns of a row, in ConversationRow's order up to `topics`, then the newest chat session's e-mail.
_ROW_COLUMNS = [CONVERSATIONS.c.id, CONVERSATIONS.c.customer_id, CUSTOMERS.c.name, CUSTOMERS.c.email,
                CONVERSATIONS.c.customer_online, CONVERSATIONS.c.status, CONVERSATIONS.c.unread,
                CONVERSATIONS.c.last_message_preview, CONVERSATIONS.c.last_message_author,
                CONVERSATIONS.c.last_message_at, CONVERSATIONS.c.started_at, CONVERSATIONS.c.channel,
                CONVERSATIONS.c.assignee_id, STAFF.c.name, CONVERSATIONS.c.topics, SESSIONS.c.email,
                SESSIONS.c.identity_verified, CUSTOMERS.c.blocked_at]
_READ: list[Callable[[Any], Any] | None] = [column.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None)
                                            for column in _ROW_COLUMNS]
SELECT_ROWS = (
    f'SELECT c.id, c.customer_id, cu.name, cu.email, c.customer_online, c.status, c.unread, c.last_message_preview, '
    f'c.last_message_author, c.last_message_at, c.started_at, c.channel, c.assignee_id, a.name, c.topics, '
    f'(SELECT s.email FROM {SESSIONS.name} s WHERE s.conversation_id = c.id ORDER BY s.id DESC LIMIT 1), '
    # V1: the newest session is unverified and names a customer known before it (an older session or an order)
    f'(SELECT s.identity_verified = 0 AND (EXISTS (SELECT 1 FROM {SESSIONS.name} o WHERE o.customer_id = '
    f's.customer_id AND o.id < s.id) OR EXISTS (SELECT 1 FROM {ORDERS.name} od WHERE od.customer_id = s.customer_id)) '
    f'FROM {SESSIONS.name} s WHERE s.conversation_id = c.id ORDER BY s.id DESC LIMIT 1), cu.blocked_at '
    f'FROM {CONVERSATIONS.name} c JOIN {CUSTOMERS.name} cu ON cu.id = c.customer_id '
    f'LEFT JOIN {STAFF.name} a ON a.id = c.assignee_id '
    f'WHERE c.id IN (SELECT value FROM json_each(?))')

# R2's Mentioned view: which of the changed conversations have a note naming the viewer, and whether one is unseen
SELECT_MENTIONS = (
    'SELECT m.conversation_id, MAX(nm.seen_at IS NULL) FROM note_mention nm JOIN message m ON m.id = nm.message_id '
    'WHERE nm.staff_id = ? AND m.conversation_id IN (SELECT value FROM json_each(?)) GROUP BY m.conversation_id')


@dataclass(frozen=True)
class ListUpdate:
    rows: dict[int, ConversationRow]  # the changed conversations that still exist
    counts: dict[str, int]  # each tab's count under the list's filter
    unread: int  # unread open conversations in the whole inbox (conversations.count_unread)


class ListReader(Protocol):
    async def read(self, conversation_ids: list[int], flt: ListFilter) -> ListUpdate: ...

    def close(self) -> None: ...


def list_reader_for(db: Database) -> ListReader:
    if is_sqlite(db.url):
        return SqliteListReader(make_url(db.url).database or ':memory:')
    return OrmListReader(db)


class OrmListReader:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def read(self, conversation_ids: list[int], flt: ListFilter) -> ListUpdate:
        async with self.db.sessions() as db:
            rows = await conversations.get_rows(db=db, conversation_ids=conversation_ids)
            if flt.view == 'mentioned':
                rows = conversations.with_mention_flags(rows, await notes.mention_flags(
                    db=db, staff_id=flt.staff_id, conversation_ids=conversation_ids))
            counts = await conversations.count_by_status(db=db, flt=flt)
            unread = await conversations.count_unread(db=db)
        return ListUpdate(rows, counts, unread)

    def close(self) -> None:
        pass


class SqliteListReader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = None  # opened, used and closed in the reader thread only
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix='list-reader')
        self.compiled: OrderedDict[ListFilter, list[tuple[str | None, str, tuple[Any, ...]]]] = OrderedDict()

    async def read(self, conversation_ids: list[int], flt: ListFilter) -> ListUpdate:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._read, conversation_ids, flt)

    def close(self) -> None:
        self.executor.submit(self._close)
        self.executor.shutdown(wait=True)

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _connect(self) -> sqlite3.Connection:
        if self.connection is None:
            self.connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            set_sqlite_pragmas(self.connection, None)
        return self.connection

    def _read(self, conversation_ids: list[int], flt: ListFilter) -> ListUpdate:
        statements = self._count_statements(flt)
        connection = self._connect()
        connection.execute('BEGIN')  # one snapshot for the rows and the counts
        try:
            found = connection.execute(SELECT_ROWS, (json.dumps(conversation_ids),)).fetchall()
            counted = [(status, connection.execute(sql, params).fetchall() if status is None
                        else connection.execute(sql, params).fetchone()[0]) for status, sql, params in statements]
            unread = connection.execute(*SELECT_UNREAD).fetchone()[0]
            flags = {cid: bool(unseen) for cid, unseen in connection.execute(
                SELECT_MENTIONS, (flt.staff_id, json.dumps(conversation_ids))).fetchall()} \
                if flt.view == 'mentioned' else None
        finally:
            connection.execute('COMMIT')
        rows = {}
        for values in found:
            row = _to_row([value if read is None else read(value) for read, value in zip(_READ, values, strict=True)])
            rows[row.id] = row
        if flags is not None:
            rows = conversations.with_mention_flags(rows, flags)
        return ListUpdate(rows, conversations.tally_counts(counted), unread)

    def _count_statements(self, flt: ListFilter) -> list[tuple[str | None, str, tuple[Any, ...]]]:
        statements = self.compiled.get(flt)
        if statements is None:
            statements = [(status, *_plain(query))
                          for status, query in conversations.count_queries(flt, sqlite=True)]
            self.compiled[flt] = statements
            while len(self.compiled) > COMPILED_FILTERS:
                self.compiled.popitem(last=False)
        return statements


def _plain(query: Any) -> tuple[str, tuple[Any, ...]]:
    """A SQLAlchemy statement as SQLite's SQL text and its parameters in order."""
    compiled = query.compile(dialect=_DIALECT)
    return str(compiled), tuple(compiled.params[name] for name in compiled.positiontup or ())


SELECT_UNREAD = _plain(conversations.unread_query())


def _to_row(values: list[Any]) -> ConversationRow:
    (conversation_id, customer_id, name, email, online, status, unread, preview, preview_author, last_message_at,
     started_at, channel, assignee_id, assignee, topics, session_email, unverified_claim, blocked_at) = values
    return ConversationRow(
        id=conversation_id, customer_id=customer_id, customer_name=name or email, customer_email=email,
        online=online, status=status, unread=unread, preview=preview, preview_author=preview_author,
        last_message_at=last_message_at, started_at=started_at, channel=channel, assignee_id=assignee_id,
        assignee_name=assignee or '', topics=list(topics or [])[:2], session_email=session_email or email,
        unverified_claim=bool(unverified_claim), customer_blocked=blocked_at is not None)
