"""Run Alembic migrations from code (no alembic.ini needed)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from db.engine import sync_url

MIGRATIONS = Path(__file__).parent / 'migrations'


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option('script_location', str(MIGRATIONS))
    config.set_main_option('sqlalchemy.url', sync_url(database_url))
    return config


def upgrade(database_url: str) -> None:
    """Bring the database to the newest schema. Blocking: call it before the server starts or in a thread."""
    command.upgrade(alembic_config(database_url), 'head')
