"""permissions as data: `staff.permissions` (space-separated words of services/permissions.py) replaces `can_chat`;
the store gets its time zone (IANA name, 'UTC' until the owner sets it)

Everyone who could chat gets what chatting allowed before (reply, share products, share discount codes); owners
get every permission (services/permissions.py gives the owner all of them anyway). Downgrading keeps only whether
someone may reply.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHAT = 'reply share_discounts share_products'
OWNER = 'manage_replies manage_staff reply see_reports share_discounts share_products'


def upgrade() -> None:
    with op.batch_alter_table('staff') as table:
        table.add_column(sa.Column('permissions', sa.String(length=500), nullable=False, server_default=''))
    op.execute(sa.text(f"UPDATE staff SET permissions = '{CHAT}' WHERE can_chat"))
    op.execute(sa.text(f"UPDATE staff SET permissions = '{OWNER}' WHERE is_owner"))
    with op.batch_alter_table('staff') as table:
        table.drop_column('can_chat')
    with op.batch_alter_table('store') as table:
        table.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False, server_default='UTC'))


def downgrade() -> None:
    with op.batch_alter_table('store') as table:
        table.drop_column('time_zone')
    with op.batch_alter_table('staff') as table:
        table.add_column(sa.Column('can_chat', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(sa.text("UPDATE staff SET can_chat = (' ' || permissions || ' ') LIKE '% reply %'"))
    with op.batch_alter_table('staff') as table:
        table.drop_column('permissions')
