"""Throwaway PostgreSQL databases for the tests (`INBOX_TEST_DATABASE_URL`, see the Makefile's test-postgres).

The schema is migrated once per run into a template database; each test gets its own copy (`CREATE DATABASE ...
TEMPLATE`, a file copy: much faster than running the migrations again), dropped after the test."""
from __future__ import annotations

import os
import uuid

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from db.migrate import upgrade

TEST_DATABASE_URL_VARIABLE = 'INBOX_TEST_DATABASE_URL'


def test_database_url() -> str:
    """The server the tests run on: `postgresql+asyncpg://user:password@host:port/database`, or '' for SQLite.
    The database named in it is only connected to, to create and drop the tests' own databases."""
    return os.environ.get(TEST_DATABASE_URL_VARIABLE, '').strip()


class PostgresServer:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() != 'postgresql':
            raise ValueError(f'{TEST_DATABASE_URL_VARIABLE} must be a postgresql+asyncpg:// URL, not {url!r}')
        self._url = parsed.set(drivername='postgresql+asyncpg')
        self.template = f'inbox_template_{os.getpid()}'

    def url_of(self, database: str) -> str:
        return self._url.set(database=database).render_as_string(hide_password=False)

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """Raises when the server cannot be reached: a PostgreSQL run never quietly becomes an SQLite one."""
        url: URL = self._url.set(drivername='postgresql')
        return psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                               dbname=url.database or 'postgres', autocommit=True, connect_timeout=10)

    def _create(self, name: str, *, template: str | None = None) -> None:
        with self._admin() as admin:
            admin.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(name)))
            if template is None:
                admin.execute(sql.SQL('CREATE DATABASE {}').format(sql.Identifier(name)))
            else:
                admin.execute(sql.SQL('CREATE DATABASE {} TEMPLATE {}').format(sql.Identifier(name),
                                                                              sql.Identifier(template)))

    def drop(self, name: str) -> None:
        with self._admin() as admin:
            admin.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(name)))

    def create_template(self) -> None:
        self._create(self.template)
        upgrade(self.url_of(self.template))

    def create_empty_database(self) -> str:
        """A database with no schema at all, as a merchant's new server has."""
        name = f'inbox_empty_{uuid.uuid4().hex[:16]}'
        self._create(name)
        return name

    def create_test_database(self) -> str:
        name = f'inbox_test_{uuid.uuid4().hex[:16]}'
        self._create(name, template=self.template)
        return name
