"""staff administration (U1): invitations (hash of a one-time token and its expiry) and a session epoch that signs
every browser of a staff member out when it is raised (password change, reset, "sign out other browsers");
store settings (U2): the widget's colour and side, and the hostnames it may be embedded on ('' = anywhere)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff') as table:
        table.add_column(sa.Column('invitation_hash', sa.String(length=64), nullable=False, server_default=''))
        table.add_column(sa.Column('invitation_expires_at', UTCDateTime(), nullable=True))
        table.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))
        table.create_index('ix_staff_invitation_hash', ['invitation_hash'])
    with op.batch_alter_table('store') as table:
        table.add_column(sa.Column('widget_color', sa.String(length=7), nullable=False, server_default='#2563eb'))
        table.add_column(sa.Column('widget_position', sa.String(length=5), nullable=False, server_default='right'))
        table.add_column(sa.Column('allowed_domains', sa.String(length=5000), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('store') as table:
        table.drop_column('allowed_domains')
        table.drop_column('widget_position')
        table.drop_column('widget_color')
    with op.batch_alter_table('staff') as table:
        table.drop_index('ix_staff_invitation_hash')
        table.drop_column('session_epoch')
        table.drop_column('invitation_expires_at')
        table.drop_column('invitation_hash')
