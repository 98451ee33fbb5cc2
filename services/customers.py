"""The customer as the profile panel shows them (P1) and the staff note on them (P2)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Customer, Order, Staff
from db.types import utcnow
from services.chat_sessions import check_timezone, normalize_email
from services.customer_names import is_erased, shown_name
from services.errors import Conflict, Invalid, NotFound
from services.i18n import _
from services.messages import require_chat_permission
from services.money import from_cents
from services.store import get_store


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
    note: str = ''
    note_updated_at: datetime | None = None
    note_updated_by: str = ''
    accepts_email_marketing: bool = False
    accepts_sms_marketing: bool = False
    city: str = ''
    country: str = ''
    erased: bool = False
    """G1: the customer was erased; `name` is then "Erased customer" in the viewer's language."""

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
    note_by = await db.get(Staff, customer.note_updated_by_id) if customer.note_updated_by_id else None
    count, spend = (await db.exec(select(func.count(), func.coalesce(func.sum(Order.total_cents), 0))
                                  .where(Order.customer_id == customer_id, col(Order.status) != 'cancelled'))).one()
    return CustomerProfile(
        id=customer.id, name=shown_name(customer.name, customer.email), email=customer.email, phone=customer.phone,
        location=', '.join(p for p in (customer.city, customer.country) if p), timezone=customer.timezone,
        local_time=local_time(customer.timezone),
        subscribed=customer.accepts_email_marketing or customer.accepts_sms_marketing,
        customer_since=customer.created_at, order_count=int(count), lifetime_spend=from_cents(int(spend)),
        currency=currency, note=customer.note, note_updated_at=customer.note_updated_at,
        note_updated_by=note_by.name if note_by else '', accepts_email_marketing=customer.accepts_email_marketing,
        accepts_sms_marketing=customer.accepts_sms_marketing, city=customer.city, country=customer.country,
        erased=is_erased(customer.email))


MAX_NOTE = 5000


async def save_note(*, db: AsyncSession, staff: Staff | None, customer_id: int, text: str) -> CustomerProfile:
    """P2: an internal note on the customer, stamped with who wrote it and when (never shown to shoppers)."""
    staff = require_chat_permission(staff)
    note = text.strip()
    if len(note) > MAX_NOTE:
        raise Invalid(_('A note can have at most {max} characters.', max=MAX_NOTE), code='note_too_long')
    customer = await db.get(Customer, customer_id)
    if customer is None:
        raise NotFound('No such customer.')
    customer.note = note
    customer.note_updated_at = utcnow()
    customer.note_updated_by_id = staff.id
    db.add(customer)
    await db.commit()
    return await get_profile(db=db, customer_id=customer_id, currency=(await get_store(db)).currency)


@dataclass(frozen=True)
class CustomerUpdate:
    name: str
    email: str
    phone: str
    city: str
    country: str
    timezone: str
    accepts_email_marketing: bool
    accepts_sms_marketing: bool


PHONE = re.compile(r'^\+?[0-9 ()./-]{4,30}$')


async def update_customer(*, db: AsyncSession, staff: Staff | None, customer_id: int,
                          customer_in: CustomerUpdate) -> Customer:
    """The Manage page: validated edits of the customer record."""
    require_chat_permission(staff)
    customer = await db.get(Customer, customer_id)
    if customer is None:
        raise NotFound('No such customer.')
    email = normalize_email(customer_in.email)
    if email != customer.email:
        taken = (await db.exec(select(Customer.id).where(Customer.email == email))).first()
        if taken is not None:
            raise Conflict(_('Another customer already uses {email}.', email=email), code='email_taken')
    phone = customer_in.phone.strip()
    if phone and not PHONE.match(phone):
        raise Invalid(_('The phone number may contain digits, spaces, +, (, ), - and /.'), code='invalid_phone')
    customer.name = customer_in.name.strip()[:200]
    customer.email = email
    customer.phone = phone
    customer.city = customer_in.city.strip()[:100]
    customer.country = customer_in.country.strip()[:100]
    customer.timezone = check_timezone(customer_in.timezone)
    customer.accepts_email_marketing = customer_in.accepts_email_marketing
    customer.accepts_sms_marketing = customer_in.accepts_sms_marketing
    db.add(customer)
    await db.commit()
    return customer


async def customer_id_by_email(*, db: AsyncSession, email: str) -> int:
    """The customer with this address (any case), or NotFound saying so (the privacy commands start from one)."""
    found = (await db.exec(select(Customer.id).where(Customer.email == normalize_email(email)))).first()
    if found is None:
        raise NotFound(_('No customer has the e-mail {email}.', email=email.strip()), code='customer_unknown')
    return found
