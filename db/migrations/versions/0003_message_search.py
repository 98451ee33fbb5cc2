"""full-text search over message text (SQLite FTS5; other databases use a plain LIKE fallback)

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


def upgrade() -> None:
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
    if op.get_bind().dialect.name != 'sqlite':
        return
    for name in ('message_fts_insert', 'message_fts_delete', 'message_fts_update'):
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.execute('DROP TABLE IF EXISTS message_fts')
