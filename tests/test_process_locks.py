"""X1: work that one process of several must do alone (training the topic model at start-up) holds a PostgreSQL
advisory lock; on SQLite there is one process and no lock. The PostgreSQL half runs in `make test-postgres`."""
from __future__ import annotations

import asyncio

import pytest
from sqlmodel import func, select

from db.engine import Database, is_sqlite
from db.locks import TOPIC_TRAINING, held_across_processes


async def test_a_second_process_waits_for_the_training_lock_until_the_first_lets_go(database: Database) -> None:
    if is_sqlite(database.url):
        pytest.skip('needs a PostgreSQL server: runs in make test-postgres')
    order: list[str] = []
    async with database.sessions() as first, database.sessions() as second:
        async with held_across_processes(first, TOPIC_TRAINING):
            free = (await second.exec(select(func.pg_try_advisory_lock(TOPIC_TRAINING)))).one()
            assert free is False

            async def waiter() -> None:
                async with held_across_processes(second, TOPIC_TRAINING):
                    order.append('second')
            waiting = asyncio.create_task(waiter())
            await asyncio.sleep(0.3)
            order.append('first done')
        await asyncio.wait_for(waiting, timeout=10)
    assert order == ['first done', 'second']


async def test_on_sqlite_the_block_simply_runs(database: Database) -> None:
    if not is_sqlite(database.url):
        pytest.skip('the SQLite half')
    async with database.sessions() as db, held_across_processes(db, TOPIC_TRAINING):
        assert (await db.exec(select(func.count()))).one() == 1
