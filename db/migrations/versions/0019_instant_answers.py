"""instant answers (A2): `instant_answer` (language, position, question, answer)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'instant_answer',
        sa.Column('id', ID, nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('question', sa.String(length=200), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False, server_default=''),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_instant_answer_language_position', 'instant_answer', ['language', 'position'])


def downgrade() -> None:
    op.drop_index('ix_instant_answer_language_position', table_name='instant_answer')
    op.drop_table('instant_answer')
