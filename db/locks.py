"""Serialising one kind of write across connections and processes, until the transaction ends."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import column, table, update
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

ORDER_NUMBERS = 1  # the keys of the locks below: one per kind of write
TOPIC_TRAINING = 2
SIGN_IN_ATTEMPTS = 3
PRIVACY_DAILY = 4  # services/daily_jobs.py: the audit prune and message retention, once a day for all processes
CUSTOMER_DATA = 5  # erasing texts (G1, G3) against an inbound e-mail being stored in the same conversation

_STORE = table('store', column('id'))  # the one-row table a write that changes nothing is aimed at


async def lock_until_commit(session: AsyncSession, key: int) -> None:
    """PostgreSQL: a transaction-level advisory lock on `key`, released by the commit or rollback. SQLite needs none:
    a writing transaction holds the database's one write lock until it ends."""
    bind = session.bind
    if bind is not None and bind.dialect.name == 'postgresql':
        await session.exec(select(func.pg_advisory_xact_lock(key)))


async def exclusive_until_commit(session: AsyncSession, key: int) -> None:
    """`lock_until_commit` on PostgreSQL; on SQLite the database's write lock, taken now by a write that changes
    nothing, so what this transaction reads next cannot be changed by another writer until it ends."""
    bind = session.bind
    if bind is not None and bind.dialect.name == 'sqlite':
        await session.exec(update(_STORE).where(_STORE.c.id == 0).values(id=_STORE.c.id))
    else:
        await lock_until_commit(session, key)


@asynccontextmanager
async def held_across_processes(session: AsyncSession, key: int) -> AsyncIterator[None]:
    """PostgreSQL: a session-level advisory lock on `key` for the block (waiting, without blocking the event loop,
    while another process holds it; a process that dies releases it with its connection). SQLite: nothing, one
    process serves a SQLite database."""
    bind = session.bind
    if bind is None or bind.dialect.name != 'postgresql':
        yield
        return
    await session.exec(select(func.pg_advisory_lock(key)))
    try:
        yield
    finally:
        await session.exec(select(func.pg_advisory_unlock(key)))
