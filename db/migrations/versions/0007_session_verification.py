"""a shopper's e-mail code for verifying a chat session (SPEC V1)

The code itself is never stored: its hash, when it expires and how many wrong tries it has had.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('chat_session') as table:
        table.add_column(sa.Column('verify_code_hash', sa.String(length=64), nullable=True))
        table.add_column(sa.Column('verify_expires_at', sa.DateTime(), nullable=True))
        table.add_column(sa.Column('verify_failures', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('chat_session') as table:
        table.drop_column('verify_failures')
        table.drop_column('verify_expires_at')
        table.drop_column('verify_code_hash')
