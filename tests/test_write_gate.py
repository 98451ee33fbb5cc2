"""ORM writers on SQLite queue in the order they asked instead of racing in SQLite's busy handler (db/write_gate.py)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from db.engine import Database, open_database
from db.write_gate import WriteGate, is_write


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = open_database(f'sqlite+aiosqlite:///{tmp_path / "gate.db"}')

    def short_busy_timeout(dbapi_connection: object, _record: object) -> None:
        # SQLite alone would give up on a held write lock after 100 ms: waits longer than that prove the gate queued.
        dbapi_connection.cursor().execute('PRAGMA busy_timeout=100')  # type: ignore[attr-defined]

    event.listen(database.engine.sync_engine, 'connect', short_busy_timeout)
    async with database.engine.begin() as conn:
        await conn.execute(text('CREATE TABLE entry (id INTEGER PRIMARY KEY, who TEXT NOT NULL)'))
    yield database
    await database.dispose()


def gate_of(database: Database) -> WriteGate:
    assert database.write_gate is not None
    return database.write_gate


async def write(database: Database, who: str, *, hold: float = 0.0) -> None:
    async with database.sessions() as db:
        await db.exec(text('INSERT INTO entry (who) VALUES (:who)').bindparams(who=who))
        await asyncio.sleep(hold)  # the write lock stays taken until the commit
        await db.commit()


async def written(database: Database) -> list[str]:
    async with database.sessions() as db:
        return list((await db.exec(text('SELECT who FROM entry ORDER BY id'))).scalars())


def test_only_insert_update_delete_and_replace_take_the_gate() -> None:
    assert is_write('INSERT INTO entry VALUES (1)') and is_write('  update entry SET who = 1')
    assert is_write('DELETE FROM entry') and is_write('REPLACE INTO entry VALUES (1)')
    assert not is_write('SELECT * FROM entry') and not is_write('PRAGMA busy_timeout=5')
    assert not is_write('WITH x AS (SELECT 1) SELECT 1')


async def test_a_writer_waits_for_a_long_transaction_instead_of_failing_in_the_busy_handler(database: Database) -> None:
    first = asyncio.create_task(write(database, 'first', hold=0.5))
    await asyncio.sleep(0.05)
    await write(database, 'second')  # without the gate: "database is locked" after SQLite's 100 ms
    await first
    assert await written(database) == ['first', 'second']
    assert gate_of(database).waits == 1


async def test_writers_commit_in_the_order_they_asked(database: Database) -> None:
    first = asyncio.create_task(write(database, 'w0', hold=0.2))
    await asyncio.sleep(0.05)
    others = []
    for i in range(1, 6):
        others.append(asyncio.create_task(write(database, f'w{i}', hold=0.02)))
        await asyncio.sleep(0.01)
    await asyncio.gather(first, *others)
    assert await written(database) == [f'w{i}' for i in range(6)]


async def test_readers_do_not_wait_for_the_gate(database: Database) -> None:
    await write(database, 'before')
    holder = asyncio.create_task(write(database, 'held', hold=0.5))
    await asyncio.sleep(0.05)
    assert await written(database) == ['before']  # answered while the write transaction is still open
    assert not holder.done()
    await holder


async def test_a_rolled_back_writer_gives_the_gate_back(database: Database) -> None:
    async with database.sessions() as db:
        await db.exec(text('INSERT INTO entry (who) VALUES (:who)').bindparams(who='undone'))
        await db.rollback()
    await asyncio.wait_for(write(database, 'after'), 2)
    assert await written(database) == ['after']


async def test_a_writer_that_waits_too_long_fails_as_database_locked(database: Database) -> None:
    gate_of(database).timeout = 0.2
    holder = asyncio.create_task(write(database, 'slow', hold=1.0))
    await asyncio.sleep(0.05)
    with pytest.raises(OperationalError, match='database is locked'):
        await write(database, 'impatient')
    await holder
    await write(database, 'later')
    assert await written(database) == ['slow', 'later']
