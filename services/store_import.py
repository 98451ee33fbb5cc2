"""Import customers and orders from one documented JSON format (README: "Importing customers and orders").

    {"customers": [{"email", "name"?, "phone"?, "city"?, "country"?, "timezone"?,
                    "accepts_email_marketing"?, "accepts_sms_marketing"?, "created_at"?}],
     "orders": [{"number", "email", "placed_at", "status"?, "currency"?, "discount_code"?, "discount"?,
                 "lines": [{"title", "variant"?, "quantity", "unit_price"}]}]}

Customers are upserted by e-mail and orders by number, so a second run changes nothing. A bad
entry is reported as `customers[3]: reason` and skipped; the good ones are imported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Customer, Order, OrderLine
from db.states import OrderStatus
from services.chat_sessions import check_timezone, normalize_email
from services.errors import Invalid
from services.money import to_cents

ORDER_STATUSES = tuple(OrderStatus)


@dataclass
class StoreImportReport:
    customers_created: int = 0
    customers_updated: int = 0
    orders_created: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f'{self.customers_created} customers created, {self.customers_updated} updated, '
                f'{self.orders_created} orders created, {self.unchanged} unchanged, {len(self.errors)} bad entries')


def _text(entry: dict[str, Any], key: str, limit: int) -> str:
    value = entry.get(key, '')
    if not isinstance(value, str):
        raise Invalid(f'"{key}" must be text')
    return value.strip()[:limit]


def _time(raw: object) -> datetime:
    if not isinstance(raw, str):
        raise Invalid('"placed_at" must be an ISO 8601 time')
    try:
        moment = datetime.fromisoformat(raw.replace('Z', '+00:00'))
    except ValueError:
        raise Invalid(f'"{raw[:40]}" is not an ISO 8601 time') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _money(raw: object, key: str) -> int:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise Invalid(f'"{key}" must be a decimal amount') from None
    if not value.is_finite() or value < 0:
        raise Invalid(f'"{key}" must not be negative')
    return to_cents(value)


async def _customer(db: AsyncSession, entry: dict[str, Any], report: StoreImportReport) -> None:
    email = normalize_email(_text(entry, 'email', 320))
    values: dict[str, Any] = {
        'name': _text(entry, 'name', 200), 'phone': _text(entry, 'phone', 50), 'city': _text(entry, 'city', 100),
        'country': _text(entry, 'country', 100), 'timezone': check_timezone(_text(entry, 'timezone', 64)),
        'accepts_email_marketing': bool(entry.get('accepts_email_marketing', False)),
        'accepts_sms_marketing': bool(entry.get('accepts_sms_marketing', False))}
    existing = (await db.exec(select(Customer).where(Customer.email == email))).first()
    if existing is None:
        customer = Customer(email=email, **values)
        if entry.get('created_at'):
            customer.created_at = _time(entry['created_at'])
        db.add(customer)
        report.customers_created += 1
    elif any(getattr(existing, k) != v for k, v in values.items()):
        existing.sqlmodel_update(values)
        db.add(existing)
        report.customers_updated += 1
    else:
        report.unchanged += 1


async def _order(db: AsyncSession, entry: dict[str, Any], report: StoreImportReport) -> None:
    number = entry.get('number')
    if not isinstance(number, int) or number < 1:
        raise Invalid('"number" must be a positive whole number')
    if (await db.exec(select(Order.id).where(Order.number == number))).first() is not None:
        report.unchanged += 1
        return
    email = normalize_email(_text(entry, 'email', 320))
    customer = (await db.exec(select(Customer).where(Customer.email == email))).first()
    if customer is None:
        raise Invalid(f'no customer with e-mail {email}')
    assert customer.id is not None
    status = _text(entry, 'status', 20) or 'paid'
    if status not in ORDER_STATUSES:
        raise Invalid(f'unknown status "{status}"')
    lines = entry.get('lines')
    if not isinstance(lines, list) or not lines:
        raise Invalid('"lines" must be a non-empty list')
    order_lines = []
    for line in lines:
        if not isinstance(line, dict):
            raise Invalid('every line must be an object')
        quantity = line.get('quantity')
        if not isinstance(quantity, int) or quantity < 1:
            raise Invalid('a line\'s "quantity" must be a whole number of at least 1')
        title = _text(line, 'title', 255)
        if not title:
            raise Invalid('a line needs a "title"')
        unit = _money(line.get('unit_price'), 'unit_price')
        order_lines.append(OrderLine(order_id=0, product_title=title, variant_title=_text(line, 'variant', 255),
                                     quantity=quantity, unit_price_cents=unit, line_total_cents=unit * quantity))
    subtotal = sum(line.line_total_cents for line in order_lines)
    discount = min(_money(entry.get('discount', '0'), 'discount'), subtotal)
    order = Order(number=number, customer_id=customer.id, status=status, placed_at=_time(entry.get('placed_at')),
                  currency=(_text(entry, 'currency', 3) or 'EUR').upper(), subtotal_cents=subtotal,
                  discount_code=_text(entry, 'discount_code', 100) or None, discount_cents=discount,
                  total_cents=subtotal - discount)
    db.add(order)
    await db.flush()
    for line in order_lines:
        line.order_id = order.id  # type: ignore[assignment]
        db.add(line)
    report.orders_created += 1


async def import_store_data(*, db: AsyncSession, data: object) -> StoreImportReport:
    report = StoreImportReport()
    if not isinstance(data, dict):
        report.errors.append('the file must hold one JSON object with "customers" and/or "orders"')
        return report
    for key, handler in (('customers', _customer), ('orders', _order)):
        entries = data.get(key, [])
        if not isinstance(entries, list):
            report.errors.append(f'"{key}" must be a list')
            continue
        for index, entry in enumerate(entries):
            try:
                if not isinstance(entry, dict):
                    raise Invalid('must be an object')
                async with db.begin_nested():
                    await handler(db, entry, report)
            except Invalid as error:
                report.errors.append(f'{key}[{index}]: {error.message}')
        await db.flush()
    await db.commit()
    return report
