"""The demo store: a believable small shop loaded into an empty database on first run (`inbox demo`,
`inbox serve --demo-if-empty`).

Everything is made from the tables below and one `random.Random(seed)`, so a seed always gives the same
catalogue, customers and orders. Times are relative to `now`; only secrets (passwords, tokens) are random
every time. Money is in cents; percentage codes are in hundredths of a percent (1000 = 10 %).

It lives in `app/` because it is assembly, not a rule: every rule it needs comes from the service that owns it
(staff accounts and argon2 hashing, chat sessions and their token hashes, conversation reply tokens, message
bodies and previews, discount validity and amounts, order lines and totals, order numbers), so the demo cannot
drift from what the product itself writes. The rows themselves are added in bulk in one transaction with
historical times: going through the live commands would stamp everything "now", commit per call, publish events
and queue e-mails to the demo shoppers.
"""
from __future__ import annotations

import asyncio
import random
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.demo_history import orders_before, plan_history, write_history
from db.models import Conversation, Customer, DiscountCode, Message, Order, OrderLine, Product, Staff, Variant
from db.report_backfill import backfill_statements
from db.types import utcnow
from services import (
    availability,
    chat_sessions,
    discounts,
    instant_answers,
    messages,
    orders,
    permissions,
    product_pictures,
    saved_replies,
)
from services import staff as staff_service
from services import store as store_service
from services.opening_hours import Range
from services.passwords import hash_password as argon2_hash
from services.permissions import Permission

STORE_NAME = 'Nordlys Home & Outdoor'
CURRENCY = 'EUR'
TIME_ZONE = 'Europe/Copenhagen'
ORDER_MONTHS_DAYS = 180


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    name: str


@dataclass(frozen=True)
class DemoStore:
    """What loading made that exists nowhere else: the owner's login and the demo shoppers' session tokens
    (by chat session id; the shoppers never come back with them, tests use them to check the hashes)."""
    login: DemoLogin
    shopper_tokens: dict[int, str] = field(default_factory=dict)


# key, e-mail, name, is_owner, permissions (the owner has all), joined (days ago). Ben keeps the books: he sees
# reports but does not answer shoppers.
STAFF: tuple[tuple[str, str, str, bool, frozenset[Permission], int], ...] = (
    ('olivia', 'owner@example.com', 'Olivia Owner', True, permissions.ALL, 730),
    ('ana', 'ana@example.com', 'Ana Berg', False, permissions.DEFAULT | {Permission.MANAGE_REPLIES}, 380),
    ('ben', 'ben@example.com', 'Ben Holm', False, frozenset({Permission.SEE_REPORTS}), 150),
)

# Products: title, vendor, product type, tags, price in cents, variants, flag.
# A variant may carry its own price as "title@cents". Flags: wholesale (not on the online store),
# draft, soldout (first variant has no stock).
PRODUCTS: tuple[tuple[str, str, str, str, int, tuple[str, ...], str], ...] = (
    ('Merino Wool Hiking Socks — Extra Cushioned Crew, 3-Pack', 'Nordlys', 'Socks', 'merino, hiking, socks',
     2490, ('S / Charcoal', 'M / Charcoal', 'L / Charcoal', 'M / Moss'), ''),
    ('Packable Down Jacket', 'Fjellro Outdoor', 'Jackets', 'down, winter, packable',
     14900, ('S / Black', 'M / Black', 'L / Black', 'M / Forest Green'), ''),
    ('Waterproof Trail Shell Jacket with Pit Zips and Helmet-Compatible Hood', 'Fjellro Outdoor', 'Jackets',
     'rain, hiking, shell', 19900, ('S', 'M', 'L', 'XL'), ''),
    ('Insulated Steel Water Bottle 750 ml', 'Nordlys', 'Drinkware', 'bottle, hiking, gift',
     2900, ('Fjord Blue', 'Snow White', 'Pine Green'), ''),
    ('Enamel Camping Mug', 'Tind & Tre', 'Drinkware', 'camping, enamel, mug',
     1490, ('White', 'Navy'), ''),
    ('Wool Blend Beanie', 'Nordlys', 'Accessories', 'wool, winter, hat',
     2200, ('Oatmeal', 'Rust', 'Charcoal'), 'soldout'),
    ('Linen Tea Towel Set of 2', 'Havblik Living', 'Kitchen', 'linen, kitchen',
     1890, ('Natural', 'Sage'), ''),
    ('Hand-Poured Soy Candle — Birch & Sea Salt, Large Amber Glass Jar', 'Havblik Living', 'Candles',
     'candle, soy, gift', 3490, ('Default Title',), ''),
    ('Ceramic Pour-Over Coffee Dripper', 'Havblik Living', 'Kitchen', 'coffee, ceramic',
     3200, ('Sand', 'Black'), ''),
    ('Chunky Knit Throw Blanket', 'Havblik Living', 'Textiles', 'wool, blanket, living room',
     8900, ('Cream', 'Grey', 'Dusty Rose'), ''),
    ('Lightweight Trekking Poles (Pair)', 'Fjellro Outdoor', 'Hiking Gear', 'hiking, poles',
     6900, ('Default Title',), ''),
    ('Sheepskin Seat Pad', 'Tind & Tre', 'Textiles', 'sheepskin, cabin, outdoor',
     4900, ('Natural White', 'Brown'), ''),
    ('Foldable Camp Stool', 'Tind & Tre', 'Camping', 'camping, furniture',
     3490, ('Default Title',), ''),
    ('Rechargeable Headlamp 350 Lumen', 'Fjellro Outdoor', 'Hiking Gear', 'light, camping, hiking',
     3990, ('Black', 'Orange'), 'soldout'),
    ('Oak Cutting Board', 'Tind & Tre', 'Kitchen', 'oak, kitchen, wood',
     4400, ('Small', 'Large@5900'), ''),
    ('Stoneware Dinner Plate', 'Havblik Living', 'Tableware', 'stoneware, tableware',
     2400, ('Speckled White', 'Slate'), ''),
    ('Fleece Mid-Layer Pullover', 'Fjellro Outdoor', 'Tops', 'fleece, layering, hiking',
     7900, ('S / Forest Green', 'M / Forest Green', 'L / Forest Green', 'M / Graphite'), ''),
    ("Kids' Rain Overalls", 'Fjellro Outdoor', 'Kids', 'kids, rain',
     4500, ('98/104', '110/116', '122/128'), ''),
    ('Trail Running Cap', 'Fjellro Outdoor', 'Accessories', 'running, cap',
     2500, ('Default Title',), ''),
    ('Beeswax Food Wraps, Set of 3', 'Havblik Living', 'Kitchen', 'zero waste, kitchen',
     1690, ('Default Title',), ''),
    ('Wool Felt Slippers', 'Nordlys', 'Footwear', 'wool, slippers, home',
     5900, ('EU 37-38', 'EU 39-40', 'EU 41-42', 'EU 43-44'), 'soldout'),
    ('Cast Iron Skillet 26 cm', 'Tind & Tre', 'Kitchen', 'cast iron, cooking, camping',
     6400, ('Default Title',), ''),
    ('Compact Travel Hammock', 'Tind & Tre', 'Camping', 'camping, hammock',
     5900, ('Olive', 'Sky Blue'), ''),
    ('Cloudberry Lip Balm', 'Nordlys', 'Care', 'care, winter, stocking filler',
     490, ('Default Title',), ''),
    ('Sauna Bucket and Ladle Set', 'Tind & Tre', 'Sauna', 'sauna, wood, gift',
     8900, ('Default Title',), ''),
    ('Down Sleeping Bag −5 °C', 'Fjellro Outdoor', 'Camping', 'sleeping bag, down, camping',
     22900, ('Regular', 'Long@24900'), ''),
    ('Birch Wood Serving Tray', 'Tind & Tre', 'Tableware', 'birch, wood, serving',
     3900, ('Default Title',), ''),
    ('Reflective Dog Leash', 'Nordlys', 'Pets', 'dog, reflective, walking',
     2900, ('S', 'M', 'L'), ''),
    ('Alpaca Wool Scarf', 'Nordlys', 'Accessories', 'alpaca, winter, gift',
     6900, ('Camel', 'Charcoal', 'Ice Blue'), ''),
    ('Outdoor Dining Set for Four: Enamel Plates, Bowls, Mugs and Cutlery', 'Tind & Tre', 'Camping',
     'camping, enamel, gift', 11900, ('White', 'Navy'), ''),
    ('Gift Wrapping', 'Nordlys', 'Service', 'gift', 490, ('Default Title',), ''),
    ('Reusable Hand Warmers (Pair)', 'Fjellro Outdoor', 'Accessories', 'winter, warmers',
     1290, ('Default Title',), ''),
    ('Merino Socks Trade Carton (24 pairs)', 'Nordlys', 'Wholesale', 'wholesale, socks',
     24900, ('Mixed Sizes',), 'wholesale'),
    ('Soy Candle Trade Pack of 12', 'Havblik Living', 'Wholesale', 'wholesale, candles',
     14900, ('Birch & Sea Salt', 'Juniper'), 'wholesale'),
    ('Enamel Mug Display Pack of 12', 'Tind & Tre', 'Wholesale', 'wholesale, enamel',
     9900, ('Default Title',), 'wholesale'),
    ('Winter Mystery Box', 'Nordlys', 'Gift Sets', 'gift, winter, sale',
     4900, ('Default Title',), 'draft'),
)

