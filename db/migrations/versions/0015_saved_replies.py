"""saved replies (R1): `saved_reply` (shortcut, title) and `saved_reply_text` (one text per reply and language)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'saved_reply',
        sa.Column('id', ID, nullable=False),
        sa.Column('shortcut', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_saved_reply_shortcut', 'saved_reply', ['shortcut'], unique=True)
    op.create_table(
        'saved_reply_text',
        sa.Column('id', ID, nullable=False),
        sa.Column('reply_id', ID, nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('body', sa.Text(), nullable=False, server_default=''),
        sa.ForeignKeyConstraint(['reply_id'], ['saved_reply.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reply_id', 'language', name='uq_saved_reply_text_language'))
    op.create_index('ix_saved_reply_text_reply_id', 'saved_reply_text', ['reply_id'])


def downgrade() -> None:
    op.drop_index('ix_saved_reply_text_reply_id', table_name='saved_reply_text')
    op.drop_table('saved_reply_text')
    op.drop_index('ix_saved_reply_shortcut', table_name='saved_reply')
    op.drop_table('saved_reply')
