"""Small store fixtures for commerce tests (real rows, no mocks)."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DiscountCode, Product, Variant
from db.types import utcnow


async def add_product(db: AsyncSession, title: str, *, price_cents: int = 1990, inventory: int = 5,
                      online: bool = True, handle: str | None = None, variant_title: str = 'Default Title',
                      sku: str = '') -> Variant:
    product = Product(handle=handle or title.lower().replace(' ', '-')[:200], title=title, online_store=online)
    db.add(product)
    await db.flush()
    variant = Variant(product_id=product.id, title=variant_title, price_cents=price_cents, inventory=inventory, sku=sku)
    db.add(variant)
    await db.commit()
    return variant


async def add_code(db: AsyncSession, code: str, *, kind: str = 'percentage', value_cents: int = 1000,
                   active: bool = True, expired: bool = False, used_up: bool = False,
                   scheduled: bool = False) -> DiscountCode:
    now = utcnow()
    row = DiscountCode(code=code, kind=kind, value_cents=value_cents, active=active,
                       starts_at=now + timedelta(days=3) if scheduled else now - timedelta(days=10),
                       ends_at=now - timedelta(days=1) if expired else None,
                       usage_limit=10 if used_up else None, times_used=10 if used_up else 0)
    db.add(row)
    await db.commit()
    return row
