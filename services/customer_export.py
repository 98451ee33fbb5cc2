"""G2: everything stored about one customer as one JSON document (format in docs/privacy.md).

Like the eraser (services/customer_erasure.py) it is a list of small parts, one per kind of data (`PARTS`); a new
table holding customer data adds its part here. Secrets never leave: no token hashes, no verification-code hashes.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation, Customer, Message, Rating, Staff, TopicCorrection
from db.types import utcnow
from services import audit, carts, orders
from services.audit import Action
from services.customers import get_profile
from services.errors import NotFound
from services.permissions import Permission, require
from services.store import get_store

log = logging.getLogger(__name__)

FORMAT = 'merchant-inbox.customer-export'
VERSION = 1

Json = dict[str, Any]
Part = Callable[[AsyncSession, Customer, str], Awaitable[Any]]


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _money(amount: Decimal) -> str:
    return str(amount)


async def _staff_names(db: AsyncSession) -> dict[int, str]:
    return {staff.id: staff.name for staff in (await db.exec(select(Staff))).all() if staff.id is not None}


async def profile_part(db: AsyncSession, customer: Customer, currency: str) -> Json:
    assert customer.id is not None
    profile = await get_profile(db=db, customer_id=customer.id, currency=currency)
    return {'id': customer.id, 'email': customer.email, 'name': customer.name, 'phone': customer.phone,
            'city': customer.city, 'country': customer.country, 'timezone': customer.timezone,
            'locale': customer.locale, 'accepts_email_marketing': customer.accepts_email_marketing,
            'accepts_sms_marketing': customer.accepts_sms_marketing, 'created_at': _when(customer.created_at),
            'order_count': profile.order_count, 'lifetime_spend': _money(profile.lifetime_spend),
            'currency': currency, 'erased': profile.erased}


async def notes_part(db: AsyncSession, customer: Customer, currency: str) -> list[Json]:
    """Staff notes on the customer (P2): one today, a list so more can join."""
    if not customer.note:
        return []
    names = await _staff_names(db)
    return [{'text': customer.note, 'updated_at': _when(customer.note_updated_at),
             'updated_by': names.get(customer.note_updated_by_id or 0, '')}]


async def conversations_part(db: AsyncSession, customer: Customer, currency: str) -> list[Json]:
    names = await _staff_names(db)
    found = (await db.exec(select(Conversation).where(Conversation.customer_id == customer.id)
                           .order_by(col(Conversation.id)))).all()
    result = []
    for conversation in found:
        messages = (await db.exec(select(Message).where(Message.conversation_id == conversation.id)
                                  .order_by(col(Message.id)))).all()
        result.append({
            'id': conversation.id, 'channel': conversation.channel, 'status': conversation.status,
            'started_at': _when(conversation.started_at), 'last_message_at': _when(conversation.last_message_at),
            'topics': list(conversation.topics or []),
            'assignee': names.get(conversation.assignee_id or 0, '') if conversation.assignee_id else None,
            'messages': [{'id': m.id, 'author': m.author, 'staff': names.get(m.staff_id or 0) if m.staff_id else None,
                          'kind': m.kind, 'body': m.body, 'payload': m.payload, 'topic': m.topic,
                          'delivery': m.delivery, 'created_at': _when(m.created_at)} for m in messages]})
    return result


async def chat_sessions_part(db: AsyncSession, customer: Customer, currency: str) -> list[Json]:
    found = (await db.exec(select(ChatSession).where(ChatSession.customer_id == customer.id)
                           .order_by(col(ChatSession.id)))).all()
    return [{'id': s.id, 'conversation_id': s.conversation_id, 'email': s.email, 'name': s.name, 'locale': s.locale,
             'timezone': s.timezone, 'identity_verified': s.identity_verified, 'discount_code': s.discount_code,
             'created_at': _when(s.created_at), 'last_seen_at': _when(s.last_seen_at),
             'token_used_at': _when(s.token_used_at)} for s in found]


async def carts_part(db: AsyncSession, customer: Customer, currency: str) -> list[Json]:
    result = []
    for chat_session in (await db.exec(select(ChatSession).where(ChatSession.customer_id == customer.id)
                                       .order_by(col(ChatSession.id)))).all():
        cart = await carts.get_cart(db=db, chat_session=chat_session, currency=currency)
        if cart.is_empty:
            continue
        result.append({'session_id': chat_session.id, 'updated_at': _when(cart.updated_at),
                       'discount_code': cart.discount_code, 'subtotal': _money(cart.subtotal), 'currency': currency,
                       'items': [{'product_title': i.product_title, 'variant_title': i.variant_title,
                                  'quantity': i.quantity, 'unit_price': _money(i.unit_price),
                                  'line_total': _money(i.line_total)} for i in cart.items]})
    return result


async def orders_part(db: AsyncSession, customer: Customer, currency: str) -> list[Json]:
    assert customer.id is not None
    return [{'id': o.id, 'number': o.number, 'status': o.status, 'placed_at': _when(o.placed_at),
             'currency': o.currency, 'subtotal': _money(o.subtotal), 'discount_code': o.discount_code,
             'discount': _money(o.discount), 'total': _money(o.total),
             'lines': [{'product_title': line.product_title, 'variant_title': line.variant_title,
                        'quantity': line.quantity, 'unit_price': _money(line.unit_price),
                        'line_total': _money(line.line_total)} for line in o.lines]}
            for o in await orders.orders_of(db=db, customer_id=customer.id)]


async def topic_corrections_part(db: AsyncSession, customer: Customer, currency: str) -> list[Json]:
    """Staff corrections of their conversations' topics, with the message text they keep for training."""
    conversation_ids = select(Conversation.id).where(Conversation.customer_id == customer.id)
    found = (await db.exec(select(TopicCorrection).where(col(TopicCorrection.conversation_id).in_(conversation_ids))
                           .order_by(col(TopicCorrection.id)))).all()
    return [{'conversation_id': c.conversation_id, 'message_id': c.message_id, 'text': c.text, 'topic': c.topic,
             'removed_topic': c.removed_topic, 'created_at': _when(c.created_at)} for c in found]


