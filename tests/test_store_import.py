"""`inbox import-store`: customers and orders from one JSON format; bad entries reported; safe to run twice."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Customer
from services import customers, orders
from services.store_import import import_store_data

SAMPLE = Path(__file__).parent / 'data' / 'store.json'


async def test_good_entries_import_bad_ones_are_reported_and_a_second_run_changes_nothing(db: AsyncSession) -> None:
    data = json.loads(SAMPLE.read_text())
    first = await import_store_data(db=db, data=data)
    assert (first.customers_created, first.orders_created) == (2, 1)
    assert first.errors[0].startswith('customers[2]: Please give a valid e-mail address')
    assert first.errors[1:] == ['customers[3]: Unknown time zone "Atlantis/Capital".',
                                'orders[1]: no customer with e-mail nobody@example.com',
                                'orders[2]: "unit_price" must not be negative']
    second = await import_store_data(db=db, data=data)
    assert (second.customers_created, second.customers_updated, second.orders_created) == (0, 0, 0)
    anna = (await db.exec(select(Customer).where(Customer.email == 'anna@example.com'))).one()
    order = (await orders.orders_of(db=db, customer_id=anna.id))[0]
    assert (order.number, order.subtotal, order.discount, order.total) == (5001, Decimal('25.00'), Decimal('2.50'),
                                                                           Decimal('22.50'))


async def test_returning_customers_are_those_with_orders(db: AsyncSession) -> None:
    await import_store_data(db=db, data=json.loads(SAMPLE.read_text()))
    by_email = {c.email: c for c in (await db.exec(select(Customer))).all()}
    anna = await customers.get_profile(db=db, customer_id=by_email['anna@example.com'].id, currency='EUR')
    bo = await customers.get_profile(db=db, customer_id=by_email['bo@example.com'].id, currency='EUR')
    assert anna.returning and anna.lifetime_spend == Decimal('22.50') and anna.subscribed
    assert not bo.returning and bo.lifetime_spend == Decimal('0.00')


def test_cli_reports_bad_json_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / 'broken.json'
    broken.write_text('{\n  "customers": [,]\n}')
    run = subprocess.run([sys.executable, '-m', 'app.cli', 'import-store', str(broken), '--data-dir', str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and 'broken.json:2: not valid JSON' in run.stderr
    ok = subprocess.run([sys.executable, '-m', 'app.cli', 'import-store', str(SAMPLE), '--data-dir', str(tmp_path)],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 1 and '2 customers created' in ok.stdout and 'orders[1]' in ok.stderr
