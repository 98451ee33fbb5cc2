"""The migrations as a whole: on SQLite a batch alter copies a table, which silently drops its triggers (0016 once
dropped the customer search triggers of 0005, and new customers went missing from the search)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from db.migrate import alembic_config

SEARCH_TRIGGERS = {f'{table}_fts_{event}' for table in ('customer', 'message') for event in ('insert', 'delete',
                                                                                                 'update')}


def triggers(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


@pytest.mark.sqlite_only
def test_the_search_triggers_survive_every_migration_and_its_downgrade(tmp_path: Path) -> None:
    path = tmp_path / 'inbox.db'
    config = alembic_config(f'sqlite+aiosqlite:///{path}')
    command.upgrade(config, 'head')
    assert triggers(path) >= SEARCH_TRIGGERS
    command.downgrade(config, '0005')
    assert triggers(path) >= SEARCH_TRIGGERS
    command.upgrade(config, 'head')
    assert triggers(path) >= SEARCH_TRIGGERS
