"""`inbox import-products`: good rows in, bad rows reported by line, a second run changes nothing."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Product, Variant
from services.product_import import parse_products, save_products

SAMPLE = Path(__file__).parent / 'data' / 'products.csv'


def test_bad_rows_are_reported_with_line_numbers_and_reasons() -> None:
    products, errors = parse_products(SAMPLE.read_text())
    assert sorted(p.handle for p in products) == ['merino-crew', 'trail-tent', 'wholesale-box', 'wool-socks']
    assert errors == [(8, 'missing Title for new product "no-title"'), (9, 'price -5.00 is negative'),
                      (10, 'inventory "lots" is not a whole number')]
    tent = next(p for p in products if p.handle == 'trail-tent')
    assert [(v.title, v.price_cents, v.inventory) for v in tent.variants] == [('Green', 19900, 4), ('Sand', 19900, 0)]
    assert next(p for p in products if p.handle == 'wholesale-box').online_store is False


async def test_import_upserts_and_a_second_run_changes_nothing(db: AsyncSession) -> None:
    products, _ = parse_products(SAMPLE.read_text())
    first = await save_products(db=db, products=products)
    assert (first.created, first.updated, first.unchanged) == (4, 0, 0)
    products, _ = parse_products(SAMPLE.read_text())
    second = await save_products(db=db, products=products)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    changed = SAMPLE.read_text().replace('WS-M,12.50,30', 'WS-M,13.00,30')
    third = await save_products(db=db, products=parse_products(changed)[0])
    assert (third.created, third.updated, third.unchanged) == (0, 1, 3)
    assert len((await db.exec(select(Variant))).all()) == 6
    socks = (await db.exec(select(Product).where(Product.handle == 'wool-socks'))).one()
    prices = sorted(v.price_cents for v in (await db.exec(select(Variant).where(Variant.product_id == socks.id))).all())
    assert prices == [1250, 1300]


def test_cli_imports_and_reports(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, '-m', 'app.cli', 'import-products', str(SAMPLE), '--data-dir', str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1  # some rows were bad
    assert '4 created, 0 updated, 0 unchanged, 3 bad rows' in run.stdout
    assert 'products.csv:9: price -5.00 is negative' in run.stderr
    missing = subprocess.run([sys.executable, '-m', 'app.cli', 'import-products', str(tmp_path / 'nope.csv'),
                              '--data-dir', str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and 'no such file' in missing.stderr
