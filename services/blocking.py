"""Blocked senders (R4): staff block a customer, and so every address and session of theirs.

A blocked sender's new chat sessions (POST /chat/sessions), chat messages (both message stores) and e-mails
(services/mail/inbound.py) are refused with `403 {"error": {"code": "sender_blocked"}}`, before anything is
stored or published. Blocking and unblocking need Permission.REPLY; the list's Blocked view shows who is blocked.
"""
from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, Customer, Staff
from db.types import utcnow
from services import audit
from services.audit import Action
from services.errors import NotFound, ServiceError
from services.events import EventBus
from services.i18n import _
from services.permissions import Permission, require


class SenderBlocked(ServiceError):
    status = 403
    code = 'sender_blocked'


def sender_blocked() -> SenderBlocked:
    return SenderBlocked(_('This store is not accepting messages from you.'))


async def _customer(db: AsyncSession, customer_id: int) -> Customer:
    customer = await db.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_('No such customer.'))
    return customer


async def _announce(db: AsyncSession, bus: EventBus | None, customer_id: int, *, blocked: bool = False) -> None:
    """Open lists and threads show the change (the Blocked view, the thread menu's Block/Unblock); once blocked,
    the sender's open chat sockets are closed at once (`sender_blocked`, pages/api/chat_socket.py)."""
    if bus is None:
        return
    for conversation_id in (await db.exec(select(Conversation.id).where(
            Conversation.customer_id == customer_id))).all():
        if conversation_id is not None:
            bus.conversation_changed.emit(conversation_id)
            if blocked:
                bus.sender_blocked.emit(conversation_id)


async def block_customer(*, db: AsyncSession, bus: EventBus | None, staff: Staff | None,
                         customer_id: int, address: str = '') -> Customer:
    """Block this customer (staying blocked if they were); their later chats, messages and e-mails are refused."""
    who = require(staff, Permission.REPLY)
    customer = await _customer(db, customer_id)
    if customer.blocked_at is None:
        customer.blocked_at = utcnow()
        customer.blocked_by_id = who.id
        audit.record(db, actor=who, action=Action.SENDER_BLOCKED, target=f'customer:{customer_id}', address=address)
        db.add(customer)
        await db.commit()
        await db.refresh(customer)
        await _announce(db, bus, customer_id, blocked=True)
    return customer


async def unblock_customer(*, db: AsyncSession, bus: EventBus | None, staff: Staff | None,
                           customer_id: int, address: str = '') -> Customer:
    """Accept this customer's chats, messages and e-mails again."""
    who = require(staff, Permission.REPLY)
    customer = await _customer(db, customer_id)
    if customer.blocked_at is not None:
        customer.blocked_at = None
        customer.blocked_by_id = None
        audit.record(db, actor=who, action=Action.SENDER_UNBLOCKED, target=f'customer:{customer_id}',
                     address=address)
        db.add(customer)
        await db.commit()
        await db.refresh(customer)
        await _announce(db, bus, customer_id)
    return customer


async def is_blocked(db: AsyncSession, customer_id: int) -> bool:
    customer = await db.get(Customer, customer_id, populate_existing=True)
    return customer is not None and customer.blocked_at is not None


async def refuse_if_blocked(db: AsyncSession, customer_id: int) -> None:
    """SenderBlocked (403) when this customer is blocked; called before a shopper's message or e-mail is stored."""
    if await is_blocked(db, customer_id):
        raise sender_blocked()
