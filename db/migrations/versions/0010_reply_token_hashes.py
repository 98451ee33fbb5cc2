"""reply tokens stored only as hashes: one reply address per e-mail sent, in its own table

`conversation.reply_token` held the secret part of every reply+<token>@ address in clear: whoever read a copy of the
database could write into any conversation by mail. Now each mail gets its own token and only the SHA-256 of its
lower-cased form is kept (relays may lower-case addresses), in `reply_address`. The existing tokens move there
hashed, so answers to mails sent before still reach their conversation; the column goes.

Downgrading gives every conversation a new random token in the old column: addresses mailed before then no longer
lead anywhere (the clear tokens are gone for good).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def _hash(token: str) -> str:
    return hashlib.sha256(token.lower().encode('utf-8', 'surrogatepass')).hexdigest()  # services/mail/reply_addresses


def upgrade() -> None:
    reply_address = op.create_table(
        'reply_address',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_reply_address_conversation_id', 'reply_address', ['conversation_id'])
    op.create_index('ix_reply_address_token_hash', 'reply_address', ['token_hash'], unique=True)

    connection = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    seen: set[str] = set()
    rows = connection.execute(sa.text('SELECT id, reply_token FROM conversation ORDER BY id')).fetchall()
    batch: list[dict[str, object]] = []
    for conversation_id, token in rows:
        token_hash = _hash(token)
        if token_hash in seen:  # two old tokens equal but for case: neither was found by a lower-cased address
            continue
        seen.add(token_hash)
        batch.append({'conversation_id': conversation_id, 'token_hash': token_hash, 'created_at': now})
        if len(batch) >= BATCH:
            op.bulk_insert(reply_address, batch)
            batch = []
    if batch:
        op.bulk_insert(reply_address, batch)

    with op.batch_alter_table('conversation') as table:
        table.drop_index('ix_conversation_reply_token')
        table.drop_column('reply_token')


def downgrade() -> None:
    with op.batch_alter_table('conversation') as table:
        table.add_column(sa.Column('reply_token', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for (conversation_id,) in connection.execute(sa.text('SELECT id FROM conversation')).fetchall():
        connection.execute(sa.text('UPDATE conversation SET reply_token = :token WHERE id = :id'),
                           {'token': secrets.token_urlsafe(32)[:32], 'id': conversation_id})
    with op.batch_alter_table('conversation') as table:
        table.alter_column('reply_token', existing_type=sa.String(length=64), nullable=False)
        table.create_index('ix_conversation_reply_token', ['reply_token'], unique=True)
    op.drop_index('ix_reply_address_token_hash', table_name='reply_address')
    op.drop_index('ix_reply_address_conversation_id', table_name='reply_address')
    op.drop_table('reply_address')
