"""internal notes (R2): `note_mention` (a staff member named with `@` in a note, and when they saw it). The notes
themselves are messages of kind `note`, which needs no schema change.

Revision ID: 0017
Revises: 0021
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'note_mention',
        sa.Column('id', ID, nullable=False),
        sa.Column('message_id', ID, nullable=False),
        sa.Column('staff_id', ID, nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['message_id'], ['message.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id', 'staff_id', name='uq_note_mention_message_staff'))
    op.create_index('ix_note_mention_message_id', 'note_mention', ['message_id'])
    op.create_index('ix_note_mention_staff_seen', 'note_mention', ['staff_id', 'seen_at'])


def downgrade() -> None:
    op.drop_index('ix_note_mention_staff_seen', table_name='note_mention')
    op.drop_index('ix_note_mention_message_id', table_name='note_mention')
    op.drop_table('note_mention')