BLURBS: dict[str, str] = {
    'Wholesale': 'Trade pack for shops and cafés. Ask us about volume pricing.',
    'Jackets': 'Made for Nordic weather: light, warm and built to last.',
    'Kitchen': 'Simple, durable kitchen goods for everyday cooking.',
}
DEFAULT_BLURB = 'Designed in Scandinavia for the home and the trail.'

# code, kind, value (cents or hundredths of a percent), state, times used so far (before demo orders).
# States: active | inactive | expired | used_up | scheduled
DISCOUNTS: tuple[tuple[str, str, int, str, int], ...] = (
    ('WELCOME10', 'percentage', 1000, 'active', 37),
    ('FIVEOFF', 'fixed', 500, 'active', 12),
    ('FREESHIP', 'fixed', 490, 'active', 58),
    ('SUMMER15', 'percentage', 1500, 'expired', 64),
    ('VIP20', 'percentage', 2000, 'inactive', 5),
    ('FIRST100', 'fixed', 1000, 'used_up', 100),
    ('WINTER25', 'percentage', 2500, 'scheduled', 0),
)
ORDER_CODES = ('WELCOME10', 'FIVEOFF', 'SUMMER15')  # codes the demo orders used (when they were valid)

# name, e-mail, phone, city, country, time zone, locale, marketing (E = e-mail, S = SMS), orders placed
CUSTOMERS: tuple[tuple[str, str, str, str, str, str, str, str, int], ...] = (
    ('Emma Lund', 'emma.lund@example.com', '+45 22 41 87 90',
     'Copenhagen', 'Denmark', 'Europe/Copenhagen', 'da', 'ES', 3),
    ('Mads Kjær', 'mads.kjaer@example.net', '+45 31 62 04 18',
     'Aarhus', 'Denmark', 'Europe/Copenhagen', 'da', '', 1),
    ('Aino Virtanen', 'aino.virtanen@example.org', '+358 40 123 4567',
     'Helsinki', 'Finland', 'Europe/Helsinki', 'fi', 'E', 2),
    ('Mikko Laine', 'mikko.laine@example.com', '+358 50 765 4321',
     'Tampere', 'Finland', 'Europe/Helsinki', 'fi', '', 0),
    ('Lukas Schneider', 'lukas.schneider@example.net', '+49 30 1234 5678',
     'Berlin', 'Germany', 'Europe/Berlin', 'de', 'E', 4),
    ('Hannah Weber', 'hannah.weber@example.org', '+49 89 2345 6789',
     'Munich', 'Germany', 'Europe/Berlin', 'de', 'S', 2),
    ('Daan de Vries', 'daan.devries@example.com', '+31 6 1234 5678',
     'Amsterdam', 'Netherlands', 'Europe/Amsterdam', 'nl', '', 2),
    ('Sanne Bakker', 'sanne.bakker@example.net', '+31 6 8765 4321',
     'Utrecht', 'Netherlands', 'Europe/Amsterdam', 'nl', 'ES', 6),
    ('Sofia Romano', 'sofia.romano@example.com', '+39 06 1234 5678',
     'Rome', 'Italy', 'Europe/Rome', 'it', '', 0),
    ('Luca Bianchi', 'luca.bianchi@example.org', '+39 02 8765 4321',
     'Milan', 'Italy', 'Europe/Rome', 'it', 'E', 1),
    ('Sarah Mitchell', 'sarah.mitchell@example.com', '+1 212 555 0147',
     'New York', 'United States', 'America/New_York', 'en-US', 'E', 0),
    ('James Carter', 'james.carter@example.net', '+1 617 555 0193',
     'Boston', 'United States', 'America/New_York', 'en-US', '', 2),
    ('Olivia Chen', 'olivia.chen@example.org', '+1 415 555 0138',
     'San Francisco', 'United States', 'America/Los_Angeles', 'en-US', 'ES', 1),
    ('Noah Thompson', 'noah.thompson@example.com', '+1 312 555 0176',
     'Chicago', 'United States', 'America/Chicago', 'en-US', '', 0),
    ('Emily Tremblay', 'emily.tremblay@example.net', '+1 514 555 0112',
     'Montreal', 'Canada', 'America/Toronto', 'en-CA', 'E', 3),
    ('Astrid Nilsson', 'astrid.nilsson@example.com', '+46 70 123 45 67',
     'Stockholm', 'Sweden', 'Europe/Stockholm', 'sv', 'E', 5),
    ('Erik Johansen', 'erik.johansen@example.org', '+47 912 34 567',
     'Oslo', 'Norway', 'Europe/Oslo', 'nb', '', 2),
    ('Freja Holm', 'freja.holm@example.net', '+45 28 90 11 35',
     'Odense', 'Denmark', 'Europe/Copenhagen', 'da', 'S', 1),
    ('Juha Korhonen', 'juha.korhonen@example.com', '+358 44 987 6543',
     'Oulu', 'Finland', 'Europe/Helsinki', 'fi', '', 1),
    ('Marie Dubois', 'marie.dubois@example.org', '+33 6 12 34 56 78',
     'Lyon', 'France', 'Europe/Paris', 'fr', 'E', 2),
    ('Lea Müller', 'lea.mueller@example.com', '+41 79 123 45 67',
     'Zurich', 'Switzerland', 'Europe/Zurich', 'de', '', 0),
    ('Giulia Conti', 'giulia.conti@example.net', '+39 055 123 4567',
     'Florence', 'Italy', 'Europe/Rome', 'it', 'ES', 3),
    ('Pieter Jansen', 'pieter.jansen@example.org', '+31 20 765 4321',
     'Rotterdam', 'Netherlands', 'Europe/Amsterdam', 'nl', '', 1),
    ('Inês Ferreira', 'ines.ferreira@example.com', '+351 912 345 678',
     'Lisbon', 'Portugal', 'Europe/Lisbon', 'pt', '', 0),
    ('Tom Walsh', 'tom.walsh@example.net', '+353 87 123 4567',
     'Dublin', 'Ireland', 'Europe/Dublin', 'en-IE', 'E', 1),
)
# customers whose newest order is pinned (days ago), so a conversation about it reads true
NEWEST_ORDER_DAYS_AGO: dict[str, float] = {'daan.devries@example.com': 1.2}
CUSTOMER_NOTES: dict[str, tuple[str, str]] = {  # e-mail: (staff key, note)
    'sofia.romano@example.com': ('olivia', 'Runs a concept store in Rome. Wholesale lead: send the trade price list.'),
    'sanne.bakker@example.net': ('ana', 'Prefers delivery to a parcel locker.'),
}

