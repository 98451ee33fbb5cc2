"""Every table of the product.

Money is kept in integer minor units (`*_cents`) so it is exact on every database; services turn it
into `Decimal`. Times are UTC (`UTCDateTime`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.states import Channel, ConversationStatus, MessageKind, OrderStatus, OutboxStatus
from db.types import Id, UTCDateTime, utcnow


class Store(SQLModel, table=True):
    """The one store this installation serves (row id 1)."""
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    name: str = Field(max_length=200)
    currency: str = Field(default='EUR', max_length=3)
    storefront_url: str = Field(default='', max_length=500)
    identity_secret: str = Field(max_length=128)
    time_zone: str = Field(default='UTC', max_length=64)  # IANA name; hours, reports and dates are in this zone
    widget_color: str = Field(default='#2563eb', max_length=7)  # U2: the launcher's colour (#rrggbb)
    widget_position: str = Field(default='right', max_length=5)  # left | right
    allowed_domains: str = Field(default='', max_length=5000)  # hostnames, space-separated; '' = any site
    # G3: erase message texts of conversations closed more than this many days ago; None: off
    retention_days: int | None = Field(default=None, nullable=True)
    audit_retention_days: int = 365  # G4: audit events older than this are pruned daily
    daily_jobs_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)  # the last daily run


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=500)
    is_owner: bool = False
    permissions: str = Field(default='', max_length=500)  # words of services/permissions.Permission
    active: bool = True
    language: str = Field(default='', max_length=10)  # '' until chosen; the first sign-in takes the browser's
    notify_scope: str = Field(default='all', max_length=20)  # all | assigned
    notify_sound: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # U1: an invitation's token is shown once; only its SHA-256 is kept, '' when none is open
    invitation_hash: str = Field(default='', max_length=64, index=True)
    invitation_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    session_epoch: int = 0  # raised to sign every browser of this member out (pages/staff_auth.py compares it)


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(default='', max_length=200)
    phone: str = Field(default='', max_length=50)
    city: str = Field(default='', max_length=100)
    country: str = Field(default='', max_length=100)
    timezone: str = Field(default='', max_length=64)
    locale: str = Field(default='', max_length=20)
    accepts_email_marketing: bool = False
    accepts_sms_marketing: bool = False
    note: str = Field(default='', sa_column=Column(Text, nullable=False, server_default=''))
    note_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    note_updated_by_id: int | None = Field(default=None, foreign_key='staff.id', sa_type=Id, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # R4: set while staff have blocked this sender (their chats, messages and e-mails are refused, nothing stored)
    blocked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True, index=True)
    blocked_by_id: int | None = Field(default=None, foreign_key='staff.id', sa_type=Id, nullable=True)


class Conversation(SQLModel, table=True):
    __table_args__ = (
        Index('ix_conversation_status_last', 'status', 'last_message_at'),
        Index('ix_conversation_assignee_status', 'assignee_id', 'status'),
        Index('ix_conversation_unread_status', 'unread', 'status'),
        Index('ix_conversation_started_at', 'started_at'),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    customer_id: int = Field(foreign_key='customer.id', sa_type=Id, index=True)
    channel: str = Field(default=Channel.CHAT, max_length=20)
    status: str = Field(default=ConversationStatus.OPEN, max_length=20)
    assignee_id: int | None = Field(default=None, foreign_key='staff.id', sa_type=Id, nullable=True)
    unread: bool = False
    customer_online: bool = False
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_message_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)  # the latest close (K1)
    texts_erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)  # G1, G3 erased them
    last_message_preview: str = Field(default='', max_length=200)
    last_message_author: str = Field(default='', max_length=20)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))


class ReplyAddress(SQLModel, table=True):
    """One reply+<token>@ address, made for one e-mail to the shopper; only the token's hash is kept
    (services/mail/reply_addresses.py)."""
    __tablename__ = 'reply_address'
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key='conversation.id', index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChatSession(SQLModel, table=True):
    __tablename__ = 'chat_session'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    customer_id: int = Field(foreign_key='customer.id', sa_type=Id, index=True)
    conversation_id: int = Field(foreign_key='conversation.id', sa_type=Id, index=True)
    email: str = Field(max_length=320)
    name: str = Field(default='', max_length=200)
    locale: str = Field(default='', max_length=20)
    timezone: str = Field(default='', max_length=64)
    identity_verified: bool = False
    online: bool = False
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True, index=True)
    discount_code: str | None = Field(default=None, max_length=100, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    verify_code_hash: str | None = Field(default=None, max_length=64, nullable=True)
    """The hash of the e-mailed code that verifies this session (V1); None when none is pending."""
    verify_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    verify_failures: int = 0
    token_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    """When the token was last used (to the hour); a token unused for INBOX_SHOPPER_TOKEN_DAYS is refused."""


class Message(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint('session_id', 'client_msg_id', name='uq_message_session_client_msg'),
        Index('ix_message_conversation_id_id', 'conversation_id', 'id'),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    conversation_id: int = Field(foreign_key='conversation.id', sa_type=Id)
    session_id: int | None = Field(default=None, foreign_key='chat_session.id', sa_type=Id, nullable=True)
    author: str = Field(max_length=20)  # db.states.Author
    staff_id: int | None = Field(default=None, foreign_key='staff.id', sa_type=Id, nullable=True)
    kind: str = Field(default=MessageKind.TEXT, max_length=20)
    body: str = Field(default='', sa_column=Column(Text, nullable=False, server_default=''))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    client_msg_id: str | None = Field(default=None, max_length=64, nullable=True)
    topic: str | None = Field(default=None, max_length=40, nullable=True)
    topic_confidence: float | None = Field(default=None, nullable=True)
    delivery: str | None = Field(default=None, max_length=20, nullable=True)  # db.states.Delivery
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Product(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    handle: str = Field(max_length=255, unique=True, index=True)
    title: str = Field(max_length=255, index=True)
    body_html: str = Field(default='', sa_column=Column(Text, nullable=False, server_default=''))
    vendor: str = Field(default='', max_length=255)
    product_type: str = Field(default='', max_length=255)
    tags: str = Field(default='', max_length=1000)
    image_url: str = Field(default='', max_length=1000)
    online_store: bool = True
    status: str = Field(default='active', max_length=20)  # active | draft | archived
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Variant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    product_id: int = Field(foreign_key='product.id', sa_type=Id, index=True)
    title: str = Field(default='Default Title', max_length=255)
    sku: str = Field(default='', max_length=255, index=True)
    price_cents: int = 0
    inventory: int = 0
    position: int = 1


class DiscountCode(SQLModel, table=True):
    __tablename__ = 'discount_code'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    code: str = Field(max_length=100, unique=True, index=True)
    kind: str = Field(default='percentage', max_length=20)  # percentage | fixed
    value_cents: int = 0  # fixed: minor units off; percentage: hundredths of a percent (1000 = 10 %)
    starts_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    usage_limit: int | None = Field(default=None, nullable=True)
    times_used: int = 0
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Cart(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    session_id: int = Field(foreign_key='chat_session.id', sa_type=Id, unique=True, index=True)
    customer_id: int = Field(foreign_key='customer.id', sa_type=Id, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CartItem(SQLModel, table=True):
    __tablename__ = 'cart_item'
    __table_args__ = (UniqueConstraint('cart_id', 'variant_id', name='uq_cart_item_variant'),)
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    cart_id: int = Field(foreign_key='cart.id', sa_type=Id, index=True)
    variant_id: int = Field(foreign_key='variant.id', sa_type=Id)
    quantity: int = 1


class Order(SQLModel, table=True):
    __tablename__ = 'store_order'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    number: int = Field(unique=True, index=True)
    customer_id: int = Field(foreign_key='customer.id', sa_type=Id, index=True)
    session_id: int | None = Field(default=None, foreign_key='chat_session.id', sa_type=Id, nullable=True)
    status: str = Field(default=OrderStatus.OPEN, max_length=20)
    currency: str = Field(default='EUR', max_length=3)
    subtotal_cents: int = 0
    discount_code: str | None = Field(default=None, max_length=100, nullable=True)
    discount_cents: int = 0
    total_cents: int = 0
    placed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class OrderLine(SQLModel, table=True):
    __tablename__ = 'order_line'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    order_id: int = Field(foreign_key='store_order.id', sa_type=Id, index=True)
    variant_id: int | None = Field(default=None, foreign_key='variant.id', sa_type=Id, nullable=True)
    product_title: str = Field(max_length=255)
    variant_title: str = Field(default='', max_length=255)
    quantity: int = 1
    unit_price_cents: int = 0
    line_total_cents: int = 0


class EmailOutbox(SQLModel, table=True):
    __tablename__ = 'email_outbox'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    message_id: int = Field(foreign_key='message.id', sa_type=Id, unique=True)
    conversation_id: int = Field(foreign_key='conversation.id', sa_type=Id, index=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    message_id_header: str = Field(max_length=300)
    status: str = Field(default=OutboxStatus.PENDING, max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str = Field(default='', max_length=1000)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TopicCorrection(SQLModel, table=True):
    """A staff correction of a topic (T: corrections), kept with the text so the next training uses it."""
    __tablename__ = 'topic_correction'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    conversation_id: int = Field(foreign_key='conversation.id', sa_type=Id, index=True)
    message_id: int | None = Field(default=None, foreign_key='message.id', sa_type=Id, nullable=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topic: str | None = Field(default=None, max_length=40, nullable=True)  # the right topic; None: removal only
    removed_topic: str | None = Field(default=None, max_length=40, nullable=True)
    staff_id: int | None = Field(default=None, foreign_key='staff.id', sa_type=Id, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignInAttempt(SQLModel, table=True):
    """One staff sign-in attempt, counted before its password is checked (services/sign_in_limits.py). In the
    database, so every process of a shop counts the same attempts (X1); rows older than the window are pruned."""
    __tablename__ = 'sign_in_attempt'
    __table_args__ = (Index('ix_sign_in_attempt_email_at', 'email', 'at'),
                      Index('ix_sign_in_attempt_address_at', 'address', 'at'))
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    email: str = Field(max_length=320)  # as typed, lower-cased: also addresses no staff member has
    address: str = Field(max_length=64)  # the client's IP address
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    forgiven: bool = False  # a later success for this e-mail: no longer counted against it, still against the address


class SavedReply(SQLModel, table=True):
    """A saved reply (R1), shared by the team: picked by its shortcut or title, with one text per language."""
    __tablename__ = 'saved_reply'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    shortcut: str = Field(max_length=40, unique=True, index=True)
    title: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SavedReplyText(SQLModel, table=True):
    """A saved reply's text in one language (services/i18n.SUPPORTED_LANGUAGES), placeholders unfilled."""
    __tablename__ = 'saved_reply_text'
    __table_args__ = (UniqueConstraint('reply_id', 'language', name='uq_saved_reply_text_language'),)
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    reply_id: int = Field(foreign_key='saved_reply.id', sa_type=Id, index=True)
    language: str = Field(max_length=10)
    body: str = Field(default='', sa_column=Column(Text, nullable=False, server_default=''))


class AuditEvent(SQLModel, table=True):
    """One audited action (G4, services/audit.py): who, what, on what, from where. `detail` names what changed
    (field names, old and new values of settings), never passwords, secrets or message texts."""
    __tablename__ = 'audit_event'
    __table_args__ = (Index('ix_audit_event_action_at', 'action', 'at'),
                      Index('ix_audit_event_actor_at', 'actor_staff_id', 'at'))
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_staff_id: int | None = Field(default=None, foreign_key='staff.id', sa_type=Id, nullable=True)
    actor_label: str = Field(default='', max_length=320)  # the member's e-mail, the e-mail typed, or 'cli'
    action: str = Field(max_length=40)  # services/audit.Action
    target: str = Field(default='', max_length=300)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    address: str = Field(default='', max_length=64)
