"""webhooks (W1): `webhook_endpoint` (url, signing secret, events) and `webhook_delivery` (the durable outbox)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
# webhook_delivery.endpoint_id has no foreign key on purpose (db/models.py): writing an event's rows inside a checkout
# must not fail because its endpoint was removed at that moment.


def upgrade() -> None:
    op.create_table(
        'webhook_endpoint',
        sa.Column('id', ID, nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('events', sa.String(length=500), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('allow_private', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'webhook_delivery',
        sa.Column('id', ID, nullable=False),
        sa.Column('endpoint_id', ID, nullable=False),
        sa.Column('event_id', sa.String(length=40), nullable=False),
        sa.Column('conversation_id', ID, nullable=True),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('delivered_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_webhook_delivery_endpoint_id', 'webhook_delivery', ['endpoint_id'])
    op.create_index('ix_webhook_delivery_event_id', 'webhook_delivery', ['event_id'])
    op.create_index('ix_webhook_delivery_conversation_id', 'webhook_delivery', ['conversation_id'])
    op.create_index('ix_webhook_delivery_status_next', 'webhook_delivery', ['status', 'next_attempt_at'])


def downgrade() -> None:
    op.drop_index('ix_webhook_delivery_status_next', table_name='webhook_delivery')
    op.drop_index('ix_webhook_delivery_conversation_id', table_name='webhook_delivery')
    op.drop_index('ix_webhook_delivery_event_id', table_name='webhook_delivery')
    op.drop_index('ix_webhook_delivery_endpoint_id', table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_endpoint')
