"""substring search over customers' names and e-mail addresses (SQLite FTS5 trigram index; PostgreSQL pg_trgm)

A LIKE '%ana@%' over every customer was the slowest part of the inbox search at 100,000 conversations (README,
Benchmarks: scale). The trigram tokenizer answers the same substring question from an index, for search text of
three characters or more. On PostgreSQL the same LIKE on lower(name) and lower(email) is answered from pg_trgm GIN
indexes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_customer_name_trigram ON customer USING gin (lower(name) gin_trgm_ops)')
        op.execute('CREATE INDEX ix_customer_email_trigram ON customer USING gin (lower(email) gin_trgm_ops)')
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute("CREATE VIRTUAL TABLE customer_fts USING fts5(name, email, content='customer', content_rowid='id', "
               "tokenize='trigram')")
    op.execute("INSERT INTO customer_fts(customer_fts) VALUES ('rebuild')")
    op.execute("CREATE TRIGGER customer_fts_insert AFTER INSERT ON customer BEGIN "
               "INSERT INTO customer_fts(rowid, name, email) VALUES (new.id, new.name, new.email); END")
    op.execute("CREATE TRIGGER customer_fts_delete AFTER DELETE ON customer BEGIN "
               "INSERT INTO customer_fts(customer_fts, rowid, name, email) VALUES ('delete', old.id, old.name, "
               "old.email); END")
    op.execute("CREATE TRIGGER customer_fts_update AFTER UPDATE OF name, email ON customer BEGIN "
               "INSERT INTO customer_fts(customer_fts, rowid, name, email) VALUES ('delete', old.id, old.name, "
               "old.email); "
               "INSERT INTO customer_fts(rowid, name, email) VALUES (new.id, new.name, new.email); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_customer_name_trigram')
        op.execute('DROP INDEX IF EXISTS ix_customer_email_trigram')
    if op.get_bind().dialect.name != 'sqlite':
        return
    for name in ('customer_fts_insert', 'customer_fts_delete', 'customer_fts_update'):
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.execute('DROP TABLE IF EXISTS customer_fts')
