"""blocked senders (R4): `customer.blocked_at` (when staff blocked them; NULL: not blocked) and who did it

A blocked customer's new chat sessions, chat messages and e-mails are refused with nothing stored.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
# On SQLite a batch alter copies the table into a new one, which drops the customer search triggers of 0005: they
# are made again after it (without them, new and changed customers were missing from the search).
CUSTOMER_SEARCH_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS customer_fts_insert AFTER INSERT ON customer BEGIN "
    "INSERT INTO customer_fts(rowid, name, email) VALUES (new.id, new.name, new.email); END",
    "CREATE TRIGGER IF NOT EXISTS customer_fts_delete AFTER DELETE ON customer BEGIN "
    "INSERT INTO customer_fts(customer_fts, rowid, name, email) VALUES ('delete', old.id, old.name, old.email); END",
    "CREATE TRIGGER IF NOT EXISTS customer_fts_update AFTER UPDATE OF name, email ON customer BEGIN "
    "INSERT INTO customer_fts(customer_fts, rowid, name, email) VALUES ('delete', old.id, old.name, old.email); "
    "INSERT INTO customer_fts(rowid, name, email) VALUES (new.id, new.name, new.email); END",
)


def _restore_customer_search() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for statement in CUSTOMER_SEARCH_TRIGGERS:
            op.execute(statement)
        op.execute("INSERT INTO customer_fts(customer_fts) VALUES ('rebuild')")


def upgrade() -> None:
    with op.batch_alter_table('customer') as table:
        table.add_column(sa.Column('blocked_at', sa.DateTime(), nullable=True))
        table.add_column(sa.Column('blocked_by_id', ID, sa.ForeignKey('staff.id', name='fk_customer_blocked_by'),
                                   nullable=True))
        table.create_index('ix_customer_blocked_at', ['blocked_at'])
    _restore_customer_search()


def downgrade() -> None:
    with op.batch_alter_table('customer') as table:
        table.drop_index('ix_customer_blocked_at')
        table.drop_constraint('fk_customer_blocked_by', type_='foreignkey')
        table.drop_column('blocked_by_id')
        table.drop_column('blocked_at')
    _restore_customer_search()
