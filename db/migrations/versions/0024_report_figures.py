"""K1's figures kept with each conversation (first shopper message, replied, first response, time to close) and per
staff member (messages sent in it), filled from the messages already stored; one index covering a period's figures

Reports then count conversation rows instead of reading every message of the period (bench/scale.py: at 100k
conversations the grouped message queries took seconds). services/report_columns.py keeps them up to date.

Revision ID: 0024
Revises: 0016
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.report_backfill import backfill_statements

revision: str = '0024'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
REPORT_INDEX = ['started_at', 'staff_replied', 'first_response_seconds', 'first_responder_id', 'close_seconds',
                'status', 'channel']


def upgrade() -> None:
    with op.batch_alter_table('conversation') as table:
        table.add_column(sa.Column('first_customer_at', sa.DateTime(), nullable=True))
        table.add_column(sa.Column('staff_replied', sa.Boolean(), nullable=False, server_default=sa.false()))
        table.add_column(sa.Column('first_response_seconds', sa.Float(), nullable=True))
        table.add_column(sa.Column('first_responder_id', ID, nullable=True))
        table.add_column(sa.Column('close_seconds', sa.Float(), nullable=True))
    op.create_table(
        'conversation_staff',
        sa.Column('conversation_id', ID, sa.ForeignKey('conversation.id'), primary_key=True),
        sa.Column('staff_id', ID, sa.ForeignKey('staff.id'), primary_key=True),
        sa.Column('replies', sa.Integer(), nullable=False, server_default='0'),
    )
    bind = op.get_bind()
    for statement in backfill_statements(bind.dialect.name):
        bind.execute(sa.text(statement))
    op.create_index('ix_conversation_report', 'conversation', REPORT_INDEX)


def downgrade() -> None:
    op.drop_index('ix_conversation_report', table_name='conversation')
    op.drop_table('conversation_staff')
    with op.batch_alter_table('conversation') as table:
        for column in ('close_seconds', 'first_responder_id', 'first_response_seconds', 'staff_replied',
                       'first_customer_at'):
            table.drop_column(column)
