"""Every table of the product.

Money is kept in integer minor units (`*_cents`) so it is exact on every database; services turn it
into `Decimal`. Times are UTC (`UTCDateTime`).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.states import Channel, ConversationStatus, MessageKind, OrderStatus, OutboxStatus, WebhookStatus
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
        # K1 (services/reports.py): every figure of a period read from this index alone, without the rows
        Index('ix_conversation_report', 'started_at', 'staff_replied', 'first_response_seconds', 'first_responder_id',
              'close_seconds', 'status', 'channel'),
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
    # K1's figures, kept with the conversation as its messages are written (services/report_columns.py), so that
    # Reports count conversation rows and never read their messages (migration 0024)
    first_customer_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    staff_replied: bool = False
    first_response_seconds: float | None = Field(default=None, nullable=True)
    """From the shopper's first message to the first staff message after it."""
    first_responder_id: int | None = Field(default=None, sa_type=Id, nullable=True)
    close_seconds: float | None = Field(default=None, nullable=True)
    """From the start to the latest close."""


class ConversationStaff(SQLModel, table=True):
    """K1's per-staff figures: how many messages each staff member sent in a conversation (services/report_columns.py
    counts them as they are written), so Reports never read the period's messages."""
    __tablename__ = 'conversation_staff'
    conversation_id: int = Field(foreign_key='conversation.id', sa_type=Id, primary_key=True)
    staff_id: int = Field(foreign_key='staff.id', sa_type=Id, primary_key=True)
    replies: int = 0


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


