"""Sharing in a conversation: product cards (S1), discount codes (S2) and images (S3)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, DiscountCode, Message, Staff
from services import catalog, discounts
from services.errors import Invalid, NotFound
from services.events import EventBus
from services.i18n import _
from services.images import CleanImage
from services.messages import MAX_BODY, store_staff_message
from services.permissions import Permission, require
from services.views import MessageView

MAX_PRODUCTS = 3
MEDIA_PREFIX = '/media/'


@dataclass(frozen=True)
class DiscountCodeView:
    id: int
    code: str
    kind: str
    value: str
    status: str
    starts_at: datetime
    ends_at: datetime | None
    usage_limit: int | None
    times_used: int
    active: bool


def _text(text: str) -> str:
    body = text.strip()
    if len(body) > MAX_BODY:
        raise Invalid(_('The text is longer than {max} characters.', max=MAX_BODY), code='body_too_long')
    return body


async def share_products(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int,
                         product_ids: list[int], text: str, currency: str, product_url_base: str,
                         mail_domain: str = 'localhost') -> MessageView:
    """S1: up to three products from the online store as cards, with optional text."""
    require(staff, Permission.SHARE_PRODUCTS)
    unique = list(dict.fromkeys(product_ids))
    if not unique:
        raise Invalid(_('Select at least one product.'), code='no_products')
    if len(unique) > MAX_PRODUCTS:
        raise Invalid(_('You can share at most {n} products at once.', n=MAX_PRODUCTS), code='too_many_products')
    found = {p.id: p for p in await catalog.online_products_by_ids(db=db, ids=unique, currency=currency,
                                                                    product_url_base=product_url_base)}
    missing = [pid for pid in unique if pid not in found]
    if missing:
        raise NotFound(_('Only products available on the online store can be shared.'), code='product_unavailable')
    chosen = [found[pid] for pid in unique]
    cards = [{'id': p.id, 'title': p.title, 'price': p.price, 'currency': p.currency, 'url': p.url,
              'image_url': p.image_url} for p in chosen]
    body = _text(text)
    preview = body or ', '.join(p.title for p in chosen)
    return await store_staff_message(db=db, bus=bus, staff=staff, conversation_id=conversation_id, kind='products',
                                     body=body, payload={'products': cards}, preview=preview, mail_domain=mail_domain)


def _code_view(code: DiscountCode) -> DiscountCodeView:
    assert code.id is not None
    return DiscountCodeView(id=code.id, code=code.code, kind=code.kind, value=discounts.describe(code),
                            status=discounts.status_of(code), starts_at=code.starts_at, ends_at=code.ends_at,
                            usage_limit=code.usage_limit, times_used=code.times_used, active=code.active)


async def list_discount_codes(*, db: AsyncSession, search: str = '', limit: int = 100) -> list[DiscountCodeView]:
    query = select(DiscountCode)
    words = search.strip().upper()[:100]
    if words:
        query = query.where(func.upper(DiscountCode.code).like(f'%{words}%'))
    codes = (await db.exec(query.order_by(col(DiscountCode.code)).limit(limit))).all()
    return [_code_view(code) for code in codes]


async def share_discount(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int,
                         code_id: int, text: str = '', mail_domain: str = 'localhost') -> MessageView:
    """S2: only a code that can be used right now; otherwise nothing is sent and the merchant is told why."""
    require(staff, Permission.SHARE_DISCOUNTS)
    code = await db.get(DiscountCode, code_id)
    if code is None:
        raise NotFound(_('This discount code does not exist.'), code='discount_unknown')
    status = discounts.status_of(code)
    if status != discounts.USABLE:
        reason = {'inactive': _('is not active'), 'expired': _('has expired'), 'used_up': _('has been used up'),
                  'scheduled': _('has not started yet')}[status]
        raise Invalid(_('The code {code} {reason}. Update the code before you share it.', code=code.code,
                        reason=reason), code='discount_inactive')
    body = _text(text)
    return await store_staff_message(db=db, bus=bus, staff=staff, conversation_id=conversation_id, kind='discount',
                                     body=body, payload={'code': code.code, 'discount': discounts.describe(code)},
                                     preview=body or _('Discount code {code}', code=code.code), mail_domain=mail_domain)


async def share_image(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int, name: str,
                      image: CleanImage, mail_domain: str = 'localhost') -> MessageView:
    """S3: an image already cleaned and stored under `name` (see services.images.store_image)."""
    return await store_staff_message(db=db, bus=bus, staff=staff, conversation_id=conversation_id, kind='image',
                                     body='', payload={'url': MEDIA_PREFIX + name, 'name': name,
                                                       'content_type': image.content_type, 'width': image.width,
                                                       'height': image.height},
                                     preview=_('Image'), mail_domain=mail_domain)


async def session_may_see_image(*, db: AsyncSession, chat_session: ChatSession, name: str) -> bool:
    """A shopper token sees an image only when it was sent in a message that token may read."""
    assert db.bind is not None  # the sessions come from Database, always bound to its engine
    query = select(Message.id).where(Message.conversation_id == chat_session.conversation_id,
                                     Message.kind == 'image', col(Message.author) == 'staff',
                                     func.json_extract(Message.payload, '$.name') == name
                                     if db.bind.dialect.name == 'sqlite'
                                     else Message.payload['name'].as_string() == name)
    if not chat_session.identity_verified:
        query = query.where(Message.session_id == chat_session.id)
    return (await db.exec(query.limit(1))).first() is not None
