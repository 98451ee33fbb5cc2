"""full-text search over message text (SQLite FTS5; PostgreSQL a tsvector GIN index)

Both find messages having every searched word as a word prefix, ignoring case and diacritics; PostgreSQL turns
ASCII punctuation into spaces first, so "example.org" is two words on both (its parser keeps e-mail addresses and
host names whole). `message_search_words` and `message_search_prefixes` are what services/conversations.py queries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PG_UPGRADE = (
    'CREATE EXTENSION IF NOT EXISTS unaccent',
    # unaccent() itself is only STABLE (its dictionary could change); naming the dictionary makes this IMMUTABLE,
    # which an index expression must be.
    "CREATE FUNCTION message_search_words(body text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "RETURN to_tsvector('simple'::regconfig, public.unaccent('public.unaccent'::regdictionary, "
    "regexp_replace(body, '[[:punct:]]+', ' ', 'g')))",
    "CREATE FUNCTION message_search_prefixes(search text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "RETURN (SELECT string_agg(quote_literal(lexeme) || ':*', ' & ')::tsquery "
    "FROM unnest(message_search_words(search)))",
    "CREATE INDEX ix_message_search ON message USING gin (message_search_words(body)) WHERE kind = 'text'",
)
PG_DOWNGRADE = ('DROP INDEX IF EXISTS ix_message_search', 'DROP FUNCTION IF EXISTS message_search_prefixes(text)',
                'DROP FUNCTION IF EXISTS message_search_words(text)')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in PG_UPGRADE:
            op.execute(statement)
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute("CREATE VIRTUAL TABLE message_fts USING fts5(body, content='message', content_rowid='id', "
               "tokenize='unicode61 remove_diacritics 2')")
    op.execute("INSERT INTO message_fts(rowid, body) SELECT id, body FROM message WHERE kind = 'text'")
    op.execute("CREATE TRIGGER message_fts_insert AFTER INSERT ON message WHEN new.kind = 'text' BEGIN "
               "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END")
    op.execute("CREATE TRIGGER message_fts_delete AFTER DELETE ON message WHEN old.kind = 'text' BEGIN "
               "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); END")
    op.execute("CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON message WHEN old.kind = 'text' BEGIN "
               "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
               "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for statement in PG_DOWNGRADE:
            op.execute(statement)
    if op.get_bind().dialect.name != 'sqlite':
        return
    for name in ('message_fts_insert', 'message_fts_delete', 'message_fts_update'):
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.execute('DROP TABLE IF EXISTS message_fts')
