"""The store's products as shoppers and staff see them (only those on the online store; S1)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Product, Variant
from services.errors import NotFound
from services.money import cents_text


@dataclass(frozen=True)
class VariantView:
    id: int
    title: str
    price: str
    available: int
    sku: str


@dataclass(frozen=True)
class ProductView:
    id: int
    title: str
    handle: str
    price: str
    currency: str
    url: str
    image_url: str
    vendor: str
    body_html: str
    variants: list[VariantView]

    def to_api(self) -> dict[str, object]:
        return {'id': self.id, 'title': self.title, 'handle': self.handle, 'price': self.price,
                'currency': self.currency, 'url': self.url, 'image_url': self.image_url,
                'variants': [{'id': v.id, 'title': v.title, 'price': v.price, 'available': v.available}
                             for v in self.variants]}


def product_url_base(public_url: str) -> str:
    """Product links point at the storefront's product pages."""
    return f'{public_url}/store/products'


def _escape_like(text: str) -> str:
    return text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')


async def search_online_products(*, db: AsyncSession, currency: str, product_url_base: str, q: str = '',
                                 limit: int = 50) -> list[ProductView]:
    query = select(Product).where(col(Product.online_store).is_(True), Product.status == 'active')
    text = q.strip()[:100]
    if text:
        pattern = f'%{_escape_like(text)}%'
        sku_match = select(Variant.product_id).where(col(Variant.sku).ilike(pattern, escape='\\'))
        query = query.where(or_(col(Product.title).ilike(pattern, escape='\\'),
                                col(Product.vendor).ilike(pattern, escape='\\'),
                                col(Product.id).in_(sku_match)))
    products = (await db.exec(query.order_by(col(Product.title)).limit(max(1, min(limit, 200))))).all()
    return await _with_variants(db, products, currency, product_url_base)


async def online_products_by_ids(*, db: AsyncSession, ids: list[int], currency: str,
                                 product_url_base: str) -> list[ProductView]:
    products = (await db.exec(select(Product).where(col(Product.id).in_(ids), col(Product.online_store).is_(True),
                                                    Product.status == 'active'))).all()
    return await _with_variants(db, list(products), currency, product_url_base)


async def get_online_product(*, db: AsyncSession, handle: str, currency: str, product_url_base: str) -> ProductView:
    product = (await db.exec(select(Product).where(Product.handle == handle, col(Product.online_store).is_(True),
                                                   Product.status == 'active'))).first()
    if product is None:
        raise NotFound('No such product.')
    return (await _with_variants(db, [product], currency, product_url_base))[0]


async def _with_variants(db: AsyncSession, products: Sequence[Product], currency: str,
                         product_url_base: str) -> list[ProductView]:
    ids = [p.id for p in products]
    variants = (await db.exec(select(Variant).where(col(Variant.product_id).in_(ids))
                              .order_by(col(Variant.product_id), col(Variant.position)))).all() if ids else []
    by_product: dict[int, list[VariantView]] = {}
    for v in variants:
        assert v.id is not None
        by_product.setdefault(v.product_id, []).append(
            VariantView(id=v.id, title=v.title, price=cents_text(v.price_cents), available=v.inventory, sku=v.sku))
    views = []
    for p in products:
        assert p.id is not None
        vs = by_product.get(p.id, [])
        lowest = min((v for v in variants if v.product_id == p.id), key=lambda v: v.price_cents, default=None)
        views.append(ProductView(id=p.id, title=p.title, handle=p.handle,
                                 price=cents_text(lowest.price_cents) if lowest else '0.00', currency=currency,
                                 url=f'{product_url_base}/{p.handle}', image_url=p.image_url, vendor=p.vendor,
                                 body_html=p.body_html, variants=vs))
    return views