# Conversations: customer e-mail, status, unread, assignee key (or ''), hours since the last message,
# how staff replies went out (chat, or the last one e-mailed after the shopper left), messages as
# (who, text) with who = customer | olivia | ana. "{last_order}" is the customer's newest order number.
CONVERSATIONS: tuple[tuple[str, str, bool, str, float, str, tuple[tuple[str, str], ...]], ...] = (
    ('emma.lund@example.com', 'open', True, '', 0.3, 'chat', (
        ('customer', 'Hej! Hvor lang tid tager levering til København?'),
        ('ana', 'Hej Emma! Til Danmark tager det normalt 2–3 hverdage med GLS.'),
        ('customer', 'Perfekt. Er der gratis fragt, hvis jeg handler for over 75 euro?'),
    )),
    ('sarah.mitchell@example.com', 'open', True, '', 1.5, 'chat', (
        ('customer', "Hi! I tried the code WELCOME10 at checkout but it says it isn't valid. Is it still running?"),
        ('olivia', 'Hi Sarah, it is! It works on your first order — please check there is no space before or '
                   'after the code.'),
        ('customer', 'There was a space at the end, it works now. Thanks! Do you ship to New York, and how long '
                     'does it take?'),
    )),
    ('lukas.schneider@example.net', 'open', False, 'ana', 26.0, 'emailed', (
        ('customer', 'Hallo, fällt der Fleece-Pullover eher klein aus? Ich trage normalerweise M.'),
        ('ana', 'Hallo Lukas, er fällt normal aus. M passt bei 96–100 cm Brustumfang; wenn Sie ihn über einer '
                'dicken Schicht tragen möchten, nehmen Sie L.'),
        ('customer', 'Danke! Gibt es L bald wieder in Graphite?'),
        ('ana', 'Ja, die nächste Lieferung kommt am Freitag. Ich sage Ihnen Bescheid, sobald sie da ist.'),
    )),
    ('daan.devries@example.com', 'open', False, 'ana', 8.0, 'chat', (
        ('customer', 'Hoi, ik heb gisteren bestelling #{last_order} geplaatst maar nog geen verzendbevestiging '
                     'gekregen. Klopt dat?'),
        ('ana', 'Hoi Daan! Je bestelling wordt vandaag ingepakt en gaat vanmiddag met PostNL mee. Je krijgt de '
                'track & trace per e-mail.'),
        ('customer', 'Top, dank je wel!'),
        ('ana', 'Graag gedaan. Veel plezier ermee!'),
    )),
    ('sofia.romano@example.com', 'open', False, '', 70.0, 'emailed', (
        ('customer', 'Buongiorno! I run a small concept store in Rome. Do you offer wholesale prices on the soy '
                     'candles?'),
        ('olivia', 'Buongiorno Sofia! Yes, we have trade packs for shops. Roughly how many candles a month would '
                   'you need?'),
        ('customer', 'Around 40 a month, mixed scents. Is there a minimum order?'),
        ('olivia', 'The minimum is one trade pack of 12 per scent, and trade prices start at 40 % off retail. '
                   "I'll e-mail you our full price list and the current lead times today."),
    )),
    ('james.carter@example.net', 'open', False, '', 50.0, 'chat', (
        ('customer', "Is the trail shell jacket fully seam-sealed? I'm spending a week in the Scottish Highlands."),
        ('olivia', 'Hi James, yes: every seam is taped and the fabric is rated 20,000 mm. The pit zips help a lot '
                   'on the climbs.'),
    )),
    ('aino.virtanen@example.org', 'closed', False, 'ana', 120.0, 'emailed', (
        ('customer', 'Hei! Tilasin villahuopatossut koossa EU 39-40, mutta ne ovat liian pienet. Voinko palauttaa '
                     'ne?'),
        ('ana', 'Hei Aino! Totta kai, palautusaikaa on 30 päivää. Lähetän palautuslapun sähköpostiisi.'),
        ('customer', 'Kiitos! Voinko vaihtaa ne kokoon EU 41-42 palautuksen sijaan?'),
        ('ana', 'Onnistuu: lähetämme koon EU 41-42 heti, kun palautus on matkalla. Mukavaa viikkoa!'),
        ('customer', 'Kiitos paljon, hyvää viikkoa myös!'),
        ('ana', 'Vaihtopari lähti tänään matkaan. Seurantakoodi tulee sähköpostiisi.'),
    )),
)


