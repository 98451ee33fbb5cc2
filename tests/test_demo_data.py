"""The demo store loaded into an empty database: what the spec needs to show, and sound numbers."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.demo import CONVERSATIONS, CUSTOMERS, DISCOUNTS, DemoLogin, database_is_empty, load_demo, load_demo_store
from db.engine import open_database
from db.migrate import upgrade
from db.models import (
    ChatSession,
    Conversation,
    Customer,
    DiscountCode,
    Message,
    Order,
    OrderLine,
    Product,
    Staff,
    Store,
    Variant,
)
from services import chat_sessions, discounts, instant_answers, permissions
from services.discounts import status_of
from services.errors import Unauthorized
from services.i18n import SUPPORTED_LANGUAGES
from services.messages import PREVIEW_LENGTH, preview_of
from services.passwords import hash_password, verify_password
from services.permissions import Permission

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PASSWORD = 'demo owner password'


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    upgrade(url)
    database = open_database(url)
    async with database.sessions() as session:
        yield session
    await database.dispose()


async def _demo(db: AsyncSession, **overrides: object) -> DemoLogin:
    options: dict[str, object] = {'now': NOW, 'owner_password': PASSWORD, **overrides}
    return await load_demo(db, hash_password=hash_password, **options)  # type: ignore[arg-type]


async def _all(db: AsyncSession, model: type) -> list:  # type: ignore[type-arg]
    return list((await db.exec(select(model))).all())


async def test_demo_fills_an_empty_store_with_what_the_spec_needs(db: AsyncSession) -> None:
    assert await database_is_empty(db)
    await _demo(db)
    assert not await database_is_empty(db)

    store = await db.get(Store, 1)
    assert store is not None and store.name == 'Nordlys Home & Outdoor' and store.currency == 'EUR'
    assert len(store.identity_secret) >= 32

    staff = {s.email: s for s in await _all(db, Staff)}
    assert set(staff) == {'owner@example.com', 'ana@example.com', 'ben@example.com'}
    assert staff['owner@example.com'].is_owner and permissions.granted(staff['owner@example.com']) == permissions.ALL
    assert permissions.has(staff['ana@example.com'], Permission.REPLY) and not staff['ana@example.com'].is_owner
    assert not permissions.has(staff['ben@example.com'], Permission.REPLY)
    assert permissions.has(staff['ben@example.com'], Permission.SEE_REPORTS)

    products: list[Product] = await _all(db, Product)
    variants: list[Variant] = await _all(db, Variant)
    by_product: dict[int, list[Variant]] = defaultdict(list)
    for variant in variants:
        by_product[variant.product_id].append(variant)
    assert len(products) >= 30
    assert all(1 <= len(by_product[p.id]) <= 4 for p in products if p.id is not None)
    assert len({p.handle for p in products}) == len(products)
    assert sum(len(p.title) >= 41 for p in products) >= 3
    assert sum(not p.online_store for p in products) >= 3
    assert [p.status for p in products].count('draft') == 1
    assert all(p.image_url == '' and p.vendor and p.product_type and p.tags for p in products)
    assert all(490 <= v.price_cents <= 24900 and 0 <= v.inventory <= 60 and v.sku for v in variants)
    assert any(v.inventory == 0 for v in variants)
    assert any(v.title != 'Default Title' for v in variants) and any(v.title == 'Default Title' for v in variants)

    codes: list[DiscountCode] = await _all(db, DiscountCode)
    states = {(status_of(c, NOW), c.kind) for c in codes}
    assert {('active', 'percentage'), ('active', 'fixed')} <= states
    assert {state for state, _ in states} >= {'inactive', 'expired', 'used_up', 'scheduled'}
    welcome = next(c for c in codes if c.code == 'WELCOME10')
    assert (welcome.kind, welcome.value_cents) == ('percentage', 1000)

    customers: list[Customer] = await _all(db, Customer)
    assert len(customers) >= 20 + 100  # the hand-written ones and the history's (app/demo_history.py)
    assert all(c.name and c.phone and c.city and c.country and c.timezone for c in customers)
    assert {'Europe/Copenhagen', 'Europe/Helsinki', 'America/New_York'} <= {c.timezone for c in customers}
    assert any(c.accepts_email_marketing for c in customers) and any(c.accepts_sms_marketing for c in customers)
    assert any(not (c.accepts_email_marketing or c.accepts_sms_marketing) for c in customers)
    assert all(NOW - timedelta(days=731) <= c.created_at < NOW for c in customers)

    orders: list[Order] = await _all(db, Order)
    placed = defaultdict(int)
    for order in orders:
        if order.status != 'cancelled':
            placed[order.customer_id] += 1
    assert any(placed[c.id] == 0 for c in customers), 'a new customer'
    assert any(placed[c.id] >= 2 for c in customers), 'a returning customer'
    assert max(placed.values()) <= 6
    assert all(NOW - timedelta(days=183) <= o.placed_at < NOW and o.currency == 'EUR' for o in orders)
    assert any(o.status == 'open' and o.placed_at > NOW - timedelta(days=60) for o in orders)
    assert sum(o.status == 'cancelled' for o in orders) >= 2
    assert {'paid', 'fulfilled'} <= {o.status for o in orders}
    assert any(o.discount_code for o in orders)
    by_time = sorted(orders, key=lambda o: o.placed_at)
    assert [o.number for o in by_time] == list(range(1001, 1001 + len(orders)))

    written = {customer.id for customer in customers if customer.email in {row[1] for row in CUSTOMERS}
               and customer.email in {row[0] for row in CONVERSATIONS}}
    conversations: list[Conversation] = [c for c in await _all(db, Conversation) if c.customer_id in written]
    messages: list[Message] = await _all(db, Message)
    sessions: list[ChatSession] = await _all(db, ChatSession)
    assert len(conversations) == len(CONVERSATIONS)  # the hand-written ones; the history is tested below
    assert sum(c.unread for c in conversations) == 2
    assert sum(c.status == 'closed' for c in conversations) == 1
    assert all(c.channel == 'chat' and not c.customer_online and c.topics == [] for c in conversations)
    assert {c.assignee_id for c in conversations} <= {None, staff['ana@example.com'].id}
    session_of = {s.conversation_id: s for s in sessions}
    chat_staff = {staff['owner@example.com'].id, staff['ana@example.com'].id}
    for conversation in conversations:
        thread = sorted((m for m in messages if m.conversation_id == conversation.id), key=lambda m: m.id or 0)
        session = session_of[conversation.id]
        customer = next(c for c in customers if c.id == conversation.customer_id)
        assert 2 <= len(thread) <= 8
        assert [m.author for m in thread] == [('customer', 'staff')[i % 2] for i in range(len(thread))]
        assert all(a.created_at < b.created_at for a, b in zip(thread, thread[1:], strict=False))
        assert conversation.started_at == thread[0].created_at and thread[-1].created_at < NOW
        assert conversation.last_message_at == thread[-1].created_at
        assert conversation.last_message_author == thread[-1].author
        assert conversation.last_message_preview == preview_of(thread[-1].body)  # what the app itself writes
        assert len(conversation.last_message_preview) <= 140
        assert session.email == customer.email and not session.online and session.last_seen_at is not None
        assert len(session.token_hash) == 64
        for message in thread:
            assert message.kind == 'text' and message.topic is None and message.body
            if message.author == 'customer':
                assert message.session_id == session.id and (message.client_msg_id or '').startswith('demo-')
            else:
                assert message.staff_id in chat_staff and message.delivery in {'chat', 'emailed'}
    assert any(m.delivery == 'emailed' for m in messages if m.conversation_id in {c.id for c in conversations})
    questions: set[object] = set()
    for language in SUPPORTED_LANGUAGES:  # A2: a set of instant answers in each language, each its own
        offered = await instant_answers.list_for_widget(db, language)
        assert 3 <= len(offered) <= instant_answers.MAX_PER_LANGUAGE
        assert await instant_answers.offered_language(db, language) == language
        questions.update(item['question'] for item in offered)
    assert len(questions) == 4 * len(SUPPORTED_LANGUAGES)


async def test_owner_can_sign_in_with_the_returned_password(db: AsyncSession) -> None:
    login = await _demo(db, owner_password=None)
    assert (login.email, login.name) == ('owner@example.com', 'Olivia Owner')
    assert len(login.password) >= 12
    owner = (await db.exec(select(Staff).where(Staff.email == login.email))).one()
    assert verify_password(login.password, owner.password_hash)
    others = (await db.exec(select(Staff).where(Staff.email != login.email))).all()
    assert not any(verify_password(login.password, s.password_hash) for s in others)


async def test_a_given_owner_password_is_used(db: AsyncSession) -> None:
    login = await _demo(db)
    owner = (await db.exec(select(Staff).where(Staff.is_owner))).one()
    assert login.password == PASSWORD and verify_password(PASSWORD, owner.password_hash)


async def test_order_totals_add_up(db: AsyncSession) -> None:
    await _demo(db)
    orders: list[Order] = await _all(db, Order)
    lines: list[OrderLine] = await _all(db, OrderLine)
    variants = {v.id: v for v in await _all(db, Variant)}
    products = {p.id: p for p in await _all(db, Product)}
    by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_order[line.order_id].append(line)
    assert orders
    for order in orders:
        its_lines = by_order[order.id]  # type: ignore[index]
        assert 1 <= len(its_lines) <= 3
        for line in its_lines:
            variant = variants[line.variant_id]
            product = products[variant.product_id]
            assert (line.product_title, line.variant_title) == (product.title, variant.title)
            assert product.online_store and product.status == 'active'
            assert line.unit_price_cents == variant.price_cents
            assert line.line_total_cents == line.unit_price_cents * line.quantity
        assert sum(line.line_total_cents for line in its_lines) == order.subtotal_cents
        assert 0 <= order.discount_cents <= order.subtotal_cents
        assert order.total_cents == order.subtotal_cents - order.discount_cents
        assert (order.discount_cents > 0) == (order.discount_code is not None)


async def test_demo_refuses_a_non_empty_database(db: AsyncSession) -> None:
    db.add(Staff(email='someone@example.com', name='Someone', password_hash='x'))
    await db.commit()
    assert not await database_is_empty(db)
    with pytest.raises(RuntimeError, match='not empty'):
        await _demo(db)
    assert (await db.exec(select(Product))).first() is None


async def test_demo_twice_is_refused(db: AsyncSession) -> None:
    await _demo(db)
    with pytest.raises(RuntimeError, match='not empty'):
        await _demo(db)


async def _catalogue_of(path: Path, seed: int) -> tuple[list[tuple[str, int]], list[tuple[int, str, int]]]:
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    database = open_database(url)
    async with database.sessions() as db:
        await _demo(db, seed=seed)
        prices = list((await db.exec(select(Product.title, Variant.price_cents)
                                     .join(Variant, Variant.product_id == Product.id).order_by(Variant.id))).all())
        orders = list((await db.exec(select(Order.number, Order.status, Order.total_cents)
                                     .order_by(Order.number))).all())
    await database.dispose()
    return [tuple(p) for p in prices], [tuple(o) for o in orders]  # type: ignore[misc]


async def test_demo_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    first = await _catalogue_of(tmp_path / 'a.db', seed=7)
    second = await _catalogue_of(tmp_path / 'b.db', seed=7)
    other = await _catalogue_of(tmp_path / 'c.db', seed=8)
    assert first == second
    assert first[1] != other[1]


# The demo builds its rows in bulk with historical times, but every rule in them is the service's own. These tests
# compare what the demo stored with what the services compute, on data that reaches each rule's edge.

async def test_demo_previews_are_the_message_services_previews(db: AsyncSession) -> None:
    await _demo(db)
    conversations: list[Conversation] = await _all(db, Conversation)
    last_bodies = {}
    for message in sorted(await _all(db, Message), key=lambda m: m.id):
        if message.kind == 'text':  # a rating's survey and answer come after, and are no list preview (K2)
            last_bodies[message.conversation_id] = message.body
    truncated = 0
    for conversation in conversations:
        body = last_bodies[conversation.id]
        assert conversation.last_message_preview == preview_of(body)
        truncated += len(' '.join(body.split())) > PREVIEW_LENGTH
    assert truncated >= 1, 'no demo message is long enough to test the preview cut'


async def test_demo_session_tokens_authenticate_through_the_chat_session_service(db: AsyncSession) -> None:
    loaded = await load_demo_store(db, hash_password=lambda password: 'x', now=NOW, owner_password=PASSWORD)
    sessions: list[ChatSession] = await _all(db, ChatSession)
    assert sessions and set(loaded.shopper_tokens) == {s.id for s in sessions}
    used = {s.id: s.token_used_at for s in sessions}
    expired = 0
    for session_id, token in loaded.shopper_tokens.items():
        if datetime.now(UTC) - used[session_id] < chat_sessions.DEFAULT_TOKEN_LIFETIME:
            found = await chat_sessions.authenticate(db=db, token=token, lifetime=chat_sessions.DEFAULT_TOKEN_LIFETIME)
            assert found.id == session_id
        else:  # the history's older chats: their tokens have run out, as a real shop's would
            expired += 1
            with pytest.raises(Unauthorized):
                await chat_sessions.authenticate(db=db, token=token, lifetime=chat_sessions.DEFAULT_TOKEN_LIFETIME)
    assert 0 < expired < len(loaded.shopper_tokens)


async def test_demo_discounts_are_what_checkout_would_take(db: AsyncSession) -> None:
    await _demo(db)
    codes = {c.code: c for c in await _all(db, DiscountCode)}
    discounted = [o for o in await _all(db, Order) if o.discount_code]
    assert {codes[o.discount_code].kind for o in discounted} == {'percentage', 'fixed'}
    for order in discounted:
        code = codes[order.discount_code]
        assert status_of(code, order.placed_at) == discounts.USABLE, f'{code.code} was not usable for #{order.number}'
        assert order.discount_cents == discounts.discount_cents(code, order.subtotal_cents)
    used_before = {code: used for code, _, _, _, used in DISCOUNTS}
    for code in codes.values():
        assert code.times_used == used_before[code.code] + sum(o.discount_code == code.code for o in discounted)


async def test_demo_history_gives_reports_something_to_say(db: AsyncSession) -> None:
    """app/demo_history.py: eight weeks of closed conversations, so K1 and K2 show real figures on a fresh demo."""
    from services import reports
    from services.satisfaction import satisfaction

    await _demo(db)
    owner = (await db.exec(select(Staff).where(Staff.email == 'owner@example.com'))).one()
    period = reports.period_for(reports.RangeName.LAST_30_DAYS, zone='Europe/Copenhagen', now=NOW)
    report = await reports.build_report(db=db, staff=owner, period=period)
    now, before = report.current, report.previous
    assert now.new_conversations >= 100 and before.new_conversations >= 60
    assert now.new_conversations > before.new_conversations  # the shop is growing
    assert 0.85 * now.new_conversations <= now.replied_conversations < now.new_conversations  # some never answered
    assert now.first_response_median_seconds is not None and before.first_response_median_seconds is not None
    assert now.first_response_median_seconds < before.first_response_median_seconds  # the team got faster
    assert now.first_response_p90_seconds is not None
    assert now.first_response_p90_seconds > now.first_response_median_seconds
    assert 0 < now.followed_by_order < now.new_conversations and now.order_revenue_cents > 0
    assert {row.name for row in report.by_staff if row.first_responses} == {'Ana Berg', 'Olivia Owner'}
    assert len([row for row in report.by_topic if row.conversations]) >= 8
    assert {row.key for row in report.by_channel if row.conversations} == {'chat', 'email'}
    busy_hours = sum(1 for day in report.heat_map for count in day if count)
    assert busy_hours >= 60
    rated = await satisfaction(db, start=period.start, end=period.end)
    assert rated.surveys >= 50 and 0.3 < (rated.share_answered or 0) < 0.9
    assert rated.distribution[4] > rated.distribution[0] > 0 and 3.8 < (rated.average or 0) < 4.8
    conversations: list[Conversation] = await _all(db, Conversation)
    hand_written_newest = min(c.last_message_at for c in conversations if c.status == 'open')
    history = [c for c in conversations if c.topics]
    assert all(c.status == 'closed' and c.last_message_at < hand_written_newest for c in history)
