"""Shopper carts (API.md cart endpoints), the cart events staff see (E1) and the cart staff see (E2, P3)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Cart, CartItem, ChatSession, Message, Product, Variant
from db.types import utcnow
from services import discounts
from services.errors import Conflict, Invalid, NotFound
from services.events import EventBus
from services.i18n import _
from services.messages import to_view
from services.money import from_cents
from services.webhook_events import record_event

NAME_LIMIT = 41  # E1: a product name goes into the event text only when shorter than this


@dataclass(frozen=True)
class CartLine:
    variant_id: int
    product_id: int
    product_title: str
    variant_title: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    available: int


@dataclass(frozen=True)
class CartView:
    items: list[CartLine]
    subtotal: Decimal
    currency: str
    discount_code: str | None
    updated_at: datetime | None

    @property
    def is_empty(self) -> bool:
        return not self.items

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.items)

    def to_api(self) -> dict[str, Any]:
        return {
            'items': [{'variant_id': line.variant_id, 'product_title': line.product_title,
                       'variant_title': line.variant_title, 'quantity': line.quantity,
                       'unit_price': str(line.unit_price), 'line_total': str(line.line_total)} for line in self.items],
            'subtotal': str(self.subtotal), 'currency': self.currency, 'discount_code': self.discount_code,
            'updated_at': self.updated_at.isoformat() if self.updated_at else None,
        }


def cart_event_text(action: str, product_title: str) -> str:
    """E1's wording: the name only when it is shorter than 41 characters."""
    named = len(product_title) < NAME_LIMIT
    if action == 'add':
        return _('Added {product} to the cart', product=product_title) if named else _('Added a product to the cart')
    if named:
        return _('Removed {product} from the cart', product=product_title)
    return _('Removed a product from the cart')


async def _cart_of(db: AsyncSession, chat_session: ChatSession, *, create: bool) -> Cart | None:
    cart = (await db.exec(select(Cart).where(Cart.session_id == chat_session.id))).first()
    if cart is None and create:
        assert chat_session.id is not None
        cart = Cart(session_id=chat_session.id, customer_id=chat_session.customer_id)
        db.add(cart)
        await db.flush()
    return cart


def _line(item: CartItem, variant: Variant, product: Product) -> CartLine:
    assert variant.id is not None and product.id is not None
    return CartLine(variant_id=variant.id, product_id=product.id, product_title=product.title,
                    variant_title=variant.title, quantity=item.quantity, unit_price=from_cents(variant.price_cents),
                    line_total=from_cents(variant.price_cents * item.quantity), available=variant.inventory)


async def _view(db: AsyncSession, cart: Cart | None, *, currency: str, discount_code: str | None) -> CartView:
    if cart is None:
        return CartView(items=[], subtotal=Decimal('0.00'), currency=currency, discount_code=discount_code,
                        updated_at=None)
    rows = (await db.exec(
        select(CartItem, Variant, Product)
        .join(Variant, col(CartItem.variant_id) == Variant.id)
        .join(Product, col(Variant.product_id) == Product.id)
        .where(CartItem.cart_id == cart.id).order_by(col(CartItem.id)))).all()
    lines = [_line(item, variant, product) for item, variant, product in rows]
    subtotal = from_cents(sum(int(line.line_total * 100) for line in lines))
    return CartView(items=lines, subtotal=subtotal, currency=currency, discount_code=discount_code,
                    updated_at=cart.updated_at)


async def get_cart(*, db: AsyncSession, chat_session: ChatSession, currency: str) -> CartView:
    return await _view(db, await _cart_of(db, chat_session, create=False), currency=currency,
                       discount_code=chat_session.discount_code)


