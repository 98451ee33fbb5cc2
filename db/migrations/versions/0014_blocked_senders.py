"""blocked senders (R4): `customer.blocked_at` (when staff blocked them; NULL: not blocked) and who did it

A blocked customer's new chat sessions, chat messages and e-mails are refused with nothing stored.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('customer') as table:
        table.add_column(sa.Column('blocked_at', sa.DateTime(), nullable=True))
        table.add_column(sa.Column('blocked_by_id', ID, sa.ForeignKey('staff.id', name='fk_customer_blocked_by'),
                                   nullable=True))
        table.create_index('ix_customer_blocked_at', ['blocked_at'])


def downgrade() -> None:
    with op.batch_alter_table('customer') as table:
        table.drop_index('ix_customer_blocked_at')
        table.drop_constraint('fk_customer_blocked_by', type_='foreignkey')
        table.drop_column('blocked_by_id')
        table.drop_column('blocked_at')