async def database_is_empty(db: AsyncSession) -> bool:
    """True when there are no staff accounts and no products (the store row alone does not count)."""
    has_staff = (await db.exec(select(Staff.id).limit(1))).first() is not None
    has_products = (await db.exec(select(Product.id).limit(1))).first() is not None
    return not has_staff and not has_products


async def load_demo(db: AsyncSession, *, hash_password: Callable[[str], str] = argon2_hash,
                    now: datetime | None = None, owner_password: str | None = None, seed: int = 7,
                    uploads_dir: Path | None = None) -> DemoLogin:
    """Fill an empty database with the demo store, commit, and return the owner's login."""
    loaded = await load_demo_store(db, hash_password=hash_password, now=now, owner_password=owner_password,
                                   seed=seed, uploads_dir=uploads_dir)
    return loaded.login


async def load_demo_store(db: AsyncSession, *, hash_password: Callable[[str], str] = argon2_hash,
                          now: datetime | None = None, owner_password: str | None = None,
                          seed: int = 7, uploads_dir: Path | None = None) -> DemoStore:
    """Fill an empty database with the demo store in one transaction; `hash_password` is argon2 unless a test
    passes a cheaper one. With `uploads_dir` the products get pictures (services/product_pictures.py), drawn in a
    worker thread; without it they have none."""
    if not await database_is_empty(db):
        raise RuntimeError('the database is not empty')
    now = now or utcnow()
    rng = random.Random(seed)
    password = owner_password or secrets.token_urlsafe(12)

    await _name_the_store(db)
    staff = await _staff(db, hash_password=hash_password, owner_password=password, now=now)
    variants = await _catalogue(db, rng, now, await _pictures(uploads_dir))
    codes = _discount_codes(db, now)
    customers = await _customers(db, rng, now, staff)
    history = plan_history(seed=seed, now=now, zone=TIME_ZONE)
    db.add_all(history.customers)
    await db.flush()
    newest_orders = await _orders(db, rng, now, customers, variants, codes, also=orders_before(history, now))
    tokens = await _conversations(db, rng, now, customers, staff, newest_orders)
    tokens |= await write_history(db, history, staff, now=now)
    await _saved_replies(db, staff[STAFF[0][0]])
    await db.flush()
    connection = await db.connection()  # the history was written directly: K1's columns from its messages
    for statement in backfill_statements(connection.dialect.name):
        await connection.execute(text(statement))
    await _availability(db, staff[STAFF[0][0]], now)
    await _instant_answers(db, staff[STAFF[0][0]])
    await db.commit()
    owner = STAFF[0]
    return DemoStore(login=DemoLogin(email=owner[1], password=password, name=owner[2]), shopper_tokens=tokens)


async def _name_the_store(db: AsyncSession) -> None:
    """Name the store row the migrations made (with its identity secret)."""
    store = await store_service.get_store(db)
    store.name, store.currency, store.time_zone = STORE_NAME, CURRENCY, TIME_ZONE
    db.add(store)


async def _staff(db: AsyncSession, *, hash_password: Callable[[str], str], owner_password: str,
                 now: datetime) -> dict[str, Staff]:
    """The team, validated and hashed by the staff service (the three hashes run side by side)."""
    accounts = await asyncio.gather(*(
        staff_service.new_staff(email=email, password=owner_password if is_owner else secrets.token_urlsafe(12),
                                name=name, is_owner=is_owner, permissions=granted, hasher=hash_password)
        for _, email, name, is_owner, granted, _ in STAFF))
    staff: dict[str, Staff] = {}
    for (key, *_, joined), account in zip(STAFF, accounts, strict=True):
        account.created_at = now - timedelta(days=joined)
        staff[key] = account
    db.add_all(staff.values())
    await db.flush()
    return staff


def slugify(title: str) -> str:
    return re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')


def _unique_handle(title: str, taken: set[str]) -> str:
    base = slugify(title) or 'product'
    handle, n = base, 2
    while handle in taken:
        handle, n = f'{base}-{n}', n + 1
    taken.add(handle)
    return handle


def _variant_spec(spec: str, default_price: int) -> tuple[str, int]:
    title, _, price = spec.partition('@')
    return title, int(price) if price else default_price


@dataclass(frozen=True)
class _Sellable:
    """A variant the demo orders may contain, with its product."""
    variant: Variant
    product: Product


