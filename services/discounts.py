"""Discount codes (S2): whether one can be used now, and what it takes off a subtotal."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DiscountCode, Staff
from db.types import utcnow
from services.errors import Conflict, Invalid, NotFound
from services.i18n import _
from services.permissions import Permission, require

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
        raise Invalid(_('This discount code does not exist.'), code='discount_unknown')
    status = status_of(code)
    if status != USABLE:
        reason = {'inactive': _('is not active'), 'expired': _('has expired'), 'used_up': _('has been used up'),
                  'scheduled': _('is not valid yet')}[status]
        raise Invalid(_('The code {code} {reason}.', code=code.code, reason=reason), code='discount_inactive')
    return code


@dataclass(frozen=True)
class DiscountCodeIn:
    code: str
    kind: str  # percentage | fixed
    value: str  # "10" (%) or "5.00" (money)
    starts_at: datetime
    ends_at: datetime | None
    usage_limit: int | None
    active: bool


CODE_PATTERN = re.compile(r'^[A-Z0-9][A-Z0-9_-]{1,39}$')


def _validated(code_in: DiscountCodeIn) -> dict[str, object]:
    code = code_in.code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise Invalid(_('A code has 2 to 40 letters, digits, - or _.'), code='invalid_code')
    if code_in.kind not in ('percentage', 'fixed'):
        raise Invalid(_('The kind is percentage or fixed amount.'), code='invalid_kind')
    try:
        value = Decimal(code_in.value.strip().replace(',', '.'))
    except InvalidOperation:
        raise Invalid(_('The value must be a number.'), code='invalid_value') from None
    if not value.is_finite() or value <= 0:
        raise Invalid(_('The value must be more than zero.'), code='invalid_value')
    if code_in.kind == 'percentage' and value > 100:
        raise Invalid(_('A percentage can be at most 100.'), code='invalid_value')
    if code_in.ends_at is not None and code_in.ends_at <= code_in.starts_at:
        raise Invalid(_('The end must come after the start.'), code='invalid_window')
    if code_in.usage_limit is not None and code_in.usage_limit < 1:
        raise Invalid(_('A usage limit must be at least 1.'), code='invalid_limit')
    return {'code': code, 'kind': code_in.kind, 'value_cents': int((value * 100).quantize(Decimal('1'))),
            'starts_at': code_in.starts_at, 'ends_at': code_in.ends_at, 'usage_limit': code_in.usage_limit,
            'active': code_in.active}


async def save_code(*, db: AsyncSession, staff: Staff | None, code_in: DiscountCodeIn,
                    code_id: int | None = None) -> DiscountCode:
    """Create (code_id None) or edit a discount code, validated; codes must exist before they can be shared."""
    require(staff, Permission.SHARE_DISCOUNTS)
    values = _validated(code_in)
    clash = (await db.exec(select(DiscountCode.id).where(DiscountCode.code == values['code']))).first()
    if clash is not None and clash != code_id:
        raise Conflict(_('The code {code} already exists.', code=values['code']), code='code_exists')
    if code_id is None:
        row = DiscountCode(**values)  # type: ignore[arg-type]
    else:
        found = await db.get(DiscountCode, code_id)
        if found is None:
            raise NotFound(_('This discount code does not exist.'))  # deleted while the editor was open
        row = found
        row.sqlmodel_update(values)
    db.add(row)
    await db.commit()
    return row
