"""satisfaction ratings (K2): `rating_survey` (one per close that asked the shopper, in the chat or by an e-mailed
link; answered at most once) and `rating` (the shopper's 1 to 5 and optional comment, one per survey)

Revision ID: 0020
Revises: 0022
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'rating_survey',
        sa.Column('id', ID, primary_key=True),
        sa.Column('conversation_id', ID, sa.ForeignKey('conversation.id'), nullable=False),
        sa.Column('message_id', ID, sa.ForeignKey('message.id'), nullable=False, unique=True),
        sa.Column('session_id', ID, sa.ForeignKey('chat_session.id'), nullable=True),
        sa.Column('channel', sa.String(20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_rating_survey_conversation_id', 'rating_survey', ['conversation_id'])
    op.create_index('ix_rating_survey_created_at', 'rating_survey', ['created_at'])
    op.create_table(
        'rating',
        sa.Column('id', ID, primary_key=True),
        sa.Column('survey_id', ID, sa.ForeignKey('rating_survey.id'), nullable=False, unique=True),
        sa.Column('conversation_id', ID, sa.ForeignKey('conversation.id'), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False, server_default=''),
        sa.Column('channel', sa.String(20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('rating BETWEEN 1 AND 5', name='ck_rating_range'),
    )
    op.create_index('ix_rating_conversation_id', 'rating', ['conversation_id'])


def downgrade() -> None:
    op.drop_index('ix_rating_conversation_id', table_name='rating')
    op.drop_table('rating')
    op.drop_index('ix_rating_survey_created_at', table_name='rating_survey')
    op.drop_index('ix_rating_survey_conversation_id', table_name='rating_survey')
    op.drop_table('rating_survey')
