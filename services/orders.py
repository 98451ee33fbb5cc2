"""Checkout (API.md) and the orders staff see (P4, order page)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NoReturn

from sqlalchemy import update
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.locks import ORDER_NUMBERS, lock_until_commit
from db.models import Cart, CartItem, ChatSession, Customer, DiscountCode, Order, OrderLine, Product, Variant
from db.types import utcnow
from services import discounts
from services.errors import Conflict, NotFound
from services.events import EventBus
from services.i18n import _
from services.money import from_cents
from services.webhook_events import record_event

RECENT_DAYS = 60
FIRST_ORDER_NUMBER = 1001


@dataclass(frozen=True)
class OrderLineView:
    product_title: str
    variant_title: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class OrderView:
    id: int
    number: int
    customer_id: int
    status: str
    placed_at: datetime
    currency: str
    subtotal: Decimal
    discount_code: str | None
    discount: Decimal
    total: Decimal
    lines: list[OrderLineView]

    def to_api(self) -> dict[str, object]:
        return {'order_id': self.id, 'order_number': self.number, 'total': str(self.total),
                'currency': self.currency, 'discount_code': self.discount_code}


def _view(order: Order, lines: list[OrderLine]) -> OrderView:
    assert order.id is not None
    return OrderView(
        id=order.id, number=order.number, customer_id=order.customer_id, status=order.status,
        placed_at=order.placed_at, currency=order.currency, subtotal=from_cents(order.subtotal_cents),
        discount_code=order.discount_code, discount=from_cents(order.discount_cents),
        total=from_cents(order.total_cents),
        lines=[OrderLineView(product_title=line.product_title, variant_title=line.variant_title, quantity=line.quantity,
                             unit_price=from_cents(line.unit_price_cents), line_total=from_cents(line.line_total_cents))
               for line in lines])


def order_data(view: OrderView) -> dict[str, object]:
    """An order as the `order.created` webhook sends it (W1)."""
    return {**view.to_api(), 'customer_id': view.customer_id, 'status': view.status,
            'placed_at': view.placed_at.isoformat(), 'subtotal': str(view.subtotal), 'discount': str(view.discount),
            'lines': [{'product_title': line.product_title, 'variant_title': line.variant_title,
                       'quantity': line.quantity, 'unit_price': str(line.unit_price),
                       'line_total': str(line.line_total)} for line in view.lines]}


def order_line(*, variant: Variant, product: Product, quantity: int) -> OrderLine:
    """A line as bought: the titles and the price at that moment (order_id is set once the order has one)."""
    return OrderLine(order_id=0, variant_id=variant.id, product_title=product.title, variant_title=variant.title,
                     quantity=quantity, unit_price_cents=variant.price_cents,
                     line_total_cents=variant.price_cents * quantity)


def priced_order(*, number: int, customer_id: int, session_id: int | None, currency: str, lines: list[OrderLine],
                 code: DiscountCode | None, status: str = 'open', placed_at: datetime | None = None) -> Order:
    """An order of these lines with the discount of `code`, which the caller has checked is usable."""
    subtotal = sum(line.line_total_cents for line in lines)
    off = discounts.discount_cents(code, subtotal) if code else 0
    return Order(number=number, customer_id=customer_id, session_id=session_id, status=status, currency=currency,
                 subtotal_cents=subtotal, discount_code=code.code if code else None, discount_cents=off,
                 total_cents=subtotal - off, placed_at=placed_at or utcnow())


async def checkout(*, db: AsyncSession, bus: EventBus, chat_session: ChatSession, currency: str) -> OrderView:
    """Turn the session's cart into an open order with its discount, take the stock, empty the cart."""
    cart = (await db.exec(select(Cart).where(Cart.session_id == chat_session.id))).first()
    rows = (await db.exec(
        select(CartItem, Variant, Product).join(Variant, col(CartItem.variant_id) == Variant.id)
        .join(Product, col(Variant.product_id) == Product.id).where(CartItem.cart_id == (cart.id if cart else -1))
        .order_by(col(CartItem.id)))).all()
    if cart is None or not rows:
        raise Conflict(_('The cart is empty.'), code='cart_empty')
    for item, variant, product in rows:
        if item.quantity > variant.inventory:
            raise Conflict(_('Only {n} of "{product}" left in stock.', n=variant.inventory, product=product.title),
                           code='insufficient_inventory')

    lines = [order_line(variant=variant, product=product, quantity=item.quantity) for item, variant, product in rows]
    code: DiscountCode | None = None
    if chat_session.discount_code:
        code = await discounts.find_code(db, chat_session.discount_code)
        if code is not None and discounts.status_of(code) == 'used_up':
            # Used up by another checkout since it was applied: told as when that checkout wins the race below
            # (on PostgreSQL a checkout starting a moment later already reads the code used up).
            await _refuse_used_up_code(db, bus, chat_session, code.code)
        if code is None or discounts.status_of(code) != discounts.USABLE:
            code = None  # a code that stopped being valid since it was applied is dropped, not honoured
    order = priced_order(number=0, customer_id=chat_session.customer_id, session_id=chat_session.id,
                         currency=currency, lines=lines, code=code)
    # The next number is read by the INSERT itself, under the database's write lock (PostgreSQL: an advisory lock
    # held until the commit): two checkouts reading the highest number first both took the same one, and the second
    # failed on the unique index (a 500).
    await lock_until_commit(db, ORDER_NUMBERS)
    next_number = select(func.coalesce(func.max(Order.number), FIRST_ORDER_NUMBER - 1) + 1).scalar_subquery()
    order.number = next_number  # type: ignore[assignment]  # a SQL expression: the ORM evaluates it in the INSERT
    db.add(order)
    await db.flush()
    await db.refresh(order, attribute_names=['number'])
    assert order.id is not None
    for line, (item, variant, product) in zip(lines, rows, strict=True):
        line.order_id = order.id
        db.add(line)
        stock = await db.exec(update(Variant).where(col(Variant.id) == variant.id,
                                                    col(Variant.inventory) >= item.quantity)
                              .values(inventory=Variant.inventory - item.quantity))
        if stock.rowcount != 1:
            await db.rollback()
            raise Conflict(_('"{product}" sold out while checking out.', product=product.title),
                           code='insufficient_inventory')
        await db.delete(item)
    if code is not None and not await _redeem(db, code):
        await _refuse_used_up_code(db, bus, chat_session, code.code)
    cart.updated_at = utcnow()
    chat_session.discount_code = None
    db.add(cart)
    db.add(chat_session)
    view = _view(order, lines)
    await record_event(db, 'order.created',
                       {'conversation_id': chat_session.conversation_id, 'order': order_data(view)})
    await db.commit()
    bus.cart_changed.emit(chat_session.conversation_id)
    return view


