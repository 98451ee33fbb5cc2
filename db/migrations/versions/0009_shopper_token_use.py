"""when a shopper's chat session token was last used, so that tokens expire after a time without use

Existing sessions count as last used when they were last seen online, else when they were made.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('chat_session') as table:
        table.add_column(sa.Column('token_used_at', sa.DateTime(), nullable=True))
    chat_session = sa.table('chat_session', sa.column('token_used_at', sa.DateTime()),
                            sa.column('last_seen_at', sa.DateTime()), sa.column('created_at', sa.DateTime()))
    op.execute(chat_session.update().values(
        token_used_at=sa.func.coalesce(chat_session.c.last_seen_at, chat_session.c.created_at)))


def downgrade() -> None:
    with op.batch_alter_table('chat_session') as table:
        table.drop_column('token_used_at')
