"""audit log and retention (G3, G4): the `audit_event` table; the store's `retention_days` (erase message texts of
conversations closed longer ago; NULL: off), `audit_retention_days` (365) and `daily_jobs_at` (the last daily run);
`conversation.texts_erased_at` (when G1 or G3 last erased its message texts)

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'audit_event',
        sa.Column('id', ID, primary_key=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor_staff_id', ID, sa.ForeignKey('staff.id', name='fk_audit_event_actor'), nullable=True),
        sa.Column('actor_label', sa.String(320), nullable=False, server_default=''),
        sa.Column('action', sa.String(40), nullable=False),
        sa.Column('target', sa.String(300), nullable=False, server_default=''),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('address', sa.String(64), nullable=False, server_default=''),
    )
    op.create_index('ix_audit_event_at', 'audit_event', ['at'])
    op.create_index('ix_audit_event_action_at', 'audit_event', ['action', 'at'])
    op.create_index('ix_audit_event_actor_at', 'audit_event', ['actor_staff_id', 'at'])
    with op.batch_alter_table('store') as table:
        table.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
        table.add_column(sa.Column('audit_retention_days', sa.Integer(), nullable=False, server_default='365'))
        table.add_column(sa.Column('daily_jobs_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('conversation') as table:
        table.add_column(sa.Column('texts_erased_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversation') as table:
        table.drop_column('texts_erased_at')
    with op.batch_alter_table('store') as table:
        table.drop_column('daily_jobs_at')
        table.drop_column('audit_retention_days')
        table.drop_column('retention_days')
    op.drop_index('ix_audit_event_actor_at', 'audit_event')
    op.drop_index('ix_audit_event_action_at', 'audit_event')
    op.drop_index('ix_audit_event_at', 'audit_event')
    op.drop_table('audit_event')