async def _refuse_used_up_code(db: AsyncSession, bus: EventBus, chat_session: ChatSession, wanted: str) -> NoReturn:
    """Keep nothing of this checkout (the cart stays as it was), take the code off the session, tell the shopper."""
    session_id, conversation_id = chat_session.id, chat_session.conversation_id
    await db.rollback()
    await db.exec(update(ChatSession).where(col(ChatSession.id) == session_id).values(discount_code=None))
    await db.commit()
    bus.cart_changed.emit(conversation_id)
    raise Conflict(_('The discount code {code} has just been used up. Check out again to pay without it.',
                     code=wanted), code='discount_used_up')


async def _redeem(db: AsyncSession, code: DiscountCode) -> bool:
    """Count one use of `code` unless its limit was reached meanwhile (by a checkout running at the same time)."""
    used = await db.exec(update(DiscountCode).where(
        col(DiscountCode.id) == code.id,
        or_(col(DiscountCode.usage_limit).is_(None), col(DiscountCode.times_used) < col(DiscountCode.usage_limit)))
        .values(times_used=DiscountCode.times_used + 1))
    return bool(used.rowcount == 1)


async def _lines(db: AsyncSession, order_ids: list[int]) -> dict[int, list[OrderLine]]:
    if not order_ids:
        return {}
    rows = (await db.exec(select(OrderLine).where(col(OrderLine.order_id).in_(order_ids))
                          .order_by(col(OrderLine.id)))).all()
    by_order: dict[int, list[OrderLine]] = {}
    for line in rows:
        by_order.setdefault(line.order_id, []).append(line)
    return by_order


async def last_order_placed(*, db: AsyncSession, customer_id: int, now: datetime | None = None) -> OrderView | None:
    """P4: the latest order placed in the last 60 days or still open."""
    since = (now or utcnow()) - timedelta(days=RECENT_DAYS)
    order = (await db.exec(select(Order).where(Order.customer_id == customer_id,
                                               or_(col(Order.placed_at) >= since, Order.status == 'open'))
                           .order_by(col(Order.placed_at).desc()).limit(1))).first()
    if order is None:
        return None
    assert order.id is not None
    return _view(order, (await _lines(db, [order.id])).get(order.id, []))


async def orders_of(*, db: AsyncSession, customer_id: int) -> list[OrderView]:
    orders = (await db.exec(select(Order).where(Order.customer_id == customer_id)
                            .order_by(col(Order.placed_at).desc()))).all()
    lines = await _lines(db, [o.id for o in orders if o.id is not None])
    return [_view(order, lines.get(order.id, [])) for order in orders]  # type: ignore[arg-type]


async def get_order(*, db: AsyncSession, order_id: int) -> tuple[OrderView, Customer]:
    order = await db.get(Order, order_id)
    if order is None:
        raise NotFound('No such order.')
    customer = await db.get(Customer, order.customer_id)
    assert customer is not None
    return _view(order, (await _lines(db, [order_id])).get(order_id, [])), customer
