"""index for the inbox's unread count (open conversations a staff member has not read)

The header badge and the tab title count unread open conversations across the whole inbox, again after every change
an open tab sees; without an index that count walks every open conversation.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_conversation_unread_status', 'conversation', ['unread', 'status'])


def downgrade() -> None:
    op.drop_index('ix_conversation_unread_status', table_name='conversation')
