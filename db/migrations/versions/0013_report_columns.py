"""when a conversation was last closed (K1's time to close), and an index on when conversations started (K1's range)

Conversations closed before this revision have no close time; reports leave them out of the time to close.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('conversation') as table:
        table.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        table.create_index('ix_conversation_started_at', ['started_at'])


def downgrade() -> None:
    with op.batch_alter_table('conversation') as table:
        table.drop_index('ix_conversation_started_at')
        table.drop_column('closed_at')
