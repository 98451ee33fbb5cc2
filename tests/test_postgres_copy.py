"""X1: `inbox migrate-to-postgres` moves a shop's SQLite database into a new PostgreSQL database and checks counts.

The copies need a PostgreSQL server: they run in `make test-postgres` (this file is in its list) and are skipped in
the SQLite run, which has none. The refusals that need no server run in both."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from app.cli import run
from db.engine import open_database
from db.models import Conversation, Customer, Message, Staff
from db.postgres_copy import CopyRefused, copy_sqlite_to_postgres
from services import conversations
from services.conversations import ListFilter
from tests.postgres import PostgresServer


@pytest.fixture
def empty_postgres(postgres_server: PostgresServer | None) -> Iterator[str]:
    if postgres_server is None:
        pytest.skip('needs a PostgreSQL server: runs in make test-postgres')
    name = postgres_server.create_empty_database()
    yield postgres_server.url_of(name)
    postgres_server.drop(name)


@pytest.fixture
def demo_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory whose SQLite database holds the demo store, made by the command merchants run."""
    monkeypatch.delenv('INBOX_DATABASE_URL', raising=False)
    data_dir = tmp_path / 'shop'
    assert run(['demo', '--data-dir', str(data_dir)]) == 0
    return data_dir


async def _counts(url: str) -> tuple[int, int, int, int]:
    database = open_database(url)
    try:
        async with database.sessions() as db:
            return ((await db.exec(select(func.count()).select_from(Conversation))).one(),
                    (await db.exec(select(func.count()).select_from(Message))).one(),
                    (await db.exec(select(func.count()).select_from(Customer))).one(),
                    (await db.exec(select(func.count()).select_from(Staff))).one())
    finally:
        await database.dispose()


async def test_the_demo_shop_moves_to_postgres_with_every_row_and_keeps_working(
        demo_shop: Path, empty_postgres: str, capsys: pytest.CaptureFixture[str]) -> None:
    source_url = f'sqlite+aiosqlite:///{demo_shop / "inbox.db"}'
    assert run(['migrate-to-postgres', '--data-dir', str(demo_shop), '--to', empty_postgres]) == 0
    assert 'every count matches' in capsys.readouterr().out
    assert await _counts(empty_postgres) == await _counts(source_url)

    database = open_database(empty_postgres)
    try:
        async with database.sessions() as db:
            newest = await conversations.list_rows(db=db, limit=5)
            assert newest and all(row.customer_name for row in newest)
            word = (await db.exec(select(Message.body).where(col(Message.author) == 'customer')
                                  .order_by(col(Message.id)).limit(1))).one().split()[0]
            found = await conversations.list_rows(db=db, limit=50, flt=ListFilter(search=word))
            assert found, f'the search index was not built for the copied messages ({word!r})'
            db.add(Customer(email='new.after.move@example.com', name='New After Move'))
            await db.commit()  # the id sequence was moved past the copied ids: no duplicate key
    finally:
        await database.dispose()


async def test_a_postgres_database_that_holds_data_is_refused_and_left_as_it_was(
        demo_shop: Path, empty_postgres: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(['migrate-to-postgres', '--data-dir', str(demo_shop), '--to', empty_postgres]) == 0
    before = await _counts(empty_postgres)
    capsys.readouterr()
    assert run(['migrate-to-postgres', '--data-dir', str(demo_shop), '--to', empty_postgres]) == 2
    assert 'already holds data' in capsys.readouterr().err
    assert await _counts(empty_postgres) == before


def test_the_target_must_be_postgres(tmp_path: Path) -> None:
    source = tmp_path / 'inbox.db'
    source.write_bytes(b'')
    with pytest.raises(CopyRefused, match='must be a PostgreSQL URL'):
        copy_sqlite_to_postgres(source, f'sqlite+aiosqlite:///{tmp_path / "other.db"}')
    with pytest.raises(CopyRefused, match='Not a database URL'):
        copy_sqlite_to_postgres(source, 'not a url')


def test_a_missing_sqlite_database_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(['migrate-to-postgres', '--data-dir', str(tmp_path), '--to', 'postgresql://u:p@localhost/x']) == 2
    assert 'No SQLite database at' in capsys.readouterr().err
