"""The customer as the profile panel shows them (P1)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Customer, Order
from db.types import utcnow
from services.errors import NotFound
from services.money import from_cents


@dataclass(frozen=True)
class CustomerProfile:
    id: int
    name: str
    email: str
    phone: str
    location: str
    timezone: str
    local_time: datetime | None
    subscribed: bool
    customer_since: datetime
    order_count: int
    lifetime_spend: Decimal
    currency: str

    @property
    def returning(self) -> bool:
        return self.order_count > 0


def local_time(zone: str, now: datetime | None = None) -> datetime | None:
    if not zone:
        return None
    try:
        return (now or utcnow()).astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return None


async def get_profile(*, db: AsyncSession, customer_id: int, currency: str) -> CustomerProfile:
    customer = await db.get(Customer, customer_id)
    if customer is None or customer.id is None:
        raise NotFound('No such customer.')
    count, spend = (await db.exec(select(func.count(), func.coalesce(func.sum(Order.total_cents), 0))
                                  .where(Order.customer_id == customer_id, col(Order.status) != 'cancelled'))).one()
    return CustomerProfile(
        id=customer.id, name=customer.name or customer.email, email=customer.email, phone=customer.phone,
        location=', '.join(p for p in (customer.city, customer.country) if p), timezone=customer.timezone,
        local_time=local_time(customer.timezone),
        subscribed=customer.accepts_email_marketing or customer.accepts_sms_marketing,
        customer_since=customer.created_at, order_count=int(count), lifetime_spend=from_cents(int(spend)),
        currency=currency)
