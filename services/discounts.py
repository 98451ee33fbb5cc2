"""Discount codes: whether one can be used now, and what it takes off a subtotal."""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DiscountCode
from db.types import utcnow
from services.errors import Invalid

USABLE = 'active'


def status_of(code: DiscountCode, now: datetime | None = None) -> str:
    """active | scheduled | expired | used_up | inactive."""
    now = now or utcnow()
    if not code.active:
        return 'inactive'
    if code.ends_at is not None and code.ends_at <= now:
        return 'expired'
    if code.usage_limit is not None and code.times_used >= code.usage_limit:
        return 'used_up'
    if code.starts_at > now:
        return 'scheduled'
    return USABLE


def discount_cents(code: DiscountCode, subtotal_cents: int) -> int:
    if code.kind == 'percentage':
        off = (Decimal(subtotal_cents) * Decimal(code.value_cents) / Decimal(10_000)).quantize(
            Decimal('1'), rounding=ROUND_HALF_UP)
        return min(int(off), subtotal_cents)
    return min(code.value_cents, subtotal_cents)


def describe(code: DiscountCode) -> str:
    if code.kind == 'percentage':
        return f'{Decimal(code.value_cents) / 100:g} %'
    return f'{Decimal(code.value_cents) / 100:.2f}'


async def find_code(db: AsyncSession, text: str) -> DiscountCode | None:
    wanted = text.strip().upper()
    if not wanted or len(wanted) > 100:
        return None
    return (await db.exec(select(DiscountCode).where(func.upper(DiscountCode.code) == wanted))).first()


async def usable_code(db: AsyncSession, text: str) -> DiscountCode:
    code = await find_code(db, text)
    if code is None:
        raise Invalid('This discount code does not exist.', code='discount_unknown')
    status = status_of(code)
    if status != USABLE:
        reason = {'inactive': 'is not active', 'expired': 'has expired', 'used_up': 'has been used up',
                  'scheduled': 'is not valid yet'}[status]
        raise Invalid(f'The code {code.code} {reason}.', code='discount_inactive')
    return code