async def change_cart(*, db: AsyncSession, bus: EventBus, chat_session: ChatSession,
                      action: Literal['add', 'remove'], variant_id: int, quantity: int, currency: str) -> CartView:
    """Add or remove a quantity of one variant, record the event for staff, commit, then publish."""
    if quantity < 1:
        raise Invalid(_('The quantity must be at least 1.'), code='invalid_quantity')
    row = (await db.exec(select(Variant, Product).join(Product, col(Variant.product_id) == Product.id)
                         .where(Variant.id == variant_id, col(Product.online_store).is_(True),
                                Product.status == 'active'))).first()
    if row is None:
        raise NotFound(_('This product is not available.'), code='unknown_variant')
    variant, product = row
    cart = await _cart_of(db, chat_session, create=True)
    assert cart is not None and cart.id is not None
    item = (await db.exec(select(CartItem).where(CartItem.cart_id == cart.id,
                                                 CartItem.variant_id == variant_id))).first()
    in_cart = item.quantity if item else 0
    if action == 'add':
        if in_cart + quantity > variant.inventory:
            raise Conflict(_('Only {n} of "{product}" in stock.', n=variant.inventory, product=product.title),
                           code='insufficient_inventory')
        changed = quantity
        if item is None:
            item = CartItem(cart_id=cart.id, variant_id=variant_id, quantity=0)
        item.quantity += quantity
        db.add(item)
    else:
        changed = min(quantity, in_cart)  # never below zero: removing more than is there empties the line
        if item is not None:
            if item.quantity - changed <= 0:
                await db.delete(item)
            else:
                item.quantity -= changed
                db.add(item)
    event: Message | None = None
    if changed:
        now = utcnow()
        cart.updated_at = now
        db.add(cart)
        event = Message(conversation_id=chat_session.conversation_id, session_id=chat_session.id, author='system',
                        kind='cart_event', body=cart_event_text(action, product.title), created_at=now,
                        payload={'action': action, 'product_title': product.title, 'variant_id': variant_id,
                                 'variant_title': variant.title, 'quantity': changed})
        db.add(event)
        await record_event(db, 'cart.changed', {'conversation_id': chat_session.conversation_id, **event.payload})
    await db.commit()
    if event is not None:
        bus.message_created.emit(to_view(event))
        bus.cart_changed.emit(chat_session.conversation_id)
    return await _view(db, cart, currency=currency, discount_code=chat_session.discount_code)


async def set_discount_code(*, db: AsyncSession, bus: EventBus, chat_session: ChatSession, code: str,
                            currency: str) -> CartView:
    """Store a usable code on the chat session; checkout applies it."""
    discount = await discounts.usable_code(db, code)
    chat_session.discount_code = discount.code
    db.add(chat_session)
    await db.commit()
    bus.cart_changed.emit(chat_session.conversation_id)
    return await get_cart(db=db, chat_session=chat_session, currency=currency)


async def cart_for_conversation(*, db: AsyncSession, conversation_id: int, currency: str) -> CartView:
    """The cart staff see: the most recently touched non-empty cart of the conversation's sessions."""
    carts = (await db.exec(
        select(Cart, ChatSession).join(ChatSession, col(Cart.session_id) == ChatSession.id)
        .where(ChatSession.conversation_id == conversation_id).order_by(col(Cart.updated_at).desc()))).all()
    for cart, chat_session in carts:
        view = await _view(db, cart, currency=currency, discount_code=chat_session.discount_code)
        if not view.is_empty:
            return view
    return await _view(db, None, currency=currency, discount_code=None)



async def cart_for_customer(*, db: AsyncSession, customer_id: int, currency: str) -> CartView:
    """The customer's current cart (staff API, W2): the most recently touched non-empty cart of their sessions."""
    carts = (await db.exec(
        select(Cart, ChatSession).join(ChatSession, col(Cart.session_id) == ChatSession.id)
        .where(ChatSession.customer_id == customer_id).order_by(col(Cart.updated_at).desc()).limit(20))).all()
    for cart, chat_session in carts:
        view = await _view(db, cart, currency=currency, discount_code=chat_session.discount_code)
        if not view.is_empty:
            return view
    return await _view(db, None, currency=currency, discount_code=None)