class ApiToken(SQLModel, table=True):
    """A staff member's personal API token (W2): shown once when made, kept only as its SHA-256."""
    __tablename__ = 'api_token'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    staff_id: int = Field(foreign_key='staff.id', sa_type=Id, index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class RatingSurvey(SQLModel, table=True):
    """K2: one close that asked the shopper for a rating, in the chat (`channel` chat) or by a signed link in an
    e-mail (email). The conversation waits for a rating while its newest survey is unanswered, unexpired and the
    conversation is still closed (services/ratings.py); each survey is answered at most once."""
    __tablename__ = 'rating_survey'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    conversation_id: int = Field(foreign_key='conversation.id', sa_type=Id, index=True)
    message_id: int = Field(foreign_key='message.id', sa_type=Id, unique=True)  # the survey message (kind survey)
    session_id: int | None = Field(default=None, foreign_key='chat_session.id', sa_type=Id, nullable=True)
    channel: str = Field(default=Channel.CHAT, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class Rating(SQLModel, table=True):
    """K2: the shopper's answer to one survey: 1 to 5 and an optional comment (erased with the customer, G1)."""
    __table_args__ = (CheckConstraint('rating BETWEEN 1 AND 5', name='ck_rating_range'),)
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    survey_id: int = Field(foreign_key='rating_survey.id', sa_type=Id, unique=True)
    conversation_id: int = Field(foreign_key='conversation.id', sa_type=Id, index=True)
    rating: int
    comment: str = Field(default='', sa_column=Column(Text, nullable=False, server_default=''))
    channel: str = Field(default=Channel.CHAT, max_length=20)  # where it was answered: chat | email (the link)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookEndpoint(SQLModel, table=True):
    """An address the shop's events are POSTed to (W1, services/webhooks.py). The secret signs every delivery, so it
    is kept as it is (not hashed); it is shown once when the endpoint is made and never logged."""
    __tablename__ = 'webhook_endpoint'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=100)
    events: str = Field(default='', max_length=500)  # event types, space-separated (services/webhooks.EVENT_TYPES)
    active: bool = True
    allow_private: bool = False  # may resolve to the shop's own network (loopback, private, link-local addresses)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint, written with the event's data and sent by services/webhook_sender.py."""
    __tablename__ = 'webhook_delivery'
    __table_args__ = (Index('ix_webhook_delivery_status_next', 'status', 'next_attempt_at'),)
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    # No foreign key on purpose: an event's rows are written inside a shopper's checkout or a staff action, which
    # must not fail because the endpoint was removed a moment before; rows of a removed endpoint are never sent.
    endpoint_id: int = Field(sa_type=Id, index=True)
    event_id: str = Field(max_length=40, index=True)  # evt_...: the same for every endpoint of one event
    conversation_id: int | None = Field(default=None, sa_type=Id, nullable=True, index=True)
    """The conversation the event is about (None for a ping): erasing a customer (G1) deletes its rows."""
    type: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    status: str = Field(default=WebhookStatus.PENDING, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None, nullable=True)
    last_error: str = Field(default='', max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class NoteMention(SQLModel, table=True):
    """R2: a staff member named with `@` in an internal note (a message of kind `note`); `seen_at` is set when they
    open the conversation."""
    __tablename__ = 'note_mention'
    __table_args__ = (UniqueConstraint('message_id', 'staff_id', name='uq_note_mention_message_staff'),
                      Index('ix_note_mention_staff_seen', 'staff_id', 'seen_at'))
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    message_id: int = Field(foreign_key='message.id', sa_type=Id, index=True)
    staff_id: int = Field(foreign_key='staff.id', sa_type=Id)
    seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class AvailabilitySetting(SQLModel, table=True):
    """Chat availability (A1): the one row (id 1) of choices that are not hours; made when first saved."""
    __tablename__ = 'availability_setting'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    reply_time: str = Field(default='hours', max_length=10)  # services/availability.REPLY_TIMES
    away_when_nobody: bool = False  # away while no staff member with the chat permission has a staff page open
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AvailabilityRange(SQLModel, table=True):
    """One range of working hours on a weekday (0 Monday .. 6 Sunday), minutes from local midnight, end 1440 = 24:00."""
    __tablename__ = 'availability_range'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    weekday: int = Field(index=True)
    start_minute: int
    end_minute: int


class AvailabilityHoliday(SQLModel, table=True):
    """A day (in the store's time zone) the chat is away all day, whatever the weekday's hours say."""
    __tablename__ = 'availability_holiday'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    day: date = Field(unique=True, index=True)
    label: str = Field(default='', max_length=100)


class AvailabilityText(SQLModel, table=True):
    """The greeting and the away message in one language (services/i18n.SUPPORTED_LANGUAGES)."""
    __tablename__ = 'availability_text'
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    language: str = Field(max_length=10, unique=True, index=True)
    greeting: str = Field(default='', sa_column=Column(Text, nullable=False, server_default=''))
    away_message: str = Field(default='', sa_column=Column(Text, nullable=False, server_default=''))


class AwayNotice(SQLModel, table=True):
    """The away message posted in a conversation for one closed period (A1): unique, so it is posted once."""
    __tablename__ = 'away_notice'
    __table_args__ = (UniqueConstraint('conversation_id', 'period', name='uq_away_notice_period'),)
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    conversation_id: int = Field(foreign_key='conversation.id', sa_type=Id, index=True)
    period: str = Field(max_length=60)  # services/away_notices.py: which closed period this was
    message_id: int | None = Field(default=None, foreign_key='message.id', sa_type=Id, nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffSeen(SQLModel, table=True):
    """When a staff member last had a staff page open (services/presence.py), for "away when nobody is signed in"."""
    __tablename__ = 'staff_seen'
    staff_id: int = Field(primary_key=True, foreign_key='staff.id', sa_type=Id)
    seen_at: datetime = Field(sa_type=UTCDateTime)


class InstantAnswer(SQLModel, table=True):
    """An instant answer (A2): a common question and its answer in one language, offered in the widget in
    `position` order (up to services/instant_answers.MAX_PER_LANGUAGE per language)."""
    __tablename__ = 'instant_answer'
    __table_args__ = (Index('ix_instant_answer_language_position', 'language', 'position'),)
    id: int | None = Field(default=None, primary_key=True, sa_type=Id)
    language: str = Field(max_length=10)
    position: int = 0
    question: str = Field(max_length=200)
    answer: str = Field(default='', sa_column=Column(Text, nullable=False, server_default=''))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


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
