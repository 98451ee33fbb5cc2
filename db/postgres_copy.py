"""Moving a shop's SQLite database to PostgreSQL (SPEC X1, `inbox migrate-to-postgres`).

Both databases are first brought to the newest schema by the same migrations, so the copy is table by table in
foreign-key order through the models' own column types (times, JSON and booleans read from SQLite's text and
integers, written as PostgreSQL's types). The whole copy is one PostgreSQL transaction: a failure leaves the target
as empty as it was. The source is read inside one read transaction, a consistent snapshot even if the shop is still
running (what it stores after the snapshot is not copied: stop `inbox serve` first). Afterwards each table's rows are
counted on both sides and the id sequences moved past the copied ids.

Blocking: a command-line tool, never called from the event loop."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables)
from db.engine import sync_url
from db.migrate import upgrade

BATCH = 5_000
# Made by the migrations outside the models: Alembic's bookkeeping and SQLite's FTS5 search tables (PostgreSQL's
# search indexes are built from the copied rows by the migrations' expression indexes).
NOT_COPIED_PREFIXES = ('alembic_version', 'message_fts', 'customer_fts')
# Rows the migrations themselves insert into an empty database (0002: the store row), replaced by the source's.
SEEDED_BY_MIGRATIONS = ('store',)


class CopyRefused(Exception):
    """The copy was not started (or was rolled back): the message says why and what to do."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


def sqlite_url_of(path: Path) -> str:
    return f'sqlite+aiosqlite:///{path}'


def check_target_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except Exception as error:  # SQLAlchemy's ArgumentError names the bad part
        raise CopyRefused(f'Not a database URL: {error}') from error
    if parsed.get_backend_name() != 'postgresql':
        raise CopyRefused('The target must be a PostgreSQL URL, e.g. postgresql+asyncpg://user:password@host/inbox.')
    return parsed.set(drivername='postgresql+asyncpg').render_as_string(hide_password=False)


def copied_tables() -> list[Table]:
    return list(SQLModel.metadata.sorted_tables)  # parents before children: foreign keys hold at every insert


def copy_sqlite_to_postgres(source: Path, target_url: str, *, say: Callable[[str], None] = print,
                            batch: int = BATCH) -> list[TableCount]:
    if not source.is_file():
        raise CopyRefused(f'No SQLite database at {source}.')
    target_url = check_target_url(target_url)
    source_url = sqlite_url_of(source)
    say('Bringing both databases to the newest schema ...')
    upgrade(source_url)
    upgrade(target_url)
    reader = create_engine(sync_url(source_url))
    writer = create_engine(sync_url(target_url))
    try:
        _refuse_unknown_tables(reader)
        with reader.connect() as src:
            src.exec_driver_sql('BEGIN')  # one snapshot for every table (pysqlite would begin only at a write)
            with writer.begin() as dst:
                _refuse_non_empty(dst)
                for table in reversed(copied_tables()):
                    if table.name in SEEDED_BY_MIGRATIONS:
                        dst.execute(table.delete())
                for table in copied_tables():
                    copied = 0
                    for rows in _batches(src, table, batch):
                        dst.execute(table.insert(), rows)
                        copied += len(rows)
                    say(f'  {table.name}: {copied:,} rows')
                _move_sequences(dst)
            counts = [TableCount(table.name, _count(src, table), 0) for table in copied_tables()]
        with writer.connect() as dst:
            counts = [TableCount(count.table, count.source, _count(dst, table))
                      for count, table in zip(counts, copied_tables(), strict=True)]
    finally:
        reader.dispose()
        writer.dispose()
    return counts


def _refuse_unknown_tables(reader: Engine) -> None:
    """A table the models do not know would be silently left behind: refuse instead."""
    known = set(SQLModel.metadata.tables)
    unknown = sorted(name for name in inspect(reader).get_table_names()
                     if name not in known and not name.startswith(NOT_COPIED_PREFIXES))
    if unknown:
        raise CopyRefused(f'The SQLite database has tables this version does not know: {", ".join(unknown)}.')


def _refuse_non_empty(dst: Connection) -> None:
    filled = [table.name for table in copied_tables()
              if table.name not in SEEDED_BY_MIGRATIONS and _count(dst, table)]
    if filled:
        raise CopyRefused(f'The PostgreSQL database already holds data (in {", ".join(filled)}); '
                          'copy into a new, empty database.')


def _batches(src: Connection, table: Table, size: int) -> Iterator[list[dict[str, object]]]:
    primary = list(table.primary_key.columns)
    result = src.execute(select(table).order_by(*primary)).mappings()
    while rows := result.fetchmany(size):
        yield [dict(row) for row in rows]


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _move_sequences(dst: Connection) -> None:
    """Rows were inserted with their ids, which leaves each id sequence at its start: move it past the largest."""
    for table in copied_tables():
        if 'id' not in table.c or not table.c.id.primary_key:
            continue
        dst.execute(text(f'SELECT setval(pg_get_serial_sequence(:name, \'id\'), COALESCE(MAX(id), 1), '
                         f'MAX(id) IS NOT NULL) FROM "{table.name}"'), {'name': table.name})