async def ratings_part(db: AsyncSession, customer: Customer, currency: str) -> list[Json]:
    """K2: the shopper's ratings of their conversations, with their comments."""
    conversation_ids = select(Conversation.id).where(Conversation.customer_id == customer.id)
    found = (await db.exec(select(Rating).where(col(Rating.conversation_id).in_(conversation_ids))
                           .order_by(col(Rating.id)))).all()
    return [{'conversation_id': r.conversation_id, 'rating': r.rating, 'comment': r.comment, 'channel': r.channel,
             'created_at': _when(r.created_at)} for r in found]


PARTS: dict[str, Part] = {
    'profile': profile_part,
    'notes': notes_part,
    'conversations': conversations_part,
    'chat_sessions': chat_sessions_part,
    'carts': carts_part,
    'orders': orders_part,
    'topic_corrections': topic_corrections_part,
    'ratings': ratings_part,
}
"""Each key of the document and what fills it. Add a new table's part here."""


async def collect(*, db: AsyncSession, customer_id: int) -> Json:
    """The document, without a permission check (the `inbox export-customer` command runs it from the shell)."""
    customer = await db.get(Customer, customer_id)
    if customer is None:
        raise NotFound('No such customer.')
    currency = (await get_store(db)).currency
    document: Json = {'format': FORMAT, 'version': VERSION, 'exported_at': _when(utcnow())}
    for key, part in PARTS.items():
        document[key] = await part(db, customer, currency)
    return document


async def export_customer(*, db: AsyncSession, staff: Staff | None, customer_id: int, address: str = '') -> Json:
    """G2 for a staff member: the owner or someone with Manage staff (the same as erasing); one audit row."""
    actor = require(staff, Permission.MANAGE_STAFF)
    document = await collect(db=db, customer_id=customer_id)
    await record_export(db, actor=actor, customer_id=customer_id, address=address)
    log.info('customer %s exported by staff %s', customer_id, actor.id)
    return document


async def record_export(db: AsyncSession, *, actor: Staff | str, customer_id: int, address: str = '') -> None:
    """The export's audit row (G4), committed: the export itself writes nothing."""
    audit.record(db, actor=actor, action=Action.CUSTOMER_EXPORTED, target=f'customer:{customer_id}', address=address)
    await db.commit()


def to_json(document: Json) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + '\n'


def file_name(customer_id: int) -> str:
    return f'customer-{customer_id}.json'
