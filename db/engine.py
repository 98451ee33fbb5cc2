"""The async engine, the session factory and the SQLite settings every connection gets."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from db.write_gate import WriteGate, install_write_gate


def set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.execute('PRAGMA busy_timeout=5000')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.close()


def is_sqlite(url: str) -> bool:
    return url.startswith('sqlite')


def sync_url(url: str) -> str:
    """The URL Alembic uses: the same database through a synchronous driver."""
    return url.replace('sqlite+aiosqlite', 'sqlite').replace('postgresql+asyncpg', 'postgresql')


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    write_gate: WriteGate | None = None  # SQLite only

    async def dispose(self) -> None:
        await self.engine.dispose()


def open_database(url: str) -> Database:
    if is_sqlite(url):
        # Each pooled aiosqlite connection is a thread and a page cache (up to 2 MB), so only 5 stay open; a burst
        # borrows up to 15 more. Writers queue on the write gate, which SQLite would make them do anyway.
        engine = create_async_engine(url, pool_size=5, max_overflow=15, pool_timeout=60)
        event.listen(engine.sync_engine, 'connect', set_sqlite_pragmas)
        gate: WriteGate | None = install_write_gate(engine)
    else:
        engine = create_async_engine(url, pool_pre_ping=True)
        gate = None
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    return Database(url=url, engine=engine, sessions=sessions, write_gate=gate)
