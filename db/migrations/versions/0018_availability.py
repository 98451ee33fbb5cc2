"""chat availability (A1): weekly hours, holidays, greeting and away message per language, the away notices posted,
and when each staff member last had a staff page open

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'availability_setting',
        sa.Column('id', ID, nullable=False),
        sa.Column('reply_time', sa.String(length=10), nullable=False),
        sa.Column('away_when_nobody', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'availability_range',
        sa.Column('id', ID, nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('start_minute', sa.Integer(), nullable=False),
        sa.Column('end_minute', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_availability_range_weekday', 'availability_range', ['weekday'])
    op.create_table(
        'availability_holiday',
        sa.Column('id', ID, nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_availability_holiday_day', 'availability_holiday', ['day'], unique=True)
    op.create_table(
        'availability_text',
        sa.Column('id', ID, nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('greeting', sa.Text(), nullable=False, server_default=''),
        sa.Column('away_message', sa.Text(), nullable=False, server_default=''),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_availability_text_language', 'availability_text', ['language'], unique=True)
    op.create_table(
        'away_notice',
        sa.Column('id', ID, nullable=False),
        sa.Column('conversation_id', ID, nullable=False),
        sa.Column('period', sa.String(length=60), nullable=False),
        sa.Column('message_id', ID, nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id']),
        sa.ForeignKeyConstraint(['message_id'], ['message.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('conversation_id', 'period', name='uq_away_notice_period'))
    op.create_index('ix_away_notice_conversation_id', 'away_notice', ['conversation_id'])
    op.create_table(
        'staff_seen',
        sa.Column('staff_id', ID, nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('staff_id'))


def downgrade() -> None:
    op.drop_table('staff_seen')
    op.drop_index('ix_away_notice_conversation_id', table_name='away_notice')
    op.drop_table('away_notice')
    op.drop_index('ix_availability_text_language', table_name='availability_text')
    op.drop_table('availability_text')
    op.drop_index('ix_availability_holiday_day', table_name='availability_holiday')
    op.drop_table('availability_holiday')
    op.drop_index('ix_availability_range_weekday', table_name='availability_range')
    op.drop_table('availability_range')
    op.drop_table('availability_setting')
