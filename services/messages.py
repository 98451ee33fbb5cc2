"""Messages: what shoppers send, what staff reply, and who may read which."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation, Customer, EmailOutbox, Message, Staff
from db.states import Channel, Delivery
from db.types import utcnow
from services import report_columns
from services.errors import Invalid, NotFound, TooLarge
from services.events import EventBus
from services.i18n import _
from services.permissions import Permission, require
from services.views import CUSTOMER_VISIBLE_KINDS, SHOPPER_SYSTEM_KINDS, MessageView

MAX_BODY = 5000
MAX_CLIENT_MSG_ID = 64
PREVIEW_LENGTH = 140


@dataclass(frozen=True)
class CleanMessage:
    """A shopper's chat message after its rules: trimmed body, trimmed client_msg_id."""
    body: str
    client_msg_id: str


@dataclass(frozen=True)
class Received:
    message: MessageView
    created: bool


def storable(raw: str) -> str:
    """Text every database stores: NUL characters dropped (PostgreSQL refuses them in text), lone surrogates
    (valid JSON escapes, not Unicode) refused."""
    try:
        raw.encode('utf-8')
    except UnicodeEncodeError:
        raise Invalid(_('The text is not valid Unicode.'), code='invalid_text') from None
    return raw.replace('\x00', '')


def clean_body(raw: str) -> str:
    body = storable(raw).strip()
    if not body:
        raise Invalid(_('The message is empty.'), code='empty_body')
    if len(body) > MAX_BODY:
        raise TooLarge(_('The message is longer than {max} characters.', max=MAX_BODY), code='body_too_long')
    return body


def clean_client_msg_id(raw: str) -> str:
    client_msg_id = storable(raw).strip()
    if not 1 <= len(client_msg_id) <= MAX_CLIENT_MSG_ID:
        raise Invalid(_('client_msg_id must be 1 to {max} characters.', max=MAX_CLIENT_MSG_ID),
                      code='invalid_client_msg_id')
    return client_msg_id


def clean_message(*, body: str, client_msg_id: str) -> CleanMessage:
    """The rules of a shopper's chat message, in one order for every caller: the body, then client_msg_id."""
    return CleanMessage(body=clean_body(body), client_msg_id=clean_client_msg_id(client_msg_id))


def preview_of(body: str) -> str:
    flat = ' '.join(body.split())
    return flat if len(flat) <= PREVIEW_LENGTH else flat[:PREVIEW_LENGTH - 1] + '…'


def to_view(message: Message, author_name: str = '') -> MessageView:
    assert message.id is not None
    return MessageView(
        id=message.id, conversation_id=message.conversation_id, session_id=message.session_id,
        author=message.author, author_name=author_name, kind=message.kind, body=message.body,
        payload=dict(message.payload or {}), created_at=message.created_at, delivery=message.delivery,
        topic=message.topic,
    )


async def load_view(db: AsyncSession, message_id: int) -> MessageView | None:
    """A stored message as the bus carries it, with its staff author's name."""
    return (await load_views(db, [message_id])).get(message_id)


async def load_views(db: AsyncSession, message_ids: Sequence[int]) -> dict[int, MessageView]:
    """Several stored messages by id in one query (the event relay re-reads a batch of notifications)."""
    if not message_ids:
        return {}
    rows = (await db.exec(select(Message, Staff.name).join(Staff, col(Message.staff_id) == Staff.id, isouter=True)
                          .where(col(Message.id).in_(list(message_ids))))).all()
    return {message.id: to_view(message, name or '') for message, name in rows if message.id is not None}


async def reply_session_id(db: AsyncSession, conversation_id: int) -> int | None:
    """The chat session a staff reply belongs to: the one of the shopper's latest message, else the newest."""
    session_id = (await db.exec(
        select(Message.session_id)
        .where(Message.conversation_id == conversation_id, Message.author == 'customer',
               col(Message.session_id).is_not(None))
        .order_by(col(Message.id).desc()).limit(1))).first()
    if session_id is not None:
        return session_id
    return (await db.exec(select(ChatSession.id).where(ChatSession.conversation_id == conversation_id)
                          .order_by(col(ChatSession.id).desc()).limit(1))).first()


def require_chat_permission(staff: Staff | None) -> Staff:
    return require(staff, Permission.REPLY)


