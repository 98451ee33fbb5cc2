"""Cart events (E1, E2), checkout and the last order (P4) on a real SQLite file, and the cart API."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DiscountCode, Order, Variant
from db.types import utcnow
from services import carts, orders
from services.chat_sessions import SessionCreate, create_session
from services.errors import Conflict, NotFound
from services.events import EventBus
from services.messages import list_for_session, list_thread
from tests.commerce_data import add_code, add_product
from tests.conftest import App


async def new_session(db: AsyncSession, email: str = 'cart@example.com'):  # type: ignore[no-untyped-def]
    return (await create_session(db=db, session_in=SessionCreate(email=email))).session


@pytest.mark.parametrize(('length', 'named'), [(40, True), (41, False), (42, False)])
async def test_product_name_is_in_the_event_only_below_41_characters(db: AsyncSession, length: int,
                                                                      named: bool) -> None:
    title = ('Tent ' + 'x' * 60)[:length]
    variant = await add_product(db, title)
    session = await new_session(db)
    await carts.change_cart(db=db, bus=EventBus(), chat_session=session, action='add', variant_id=variant.id,
                            quantity=1, currency='EUR')
    events = [m for m in await list_thread(db=db, conversation_id=session.conversation_id) if m.kind == 'cart_event']
    assert [e.body for e in events] == [f'Added {title} to the cart' if named else 'Added a product to the cart']


async def test_cart_events_are_never_shown_to_the_shopper(db: AsyncSession) -> None:
    variant = await add_product(db, 'Socks')
    session = await new_session(db)
    await carts.change_cart(db=db, bus=EventBus(), chat_session=session, action='add', variant_id=variant.id,
                            quantity=1, currency='EUR')
    assert await list_for_session(db=db, chat_session=session) == []


async def test_inventory_limits_adding_and_removal_never_goes_below_zero(db: AsyncSession) -> None:
    variant = await add_product(db, 'Lamp', inventory=3, price_cents=1999)
    session = await new_session(db)
    bus = EventBus()
    cart = await carts.change_cart(db=db, bus=bus, chat_session=session, action='add', variant_id=variant.id,
                                   quantity=3, currency='EUR')
    assert cart.items[0].quantity == 3 and cart.subtotal == Decimal('59.97')
    with pytest.raises(Conflict):
        await carts.change_cart(db=db, bus=bus, chat_session=session, action='add', variant_id=variant.id, quantity=1,
                                currency='EUR')
    cart = await carts.change_cart(db=db, bus=bus, chat_session=session, action='remove', variant_id=variant.id,
                                   quantity=10, currency='EUR')
    assert cart.is_empty and cart.subtotal == Decimal('0.00')
    cart = await carts.change_cart(db=db, bus=bus, chat_session=session, action='remove', variant_id=variant.id,
                                   quantity=1, currency='EUR')
    assert cart.is_empty
    events = [m.body for m in await list_thread(db=db, conversation_id=session.conversation_id)]
    assert events == ['Added Lamp to the cart', 'Removed Lamp from the cart']


async def test_products_off_the_online_store_cannot_be_added(db: AsyncSession) -> None:
    variant = await add_product(db, 'Wholesale crate', online=False)
    with pytest.raises(NotFound):
        await carts.change_cart(db=db, bus=EventBus(), chat_session=await new_session(db), action='add',
                                variant_id=variant.id, quantity=1, currency='EUR')


async def test_money_is_exact(db: AsyncSession) -> None:
    a = await add_product(db, 'Ten cents', price_cents=10, inventory=100)
    b = await add_product(db, 'Twenty cents', price_cents=20, inventory=100)
    session = await new_session(db)
    for variant in (a, b):
        await carts.change_cart(db=db, bus=EventBus(), chat_session=session, action='add', variant_id=variant.id,
                                quantity=1, currency='EUR')
    cart = await carts.get_cart(db=db, chat_session=session, currency='EUR')
    assert cart.subtotal == Decimal('0.30') and cart.to_api()['subtotal'] == '0.30'


async def test_checkout_applies_the_stored_code_takes_stock_and_empties_the_cart(db: AsyncSession) -> None:
    variant = await add_product(db, 'Jacket', price_cents=12_990, inventory=4)
    await add_code(db, 'WELCOME10', value_cents=1000)
    session = await new_session(db)
    bus = EventBus()
    await carts.change_cart(db=db, bus=bus, chat_session=session, action='add', variant_id=variant.id, quantity=2,
                            currency='EUR')
    await carts.set_discount_code(db=db, bus=bus, chat_session=session, code='welcome10', currency='EUR')
    order = await orders.checkout(db=db, bus=bus, chat_session=session, currency='EUR')
    assert (order.subtotal, order.discount, order.total) == (Decimal('259.80'), Decimal('25.98'), Decimal('233.82'))
    assert order.discount_code == 'WELCOME10' and order.number == 1001
    await db.refresh(variant)
    assert variant.inventory == 2
    assert (await carts.get_cart(db=db, chat_session=session, currency='EUR')).is_empty
    with pytest.raises(Conflict):
        await orders.checkout(db=db, bus=bus, chat_session=session, currency='EUR')


async def test_last_order_placed_is_the_latest_within_60_days_or_still_open(db: AsyncSession) -> None:
    session = await new_session(db)
    customer_id = session.customer_id
    now = utcnow()
    assert await orders.last_order_placed(db=db, customer_id=customer_id) is None

    def order(number: int, days: int, status: str) -> Order:
        return Order(number=number, customer_id=customer_id, status=status, placed_at=now - timedelta(days=days),
                     subtotal_cents=1000, total_cents=1000)

    db.add(order(1, 90, 'fulfilled'))
    await db.commit()
    assert await orders.last_order_placed(db=db, customer_id=customer_id, now=now) is None
    db.add(order(2, 59, 'paid'))
    await db.commit()
    assert (await orders.last_order_placed(db=db, customer_id=customer_id, now=now)).number == 2
    db.add(order(3, 61, 'open'))
    await db.commit()
    assert (await orders.last_order_placed(db=db, customer_id=customer_id, now=now)).number == 2
    assert (await orders.last_order_placed(db=db, customer_id=customer_id, now=now + timedelta(days=5))).number == 3


def bearer(token: str) -> dict[str, str]:
    return {'Authorization': f'Bearer {token}'}


async def test_cart_api_round_trip(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        tent = await add_product(db, 'Trail tent', price_cents=19_900, inventory=2)
        await add_code(db, 'FIVEOFF', kind='fixed', value_cents=500)
        await add_code(db, 'OLD', expired=True)
    token = (await app.http.post('/api/v1/chat/sessions', json={'email': 'api@example.com'})).json()['session_token']
    empty = await app.http.get('/api/v1/storefront/cart', headers=bearer(token))
    assert empty.status_code == 200 and empty.json()['items'] == []
    added = await app.http.post('/api/v1/storefront/cart/events', headers=bearer(token),
                                json={'action': 'add', 'variant_id': tent.id, 'quantity': 2})
    assert added.status_code == 200 and added.json()['subtotal'] == '398.00'
    too_many = await app.http.post('/api/v1/storefront/cart/events', headers=bearer(token),
                                   json={'action': 'add', 'variant_id': tent.id, 'quantity': 1})
    assert too_many.status_code == 409 and too_many.json()['error']['code'] == 'insufficient_inventory'
    unknown = await app.http.post('/api/v1/storefront/cart/events', headers=bearer(token),
                                  json={'action': 'add', 'variant_id': 999_999, 'quantity': 1})
    assert unknown.status_code == 404
    zero = await app.http.post('/api/v1/storefront/cart/events', headers=bearer(token),
                               json={'action': 'add', 'variant_id': tent.id, 'quantity': 0})
    assert zero.status_code == 422
    expired = await app.http.post('/api/v1/storefront/cart/discount', headers=bearer(token), json={'code': 'OLD'})
    assert expired.status_code == 422 and expired.json()['error']['code'] == 'discount_inactive'
    unknown_code = await app.http.post('/api/v1/storefront/cart/discount', headers=bearer(token), json={'code': 'NOPE'})
    assert unknown_code.json()['error']['code'] == 'discount_unknown'
    applied = await app.http.post('/api/v1/storefront/cart/discount', headers=bearer(token), json={'code': 'fiveoff'})
    assert applied.status_code == 200 and applied.json()['discount_code'] == 'FIVEOFF'
    placed = await app.http.post('/api/v1/storefront/checkout', headers=bearer(token), json={})
    assert placed.status_code == 201
    assert placed.json() | {'order_id': 0} == {'order_id': 0, 'order_number': 1001, 'total': '393.00',
                                               'currency': 'EUR', 'discount_code': 'FIVEOFF'}
    async with app.runtime.db.sessions() as db:
        assert (await db.get(Variant, tent.id)).inventory == 0
        assert len((await db.exec(select(Order))).all()) == 1
    other = (await app.http.post('/api/v1/chat/sessions', json={'email': 'other@example.com'})).json()['session_token']
    assert (await app.http.get('/api/v1/storefront/cart', headers=bearer(other))).json()['items'] == []
    assert (await app.http.get('/api/v1/storefront/cart')).status_code == 401


async def shopper_with_a_cart(app: App, n: int, variant_id: int, code: str | None = None) -> str:
    token = (await app.http.post('/api/v1/chat/sessions', json={'email': f'race{n}@example.com'})).json()[
        'session_token']
    added = await app.http.post('/api/v1/storefront/cart/events', headers=bearer(token),
                                json={'action': 'add', 'variant_id': variant_id, 'quantity': 1})
    assert added.status_code == 200
    if code:
        applied = await app.http.post('/api/v1/storefront/cart/discount', headers=bearer(token), json={'code': code})
        assert applied.status_code == 200
    return token


async def test_parallel_checkouts_redeem_a_single_use_code_once_and_get_distinct_numbers(app: App) -> None:
    """Issue 16: both checkouts saw the code usable and both got it; the order number raced into a 500."""
    async with app.runtime.db.sessions() as db:
        scarf = await add_product(db, 'Scarf', price_cents=3000, inventory=100)
        single = await add_code(db, 'ONCE', kind='fixed', value_cents=500)
        single.usage_limit = 1
        db.add(single)
        await db.commit()
    tokens = [await shopper_with_a_cart(app, n, scarf.id, 'ONCE') for n in range(6)]
    answers = await asyncio.gather(*[app.http.post('/api/v1/storefront/checkout', headers=bearer(token), json={})
                                     for token in tokens])
    statuses = sorted(answer.status_code for answer in answers)
    assert 500 not in statuses
    placed = [answer.json() for answer in answers if answer.status_code == 201]
    refused = [answer.json() for answer in answers if answer.status_code == 409]
    assert [order['discount_code'] for order in placed] == ['ONCE']
    assert len(refused) == 5 and {r['error']['code'] for r in refused} == {'discount_used_up'}
    async with app.runtime.db.sessions() as db:
        code = (await db.exec(select(DiscountCode).where(DiscountCode.code == 'ONCE'))).one()
        assert code.times_used == 1
    again = await asyncio.gather(*[app.http.post('/api/v1/storefront/checkout', headers=bearer(token), json={})
                                   for token in tokens if token != tokens[statuses.index(201)]])
    assert all(answer.status_code in (201, 409) for answer in again)  # the refused ones may check out without it


async def test_a_code_used_up_since_it_was_applied_is_refused_at_checkout_not_dropped(app: App) -> None:
    """The shopper is told, as the loser of a parallel checkout is, instead of paying the full price unawares."""
    async with app.runtime.db.sessions() as db:
        scarf = await add_product(db, 'Scarf', price_cents=3000, inventory=100)
        single = await add_code(db, 'ONCE', kind='fixed', value_cents=500)
        single.usage_limit = 1
        db.add(single)
        await db.commit()
    first, second = [await shopper_with_a_cart(app, n, scarf.id, 'ONCE') for n in range(2)]
    placed = await app.http.post('/api/v1/storefront/checkout', headers=bearer(first), json={})
    assert placed.status_code == 201 and placed.json()['discount_code'] == 'ONCE'
    refused = await app.http.post('/api/v1/storefront/checkout', headers=bearer(second), json={})
    assert refused.status_code == 409 and refused.json()['error']['code'] == 'discount_used_up'
    cart = (await app.http.get('/api/v1/storefront/cart', headers=bearer(second))).json()
    assert len(cart['items']) == 1 and cart['discount_code'] is None
    again = await app.http.post('/api/v1/storefront/checkout', headers=bearer(second), json={})
    assert again.status_code == 201 and again.json()['discount_code'] is None and again.json()['total'] == '30.00'


async def test_parallel_checkouts_each_get_their_own_order_number(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        scarf = await add_product(db, 'Scarf', price_cents=3000, inventory=100)
    tokens = [await shopper_with_a_cart(app, n, scarf.id) for n in range(10)]
    answers = await asyncio.gather(*[app.http.post('/api/v1/storefront/checkout', headers=bearer(token), json={})
                                     for token in tokens])
    assert [answer.status_code for answer in answers] == [201] * 10
    assert sorted(answer.json()['order_number'] for answer in answers) == list(range(1001, 1011))
