"""the one store row, with its own identity secret

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    store = sa.table('store', sa.column('id', sa.Integer), sa.column('name', sa.String),
                     sa.column('currency', sa.String), sa.column('storefront_url', sa.String),
                     sa.column('identity_secret', sa.String))
    op.bulk_insert(store, [{'id': 1, 'name': 'My store', 'currency': 'EUR', 'storefront_url': '',
                            'identity_secret': secrets.token_hex(32)}])


def downgrade() -> None:
    op.execute('DELETE FROM store WHERE id = 1')