async def _pictures(uploads_dir: Path | None) -> list[str]:
    """One picture URL per product of PRODUCTS (empty strings without an uploads folder)."""
    if uploads_dir is None:
        return [''] * len(PRODUCTS)
    return await asyncio.to_thread(product_pictures.save_pictures, product_pictures.pictures_dir(uploads_dir),
                                   [(title, product_type) for title, _v, product_type, *_rest in PRODUCTS])


async def _catalogue(db: AsyncSession, rng: random.Random, now: datetime, pictures: list[str]) -> list[_Sellable]:
    """Products and variants; returns the variants of active online-store products."""
    handles: set[str] = set()
    made: list[tuple[Product, tuple[str, ...], int, str]] = []
    for (title, vendor, product_type, tags, price, variant_specs, flag), picture in zip(PRODUCTS, pictures,
                                                                                        strict=True):
        created = now - timedelta(days=rng.randint(120, 700), minutes=rng.randint(0, 1439))
        product = Product(handle=_unique_handle(title, handles), title=title, vendor=vendor,
                          product_type=product_type, tags=tags, image_url=picture,
                          body_html=f'<p>{BLURBS.get(product_type, DEFAULT_BLURB)}</p>',
                          online_store=flag != 'wholesale', status='draft' if flag == 'draft' else 'active',
                          created_at=created, updated_at=created + timedelta(days=rng.randint(0, 90)))
        db.add(product)
        made.append((product, variant_specs, price, flag))
    await db.flush()

    sellable: list[_Sellable] = []
    for number, (product, variant_specs, price, flag) in enumerate(made, start=1):
        for position, spec in enumerate(variant_specs, start=1):
            title, variant_price = _variant_spec(spec, price)
            sold_out = flag == 'soldout' and position == 1
            assert product.id is not None
            variant = Variant(product_id=product.id, title=title, sku=f'NL-{number:03d}-{position}',
                              price_cents=variant_price, position=position,
                              inventory=0 if sold_out else rng.randint(0, 60))
            db.add(variant)
            if product.online_store and product.status == 'active':
                sellable.append(_Sellable(variant, product))
    await db.flush()
    return sellable


def _discount_codes(db: AsyncSession, now: datetime) -> dict[str, DiscountCode]:
    """Codes in every state discounts.status_of knows, made by their dates, flag and usage limit."""
    codes: dict[str, DiscountCode] = {}
    for code, kind, value, state, used in DISCOUNTS:
        row = DiscountCode(code=code, kind=kind, value_cents=value, times_used=used,
                           starts_at=now - timedelta(days=400), created_at=now - timedelta(days=400))
        if state == 'inactive':
            row.active = False
        elif state == 'expired':
            row.starts_at, row.ends_at = now - timedelta(days=110), now - timedelta(days=20)
            row.created_at = row.starts_at - timedelta(days=7)
        elif state == 'used_up':
            row.usage_limit = used
        elif state == 'scheduled':
            row.starts_at, row.ends_at = now + timedelta(days=14), now + timedelta(days=45)
            row.created_at = now - timedelta(days=3)
        db.add(row)
        codes[code] = row
    return codes


def _customer_created(rng: random.Random, now: datetime, orders: int) -> datetime:
    """Customers are spread over two years; anyone with orders joined at least a month ago."""
    days = rng.randint(30, 730) if orders else rng.randint(1, 730)
    return now - timedelta(days=days, minutes=rng.randint(0, 1439))


async def _customers(db: AsyncSession, rng: random.Random, now: datetime,
                     staff: dict[str, Staff]) -> dict[str, tuple[Customer, int]]:
    """Customers by e-mail (checked as the chat and the import check them), each with the number of orders they
    will get."""
    customers: dict[str, tuple[Customer, int]] = {}
    for name, email, phone, city, country, zone, locale, marketing, orders_placed in CUSTOMERS:
        customer = Customer(email=chat_sessions.normalize_email(email), name=name, phone=phone, city=city,
                            country=country, timezone=chat_sessions.check_timezone(zone), locale=locale,
                            accepts_email_marketing='E' in marketing, accepts_sms_marketing='S' in marketing,
                            created_at=_customer_created(rng, now, orders_placed))
        if email in CUSTOMER_NOTES:
            author, note = CUSTOMER_NOTES[email]
            customer.note, customer.note_updated_by_id = note, staff[author].id
            customer.note_updated_at = now - timedelta(days=rng.randint(2, 20))
        db.add(customer)
        customers[customer.email] = (customer, orders_placed)
    await db.flush()
    return customers


def _order_times(rng: random.Random, now: datetime, customer: Customer, count: int) -> list[datetime]:
    """When a customer's orders were placed: inside the last six months and after they joined."""
    earliest = max(customer.created_at, now - timedelta(days=ORDER_MONTHS_DAYS))
    pinned = NEWEST_ORDER_DAYS_AGO.get(customer.email)
    if pinned is None or count == 0:
        return sorted(_between(rng, earliest, now - timedelta(hours=1)) for _ in range(count))
    newest = now - timedelta(days=pinned)
    older = sorted(_between(rng, earliest, newest - timedelta(days=1)) for _ in range(count - 1))
    return [*older, newest]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.uniform(0, max((end - start).total_seconds(), 0)))


