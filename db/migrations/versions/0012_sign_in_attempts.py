"""sign-in attempts in the database: every process of a shop counts the same failed sign-ins (X1)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'sign_in_attempt',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('forgiven', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sign_in_attempt_email_at', 'sign_in_attempt', ['email', 'at'])
    op.create_index('ix_sign_in_attempt_address_at', 'sign_in_attempt', ['address', 'at'])
    op.create_index('ix_sign_in_attempt_at', 'sign_in_attempt', ['at'])


def downgrade() -> None:
    op.drop_index('ix_sign_in_attempt_at', table_name='sign_in_attempt')
    op.drop_index('ix_sign_in_attempt_address_at', table_name='sign_in_attempt')
    op.drop_index('ix_sign_in_attempt_email_at', table_name='sign_in_attempt')
    op.drop_table('sign_in_attempt')
