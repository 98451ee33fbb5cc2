"""staff API tokens (W2): `api_token` (a staff member's named personal token, only its SHA-256 kept)

Revision ID: 0022
Revises: 0024
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'api_token',
        sa.Column('id', ID, nullable=False),
        sa.Column('staff_id', ID, nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_api_token_staff_id', 'api_token', ['staff_id'])
    op.create_index('ix_api_token_token_hash', 'api_token', ['token_hash'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_api_token_token_hash', table_name='api_token')
    op.drop_index('ix_api_token_staff_id', table_name='api_token')
    op.drop_table('api_token')
