"""Import the common e-commerce product CSV export (Handle, Title, ..., Variant Price, Image Src).

One product per handle; its first row carries the product fields, every row with a price is a
variant. Bad rows are reported with their line number and skipped; good rows are upserted by
handle (variants by SKU, else by title), so a second run of the same file changes nothing.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Product, Variant
from db.types import utcnow
from services.money import to_cents

REQUIRED_COLUMNS = ('Handle',)
TRUE = {'true', 'yes', '1', 'y'}
MAX_ROWS = 200_000


@dataclass
class VariantRow:
    line: int
    title: str
    sku: str
    price_cents: int
    inventory: int


@dataclass
class ProductRow:
    line: int
    handle: str
    title: str = ''
    body_html: str = ''
    vendor: str = ''
    product_type: str = ''
    tags: str = ''
    online_store: bool = True
    status: str = 'active'
    image_url: str = ''
    variants: list[VariantRow] = field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (f'{self.created} created, {self.updated} updated, {self.unchanged} unchanged, '
                f'{len(self.errors)} bad rows')


def _text(row: dict[str, str], column: str) -> str:
    return (row.get(column) or '').strip()


def _variant_title(row: dict[str, str]) -> str:
    values = [_text(row, f'Option{n} Value') for n in (1, 2, 3)]
    return ' / '.join(v for v in values if v) or 'Default Title'


def _price(raw: str) -> int:
    try:
        value = Decimal(raw.replace(',', '.'))
    except InvalidOperation:
        raise ValueError(f'price "{raw[:20]}" is not a number') from None
    if value < 0 or not value.is_finite():
        raise ValueError(f'price {raw[:20]} is negative')
    return to_cents(value)


def _inventory(raw: str) -> int:
    if not raw:
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f'inventory "{raw[:20]}" is not a whole number') from None
    return max(value, 0)


def _safe_url(raw: str) -> str:
    return raw if raw.startswith(('https://', 'http://')) and len(raw) <= 1000 else ''


def parse_products(text: str) -> tuple[list[ProductRow], list[tuple[int, str]]]:
    """Pure parsing (run it in a thread for big files): products by handle, and (line, reason) for bad rows."""
    reader = csv.DictReader(io.StringIO(text.lstrip('\ufeff')))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [(1, f'missing column {", ".join(missing)}')]
    products: dict[str, ProductRow] = {}
    errors: list[tuple[int, str]] = []
    for index, row in enumerate(reader):
        line = index + 2  # header is line 1
        if index >= MAX_ROWS:
            errors.append((line, f'file has more than {MAX_ROWS} rows; the rest was not read'))
            break
        handle = _text(row, 'Handle').lower()
        if not handle:
            errors.append((line, 'missing Handle'))
            continue
        product = products.get(handle)
        title = _text(row, 'Title')
        if product is None:
            if not title:
                errors.append((line, f'missing Title for new product "{handle[:60]}"'))
                continue
            product = ProductRow(line=line, handle=handle[:255], title=title[:255], body_html=_text(row, 'Body (HTML)'),
                                 vendor=_text(row, 'Vendor')[:255], product_type=_text(row, 'Type')[:255],
                                 tags=_text(row, 'Tags')[:1000],
                                 online_store=_text(row, 'Published').lower() in TRUE if 'Published' in row else True,
                                 status=(_text(row, 'Status').lower() or 'active'),
                                 image_url=_safe_url(_text(row, 'Image Src')))
            if product.status not in ('active', 'draft', 'archived'):
                errors.append((line, f'unknown Status "{product.status[:20]}"'))
                continue
            products[handle] = product
        elif not product.image_url:
            product.image_url = _safe_url(_text(row, 'Image Src'))
        raw_price = _text(row, 'Variant Price')
        if not raw_price:
            continue  # an image-only row
        try:
            variant = VariantRow(line=line, title=_variant_title(row)[:255], sku=_text(row, 'Variant SKU')[:255],
                                 price_cents=_price(raw_price),
                                 inventory=_inventory(_text(row, 'Variant Inventory Qty')))
        except ValueError as error:
            errors.append((line, str(error)))
            continue
        product.variants.append(variant)
    return [p for p in products.values() if p.variants], errors  # a product whose every variant row was bad stays out


async def save_products(*, db: AsyncSession, products: Iterable[ProductRow],
                        progress: Callable[[int], None] | None = None) -> ImportReport:
    report = ImportReport()
    for done, row in enumerate(products, start=1):
        existing = (await db.exec(select(Product).where(Product.handle == row.handle))).first()
        fields: dict[str, Any] = {'title': row.title, 'body_html': row.body_html, 'vendor': row.vendor,
                                  'product_type': row.product_type, 'tags': row.tags, 'online_store': row.online_store,
                                  'status': row.status, 'image_url': row.image_url}
        if existing is None:
            product = Product(handle=row.handle, **fields)
            db.add(product)
            await db.flush()
            changed, created = True, True
        else:
            product = existing
            changed = any(getattr(product, k) != v for k, v in fields.items())
            created = False
            if changed:
                product.sqlmodel_update(fields)
                product.updated_at = utcnow()
                db.add(product)
        assert product.id is not None
        variants = (await db.exec(select(Variant).where(Variant.product_id == product.id))).all()
        by_key = {(v.sku or v.title): v for v in variants}
        for position, variant_row in enumerate(row.variants, start=1):
            key = variant_row.sku or variant_row.title
            values: dict[str, Any] = {'title': variant_row.title, 'sku': variant_row.sku,
                                      'price_cents': variant_row.price_cents, 'inventory': variant_row.inventory,
                                      'position': position}
            variant = by_key.get(key)
            if variant is None:
                db.add(Variant(product_id=product.id, **values))
                changed = True
            elif any(getattr(variant, k) != v for k, v in values.items()):
                variant.sqlmodel_update(values)
                db.add(variant)
                changed = True
        if created:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
        if progress is not None:
            progress(done)
    await db.commit()
    return report
