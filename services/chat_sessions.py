"""Shopper chat sessions: creation (attached to the customer by e-mail) and token authentication."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation, Customer
from db.types import utcnow
from services import store as store_service
from services.blocking import sender_blocked
from services.errors import Invalid, Unauthorized
from services.i18n import _
from services.tokens import hash_token, identity_matches, new_token
from services.webhook_events import conversation_data, record_event

DEFAULT_TOKEN_LIFETIME = timedelta(days=30)
"""How long a session token stays valid after its last use (INBOX_SHOPPER_TOKEN_DAYS)."""
TOKEN_USE_PRECISION = timedelta(hours=1)
"""The stored last use is moved on at most this often per session (so using a token rarely costs a write)."""


@dataclass(frozen=True)
class SessionCreate:
    email: str
    name: str = ''
    locale: str = ''
    timezone: str = ''
    identity_hmac: str = ''


@dataclass(frozen=True)
class CreatedSession:
    token: str
    session: ChatSession


def normalize_email(raw: str) -> str:
    """A valid address in one canonical form, or Invalid."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise Invalid(_('Please give a valid e-mail address ({error}).', error=error), code='invalid_email') from error
    return result.normalized.lower()


def check_timezone(name: str) -> str:
    name = name.strip()
    if not name:
        return ''
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Invalid(_('Unknown time zone "{zone}".', zone=name[:64]), code='invalid_timezone') from error
    return name


async def find_or_create_chat_conversation(db: AsyncSession, customer: Customer) -> Conversation:
    assert customer.id is not None  # a stored (flushed) customer
    conversation = (await db.exec(
        select(Conversation)
        .where(Conversation.customer_id == customer.id, Conversation.channel == 'chat')
        .order_by(col(Conversation.id).desc())
    )).first()
    if conversation is None:
        conversation = Conversation(customer_id=customer.id, channel='chat')
        db.add(conversation)
        await db.flush()
        await record_event(db, 'conversation.created', conversation_data(conversation))
    return conversation


async def create_session(*, db: AsyncSession, session_in: SessionCreate) -> CreatedSession:
    email = normalize_email(session_in.email)
    timezone = check_timezone(session_in.timezone)
    name = session_in.name.strip()[:200]
    locale = session_in.locale.strip()[:20]

    customer = (await db.exec(select(Customer).where(Customer.email == email))).first()
    if customer is not None and customer.blocked_at is not None:
        raise sender_blocked()  # R4: nothing stored, no session
    if customer is None:
        customer = Customer(email=email, name=name, timezone=timezone, locale=locale)
        db.add(customer)
        await db.flush()
    else:
        customer.name = customer.name or name
        customer.timezone = customer.timezone or timezone
        customer.locale = locale or customer.locale
        db.add(customer)
    conversation = await find_or_create_chat_conversation(db, customer)

    verified = False
    if session_in.identity_hmac:
        store = await store_service.get_store(db)
        verified = identity_matches(store.identity_secret, email, session_in.identity_hmac)

    assert customer.id is not None and conversation.id is not None
    created = new_chat_session(customer_id=customer.id, conversation_id=conversation.id, email=email, name=name,
                               locale=locale, timezone=timezone, identity_verified=verified)
    db.add(created.session)
    await db.commit()
    return created


def new_chat_session(*, customer_id: int, conversation_id: int, email: str, name: str = '', locale: str = '',
                     timezone: str = '', identity_verified: bool = False) -> CreatedSession:
    """A session row with a fresh token, of which only the hash is stored (the shopper holds the token)."""
    token = new_token()
    chat_session = ChatSession(
        token_hash=hash_token(token), customer_id=customer_id, conversation_id=conversation_id,
        email=email, name=name, locale=locale, timezone=timezone, identity_verified=identity_verified,
        last_seen_at=utcnow(), token_used_at=utcnow(),
    )
    return CreatedSession(token=token, session=chat_session)


def token_hash_of(token: str | None) -> str:
    """The stored hash of a bearer token, after refusing what cannot be one."""
    if not token or len(token) > 200:
        raise Unauthorized(_('A valid session token is required (Authorization: Bearer <session_token>).'))
    return hash_token(token)


def invalid_token() -> Unauthorized:
    return Unauthorized(_('This session token is not valid.'))


def expired_token() -> Unauthorized:
    return Unauthorized(_('This chat has not been used for a long time, so it has ended. Please start a new chat.'),
                        code='session_expired')


def last_use(chat_session: ChatSession) -> datetime:
    return chat_session.token_used_at or chat_session.created_at


def token_expired(used_at: datetime, *, now: datetime, lifetime: timedelta) -> bool:
    return now - used_at > lifetime


def token_use_to_record(used_at: datetime, *, now: datetime, lifetime: timedelta) -> bool:
    """Whether this use moves the stored last use on: once it is an hour old (a tenth of shorter lifetimes)."""
    return now - used_at >= min(TOKEN_USE_PRECISION, lifetime / 10)


async def authenticate(*, db: AsyncSession, token: str | None, lifetime: timedelta) -> ChatSession:
    """The session of a bearer token; Unauthorized (`session_expired`) once it went unused for `lifetime`.
    Each use keeps it valid for `lifetime` more (recorded to the hour, committed here)."""
    chat_session = (await db.exec(select(ChatSession).where(ChatSession.token_hash == token_hash_of(token)))).first()
    if chat_session is None:
        raise invalid_token()
    now = utcnow()
    used_at = last_use(chat_session)
    if token_expired(used_at, now=now, lifetime=lifetime):
        raise expired_token()
    if token_use_to_record(used_at, now=now, lifetime=lifetime):
        chat_session.token_used_at = now
        db.add(chat_session)
        await db.commit()
    return chat_session