async def send_staff_reply(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int,
                           body: str, mail_domain: str = 'localhost') -> MessageView:
    """A staff text reply, delivered live when the shopper is online and queued for e-mail when not (C1)."""
    return await store_staff_message(db=db, bus=bus, staff=staff, conversation_id=conversation_id, kind='text',
                                     body=clean_body(body), preview=None, mail_domain=mail_domain)


async def store_staff_message(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int,
                              kind: str, body: str, payload: dict[str, Any] | None = None, preview: str | None,
                              mail_domain: str = 'localhost') -> MessageView:
    """Any staff message (text, product cards, discount, image) through the shopper's original channel:
    live chat while they are online, else the message and its outbox row in one transaction."""
    staff = require_chat_permission(staff)
    conversation = await db.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(_('No such conversation.'))
    session_id = await reply_session_id(db, conversation_id)
    now = utcnow()
    live = conversation.channel == Channel.CHAT and conversation.customer_online
    message = Message(conversation_id=conversation_id, session_id=session_id, author='staff', staff_id=staff.id,
                      kind=kind, body=body, payload=payload or {}, created_at=now,
                      delivery=Delivery.CHAT if live else Delivery.EMAIL_PENDING)
    db.add(message)
    await db.flush()
    assert message.id is not None
    if not live:
        to_address = await reply_address(db, conversation_id, session_id)
        db.add(EmailOutbox(message_id=message.id, conversation_id=conversation_id, to_address=to_address,
                           subject=f'Re: your conversation #{conversation_id}',
                           message_id_header=f'<msg-{message.id}.{secrets.token_hex(6)}@{mail_domain}>'))
    conversation.last_message_at = now
    conversation.last_message_preview = preview_of(preview if preview is not None else body)
    conversation.last_message_author = 'staff'
    conversation.unread = False
    report_columns.staff_wrote(conversation, now, staff.id)
    assert staff.id is not None
    await report_columns.count_staff_message(db, conversation_id, staff.id)
    db.add(conversation)
    await db.commit()
    view = to_view(message, staff.name)
    bus.publish_message(view)
    return view


async def reply_address(db: AsyncSession, conversation_id: int, session_id: int | None) -> str:
    """The e-mail the shopper gave when the chat session started (C2's notice names it)."""
    if session_id is not None:
        chat_session = await db.get(ChatSession, session_id)
        if chat_session is not None:
            return chat_session.email
    conversation = await db.get(Conversation, conversation_id)
    customer = await db.get(Customer, conversation.customer_id) if conversation else None
    return customer.email if customer else ''


async def list_for_session(*, db: AsyncSession, chat_session: ChatSession, after: int = 0,
                           limit: int = 100) -> list[MessageView]:
    """What this token may read: its own session's messages, or the whole conversation when verified."""
    limit = max(1, min(limit, 500))
    query = (select(Message, Staff.name)
             .join(Staff, col(Message.staff_id) == Staff.id, isouter=True)
             .where(Message.conversation_id == chat_session.conversation_id, col(Message.id) > after,
                    or_(and_(col(Message.kind).in_(CUSTOMER_VISIBLE_KINDS),
                             col(Message.author).in_(('customer', 'staff'))),
                        and_(col(Message.kind).in_(SHOPPER_SYSTEM_KINDS), col(Message.author) == 'system'))))
    if not chat_session.identity_verified:
        query = query.where(Message.session_id == chat_session.id)
    rows = (await db.exec(query.order_by(col(Message.id)).limit(limit))).all()
    return [to_view(message, name or '') for message, name in rows]


async def list_thread(*, db: AsyncSession, conversation_id: int, before: int | None = None,
                      limit: int = 100) -> list[MessageView]:
    """The newest `limit` messages of a thread (older ones page in with `before`), oldest first."""
    query = (select(Message, Staff.name).join(Staff, col(Message.staff_id) == Staff.id, isouter=True)
             .where(Message.conversation_id == conversation_id))
    if before is not None:
        query = query.where(col(Message.id) < before)
    rows = (await db.exec(query.order_by(col(Message.id).desc()).limit(limit))).all()
    return [to_view(message, name or '') for message, name in reversed(rows)]


def is_visible_to_session(view: MessageView, *, session_id: int, conversation_id: int, verified: bool) -> bool:
    if not view.visible_to_customer or view.conversation_id != conversation_id:
        return False
    return verified or view.session_id == session_id
