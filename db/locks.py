"""Serialising one kind of write across connections and processes, until the transaction ends."""
from __future__ import annotations

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

ORDER_NUMBERS = 1  # the keys of the locks below: one per kind of write


async def lock_until_commit(session: AsyncSession, key: int) -> None:
    """PostgreSQL: a transaction-level advisory lock on `key`, released by the commit or rollback. SQLite needs none:
    a writing transaction holds the database's one write lock until it ends."""
    bind = session.bind
    if bind is not None and bind.dialect.name == 'postgresql':
        await session.exec(select(func.pg_advisory_xact_lock(key)))
