"""64-bit row ids on PostgreSQL (SQLite's INTEGER is 64-bit already)

The API takes ids up to 2**63 - 1 (pages/api/deps.py MAX_ID); PostgreSQL's SERIAL made them 32-bit, so a larger
one failed in the driver.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID_COLUMNS: dict[str, tuple[str, ...]] = {
    'cart': ('id', 'session_id', 'customer_id'),
    'cart_item': ('id', 'cart_id', 'variant_id'),
    'chat_session': ('id', 'customer_id', 'conversation_id'),
    'conversation': ('id', 'customer_id', 'assignee_id'),
    'customer': ('id', 'note_updated_by_id'),
    'discount_code': ('id',),
    'email_outbox': ('id', 'message_id', 'conversation_id'),
    'message': ('id', 'conversation_id', 'session_id', 'staff_id'),
    'order_line': ('id', 'order_id', 'variant_id'),
    'product': ('id',),
    'staff': ('id',),
    'store': ('id',),
    'store_order': ('id', 'customer_id', 'session_id'),
    'topic_correction': ('id', 'conversation_id', 'message_id', 'staff_id'),
    'variant': ('id', 'product_id'),
}


def _retype(to: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, columns in ID_COLUMNS.items():
        op.execute(f'ALTER TABLE {table} ' + ', '.join(f'ALTER COLUMN {column} TYPE {to}' for column in columns))
        op.execute(f'ALTER SEQUENCE {table}_id_seq AS {to}')


def upgrade() -> None:
    _retype('bigint')


def downgrade() -> None:
    _retype('integer')