def _status_for(rng: random.Random, age: timedelta) -> str:
    """Fresh orders are open; inside the profile's recent window (orders.RECENT_DAYS) some still are."""
    if age < timedelta(days=3):
        return 'open'
    if age < timedelta(days=orders.RECENT_DAYS):
        return rng.choice(('open', 'paid', 'paid', 'fulfilled', 'fulfilled'))
    return rng.choice(('paid', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'))


def _order_lines(rng: random.Random, variants: list[_Sellable]) -> list[OrderLine]:
    lines = []
    for item in rng.sample(variants, rng.choice((1, 1, 1, 2, 2, 3))):
        quantity = rng.choice((1, 1, 1, 1, 2, 2, 3)) if item.variant.price_cents < 3000 else 1
        lines.append(orders.order_line(variant=item.variant, product=item.product, quantity=quantity))
    return lines


def _code_used(rng: random.Random, codes: dict[str, DiscountCode], when: datetime) -> DiscountCode | None:
    """A third of the orders tried one of ORDER_CODES; it counts only if the code was usable then."""
    code = codes[rng.choice(ORDER_CODES)] if rng.random() < 0.3 else None
    if code is None or discounts.status_of(code, when) != discounts.USABLE:
        return None
    return code


async def _orders(db: AsyncSession, rng: random.Random, now: datetime, customers: dict[str, tuple[Customer, int]],
                  variants: list[_Sellable], codes: dict[str, DiscountCode],
                  also: list[tuple[datetime, Customer]]) -> dict[int, int]:
    """Orders of the last six months (and `also` those that followed the history's conversations), numbered in time
    order from the first number checkout gives; returns each customer's newest number."""
    planned = [(when, customer) for customer, count in customers.values()
               for when in _order_times(rng, now, customer, count)] + also
    planned.sort(key=lambda item: item[0])
    made: list[tuple[Order, list[OrderLine]]] = []
    newest: dict[int, int] = {}
    for number, (when, customer) in enumerate(planned, start=orders.FIRST_ORDER_NUMBER):
        assert customer.id is not None
        lines = _order_lines(rng, variants)
        code = _code_used(rng, codes, when)
        order = orders.priced_order(number=number, customer_id=customer.id, session_id=None, currency=CURRENCY,
                                    lines=lines, code=code, status=_status_for(rng, now - when), placed_at=when)
        if code is not None:
            code.times_used += 1
        made.append((order, lines))
        newest[customer.id] = number
    _cancel_a_couple(rng, now, [order for order, _ in made])
    db.add_all(order for order, _ in made)
    await db.flush()
    for order, lines in made:
        for line in lines:
            line.order_id = order.id  # type: ignore[assignment]
            db.add(line)
    await db.flush()
    return newest


def _cancel_a_couple(rng: random.Random, now: datetime, placed: list[Order]) -> None:
    """Two older orders were cancelled; the newest order is always still open."""
    older = [order for order in placed if now - order.placed_at > timedelta(days=7)]
    for order in rng.sample(older, min(2, len(older))):
        order.status = 'cancelled'
    if placed:
        placed[-1].status = 'open'


def _message_times(rng: random.Random, last: datetime, script: tuple[tuple[str, str], ...],
                   delivery: str) -> list[datetime]:
    """Times for a script, counted back from the last message: shoppers answer fast, staff within minutes,
    and an e-mailed reply comes hours later."""
    times = [last]
    last_staff = _last_staff_index(script)
    for index in range(len(script) - 1, 0, -1):
        who = script[index][0]
        if who == 'customer':
            gap = timedelta(minutes=rng.randint(1, 6), seconds=rng.randint(0, 59))
        elif delivery == 'emailed' and index == last_staff:
            gap = timedelta(hours=rng.randint(1, 4), minutes=rng.randint(0, 59))
        else:
            gap = timedelta(minutes=rng.randint(2, 15), seconds=rng.randint(0, 59))
        times.append(times[-1] - gap)
    return list(reversed(times))


def _last_staff_index(script: tuple[tuple[str, str], ...]) -> int:
    return max((i for i, (who, _) in enumerate(script) if who != 'customer'), default=-1)


async def _conversations(db: AsyncSession, rng: random.Random, now: datetime,
                         customers: dict[str, tuple[Customer, int]], staff: dict[str, Staff],
                         newest_orders: dict[int, int]) -> dict[int, str]:
    """The chats, each opened the way a shopper's first chat opens one; returns the session tokens by session id."""
    tokens: dict[int, str] = {}
    client_ids = 0
    for email, status, unread, assignee, hours_ago, delivery, script in CONVERSATIONS:
        customer = customers[email][0]
        assert customer.id is not None
        times = _message_times(rng, now - timedelta(hours=hours_ago), script, delivery)
        bodies = [text.replace('{last_order}', str(newest_orders.get(customer.id, ''))) for _, text in script]
        conversation = await chat_sessions.find_or_create_chat_conversation(db, customer)
        assert conversation.id is not None
        _describe(conversation, status=status, unread=unread, assignee=staff[assignee] if assignee else None,
                  times=times, last_body=bodies[-1], last_author=_author(script[-1][0]))
        db.add(conversation)
        last_customer = max(t for t, (who, _) in zip(times, script, strict=True) if who == 'customer')
        created = _chat_session(customer, conversation, started=times[0],
                                last_seen=min(last_customer + timedelta(minutes=rng.randint(1, 3)), now))
        db.add(created.session)
        await db.flush()
        assert created.session.id is not None
        tokens[created.session.id] = created.token
        last_staff = _last_staff_index(script)
        for index, ((who, _), body, when) in enumerate(zip(script, bodies, times, strict=True)):
            if who == 'customer':
                client_ids += 1
                db.add(_shopper_message(conversation.id, created.session.id, body, f'demo-{client_ids}', when))
            else:
                emailed = delivery == 'emailed' and index == last_staff
                db.add(_staff_message(conversation.id, created.session.id, staff[who], body, when,
                                      delivery='emailed' if emailed else 'chat'))
    await db.flush()
    return tokens


def _author(who: str) -> str:
    return 'customer' if who == 'customer' else 'staff'


def _describe(conversation: Conversation, *, status: str, unread: bool, assignee: Staff | None,
              times: list[datetime], last_body: str, last_author: str) -> None:
    """The list row's fields as the message services leave them after the script's last message."""
    conversation.status, conversation.unread, conversation.customer_online = status, unread, False
    conversation.assignee_id = assignee.id if assignee else None
    conversation.started_at, conversation.last_message_at = times[0], times[-1]
    conversation.closed_at = times[-1] if status == 'closed' else None  # closed after its last message (K1)
    conversation.last_message_preview = messages.preview_of(last_body)
    conversation.last_message_author = last_author
    conversation.topics = []


def _chat_session(customer: Customer, conversation: Conversation, *, started: datetime,
                  last_seen: datetime) -> chat_sessions.CreatedSession:
    """The session the shopper chatted in, made as the chat API makes one (token, hash), now offline."""
    assert customer.id is not None and conversation.id is not None
    created = chat_sessions.new_chat_session(customer_id=customer.id, conversation_id=conversation.id,
                                             email=customer.email, name=customer.name, locale=customer.locale,
                                             timezone=customer.timezone)
    created.session.online, created.session.last_seen_at, created.session.created_at = False, last_seen, started
    return created


def _shopper_message(conversation_id: int, session_id: int, body: str, client_msg_id: str,
                     when: datetime) -> Message:
    """A shopper's message with the chat's rules for its body and client_msg_id."""
    clean = messages.clean_message(body=body, client_msg_id=client_msg_id)
    return Message(conversation_id=conversation_id, session_id=session_id, author='customer', kind='text',
                   body=clean.body, client_msg_id=clean.client_msg_id, created_at=when, topic=None)


def _staff_message(conversation_id: int, session_id: int, author: Staff, body: str, when: datetime, *,
                   delivery: str) -> Message:
    """A staff reply with the reply rules for its body, sent live or (the last one) e-mailed."""
    return Message(conversation_id=conversation_id, session_id=session_id, author='staff', staff_id=author.id,
                   kind='text', body=messages.clean_body(body), delivery=delivery, created_at=when, topic=None)


SAVED_REPLIES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ('hello', 'Greeting', {
        'en': 'Hi {customer_first_name}, this is {staff_name} from {store_name}. How can I help?',
        'da': 'Hej {customer_first_name}, det er {staff_name} fra {store_name}. Hvordan kan jeg hjælpe?',
        'de': 'Hallo {customer_first_name}, hier ist {staff_name} von {store_name}. Wie kann ich dir helfen?',
        'fi': 'Hei {customer_first_name}, täällä {staff_name} kaupasta {store_name}. Miten voin auttaa?',
        'nl': 'Hoi {customer_first_name}, je spreekt met {staff_name} van {store_name}. Waarmee kan ik helpen?',
        'it': 'Ciao {customer_first_name}, sono {staff_name} di {store_name}. Come posso aiutarti?'}),
    ('shipped', 'Order on its way', {
        'en': 'Good news: your order {order_number} has left our warehouse and should reach you in 2 to 4 days.',
        'da': 'Godt nyt: din ordre {order_number} har forladt vores lager og bør nå frem om 2 til 4 dage.',
        'de': 'Gute Nachricht: Deine Bestellung {order_number} hat unser Lager verlassen und sollte in 2 bis 4 '
              'Tagen bei dir sein.',
        'fi': 'Hyviä uutisia: tilauksesi {order_number} on lähtenyt varastostamme ja on perillä 2–4 päivässä.',
        'nl': 'Goed nieuws: je bestelling {order_number} heeft ons magazijn verlaten en is er binnen 2 tot 4 dagen.',
        'it': 'Buone notizie: il tuo ordine {order_number} è partito dal nostro magazzino e arriverà in 2-4 giorni.'}),
    ('returns', 'Returns', {
        'en': 'You can return unused items within 30 days. Reply here with your order number and we send a label.',
        'da': 'Du kan returnere ubrugte varer inden for 30 dage. Svar her med dit ordrenummer, så sender vi en '
              'returlabel.',
        'de': 'Du kannst unbenutzte Artikel innerhalb von 30 Tagen zurückschicken. Antworte hier mit deiner '
              'Bestellnummer, dann schicken wir dir ein Etikett.',
        'fi': 'Voit palauttaa käyttämättömät tuotteet 30 päivän kuluessa. Vastaa tähän tilausnumerollasi, niin '
              'lähetämme palautuslipukkeen.',
        'nl': 'Je kunt ongebruikte artikelen binnen 30 dagen terugsturen. Antwoord hier met je bestelnummer, dan '
              'sturen we een label.',
        'it': 'Puoi restituire gli articoli non usati entro 30 giorni. Rispondi qui con il numero d\'ordine e ti '
              'mandiamo un\'etichetta.'}),
    ('thanks', 'Thanks and goodbye', {
        'en': 'Thank you for shopping with {store_name}, {customer_first_name}! Have a lovely day.',
        'da': 'Tak fordi du handler hos {store_name}, {customer_first_name}! Hav en dejlig dag.',
        'de': 'Danke, dass du bei {store_name} einkaufst, {customer_first_name}! Einen schönen Tag noch.',
        'fi': 'Kiitos, että asioit kaupassa {store_name}, {customer_first_name}! Mukavaa päivää.',
        'nl': 'Bedankt voor je aankoop bij {store_name}, {customer_first_name}! Fijne dag nog.',
        'it': 'Grazie per aver acquistato da {store_name}, {customer_first_name}! Buona giornata.'}),
)


def demo_hours(local_now: datetime) -> tuple[Range, ...]:
    """Weekdays 08:00-20:00 and weekends 10:00-16:00, with the day the demo is loaded stretched to cover the next
    hours (from an hour ago, at least six hours on), so a freshly loaded demo is not away."""
    regular = {day: (8 * 60, 20 * 60) if day < 5 else (10 * 60, 16 * 60) for day in range(7)}
    today, minute = local_now.weekday(), local_now.hour * 60 + local_now.minute
    start, end = regular[today]
    regular[today] = (min(start, max(0, minute - 60)), max(end, min(24 * 60, minute + 6 * 60)))
    ranges = [Range(day, *regular[day]) for day in range(7)]
    if minute + 6 * 60 > 24 * 60:  # late in the evening: tomorrow opens at midnight too
        tomorrow = (today + 1) % 7
        ranges[tomorrow] = Range(tomorrow, 0, regular[tomorrow][1])
    return tuple(ranges)


async def _availability(db: AsyncSession, owner: Staff, now: datetime) -> None:
    """Working hours (A1) open around the time the demo was loaded, and a greeting in every language."""
    greetings = {'en': 'Hi! Questions about sizes, orders or returns? Ask away.',
                 'da': 'Hej! Spørgsmål om størrelser, ordrer eller returnering? Bare spørg.',
                 'de': 'Hallo! Fragen zu Größen, Bestellungen oder Rücksendungen? Frag einfach.',
                 'fi': 'Hei! Kysyttävää koista, tilauksista tai palautuksista? Kysy vain.',
                 'nl': 'Hoi! Vragen over maten, bestellingen of retouren? Vraag maar.',
                 'it': 'Ciao! Domande su taglie, ordini o resi? Chiedi pure.'}
    await availability.stage_settings(db=db, staff=owner, settings=availability.AvailabilitySettings(
        ranges=demo_hours(now.astimezone(ZoneInfo(TIME_ZONE))),
        texts={lang: availability.Texts(greeting=text) for lang, text in greetings.items()}, reply_time='minutes'))


async def _saved_replies(db: AsyncSession, owner: Staff) -> None:
    """A useful set of saved replies (R1) in all six languages, through the saved-replies service."""
    for shortcut, title, texts in SAVED_REPLIES:
        await saved_replies.stage_reply(db=db, staff=owner, reply_in=saved_replies.SavedReplyIn(
            shortcut=shortcut, title=title, texts=texts))


INSTANT_ANSWERS: dict[str, tuple[tuple[str, str], ...]] = {  # A2: language -> (question, answer), in order
    'en': (
        ('How long does delivery take?', 'We pack orders within one working day. Delivery in Europe usually takes '
                                         '2 to 5 working days, and you get a tracking link by e-mail.'),
        ('Can I return something?', 'Yes: you have 30 days to return unused items. Write to us here and we send '
                                    'you a free return label.'),
        ('Do you ship outside Europe?', 'We ship to the US, Canada and the UK too; shipping costs are shown at '
                                        'checkout before you pay.'),
        ('Is there a discount on my first order?', 'Use the code WELCOME10 at checkout for 10 % off your first '
                                                   'order.'),
    ),
    'da': (
        ('Hvor lang tid tager levering?', 'Vi pakker ordrer inden for én hverdag. Levering i Europa tager normalt '
                                          '2-5 hverdage, og du får et sporingslink på e-mail.'),
        ('Kan jeg returnere en vare?', 'Ja, du har 30 dages returret på ubrugte varer. Skriv til os her, så sender '
                                       'vi dig en gratis returlabel.'),
        ('Sender I uden for Europa?', 'Vi sender også til USA, Canada og Storbritannien; fragten vises ved kassen, '
                                      'før du betaler.'),
        ('Får jeg rabat på min første ordre?', 'Brug koden WELCOME10 ved kassen og få 10 % rabat på din første '
                                               'ordre.'),
    ),
    'de': (
        ('Wie lange dauert die Lieferung?', 'Wir packen Bestellungen innerhalb eines Werktags. Die Lieferung in '
                                            'Europa dauert meist 2 bis 5 Werktage; den Sendungslink bekommst du per '
                                            'E-Mail.'),
        ('Kann ich etwas zurückschicken?', 'Ja, unbenutzte Artikel kannst du 30 Tage lang zurückgeben. Schreib uns '
                                           'hier, dann schicken wir dir ein kostenloses Rücksendeetikett.'),
        ('Liefert ihr auch außerhalb Europas?', 'Wir liefern auch in die USA, nach Kanada und Großbritannien; die '
                                                'Versandkosten siehst du an der Kasse, bevor du zahlst.'),
        ('Gibt es einen Rabatt auf meine erste Bestellung?', 'Mit dem Code WELCOME10 an der Kasse bekommst du 10 % '
                                                             'auf deine erste Bestellung.'),
    ),
    'fi': (
        ('Kauanko toimitus kestää?', 'Pakkaamme tilaukset yhden arkipäivän kuluessa. Toimitus Euroopassa kestää '
                                     'yleensä 2–5 arkipäivää, ja saat seurantalinkin sähköpostiisi.'),
        ('Voinko palauttaa tuotteen?', 'Voit: käyttämättömillä tuotteilla on 30 päivän palautusoikeus. Kirjoita '
                                       'meille tähän, niin lähetämme maksuttoman palautuslapun.'),
        ('Toimitatteko Euroopan ulkopuolelle?', 'Toimitamme myös Yhdysvaltoihin, Kanadaan ja Isoon-Britanniaan; '
                                                'toimituskulut näet kassalla ennen maksamista.'),
        ('Saanko alennusta ensimmäisestä tilauksesta?', 'Käytä kassalla koodia WELCOME10, niin saat 10 % alennusta '
                                                        'ensimmäisestä tilauksestasi.'),
    ),
    'nl': (
        ('Hoe lang duurt de levering?', 'We pakken bestellingen binnen één werkdag in. Levering binnen Europa duurt '
                                        'meestal 2 tot 5 werkdagen; je krijgt de track & trace per e-mail.'),
        ('Kan ik iets terugsturen?', 'Ja, je hebt 30 dagen om ongebruikte artikelen terug te sturen. Stuur ons hier '
                                     'een bericht, dan mailen we je een gratis retourlabel.'),
        ('Verzenden jullie buiten Europa?', 'We verzenden ook naar de VS, Canada en het VK; de verzendkosten zie je '
                                            'bij het afrekenen, voordat je betaalt.'),
        ('Krijg ik korting op mijn eerste bestelling?', 'Gebruik de code WELCOME10 bij het afrekenen voor 10 % '
                                                        'korting op je eerste bestelling.'),
    ),
    'it': (
        ('Quanto tempo richiede la consegna?', 'Prepariamo gli ordini entro un giorno lavorativo. In Europa la '
                                               'consegna richiede di solito da 2 a 5 giorni lavorativi e ricevi il '
                                               'link di tracciamento via e-mail.'),
        ('Posso restituire un articolo?', 'Sì: hai 30 giorni per restituire gli articoli non usati. Scrivici qui e '
                                          "ti mandiamo un'etichetta di reso gratuita."),
        ('Spedite fuori dall\'Europa?', 'Spediamo anche negli Stati Uniti, in Canada e nel Regno Unito; le spese di '
                                        'spedizione sono indicate alla cassa prima del pagamento.'),
        ('C\'è uno sconto sul primo ordine?', 'Usa il codice WELCOME10 alla cassa per avere il 10 % di sconto sul '
                                              'tuo primo ordine.'),
    ),
}


async def _instant_answers(db: AsyncSession, owner: Staff) -> None:
    """A useful set of instant answers (A2) in all six languages, through the instant-answers service."""
    for language, pairs in INSTANT_ANSWERS.items():
        for question, answer in pairs:
            await instant_answers.stage_answer(db=db, staff=owner, answer_in=instant_answers.InstantAnswerIn(
                language=language, question=question, answer=answer))
