"""The values a status column may hold, one enum per column. Members are `str`, so they are stored, compared and
sent as the plain strings they stand for ('open', 'email_pending', ...)."""
from __future__ import annotations

from enum import StrEnum


class ConversationStatus(StrEnum):
    OPEN = 'open'
    CLOSED = 'closed'


class Channel(StrEnum):
    CHAT = 'chat'
    EMAIL = 'email'


class Author(StrEnum):
    CUSTOMER = 'customer'
    STAFF = 'staff'
    SYSTEM = 'system'


class MessageKind(StrEnum):
    TEXT = 'text'
    PRODUCTS = 'products'
    DISCOUNT = 'discount'
    IMAGE = 'image'
    CART_EVENT = 'cart_event'
    EVENT = 'event'
    SURVEY = 'survey'
    """K2: asks the shopper for a rating after a close (author system; shown to the shopper)."""
    RATING = 'rating'
    """K2: the shopper's rating, a line in the staff thread (author system; never shown to the shopper)."""
    NOTE = 'note'
    """R2: an internal note written by staff in the thread; never shown, pushed or mailed to the shopper."""
    AUTO = 'auto'
    """Written by the store itself (author system), shown to the shopper: an instant answer (A2)."""


class Delivery(StrEnum):
    """How a staff message reached the shopper (or is on its way)."""
    CHAT = 'chat'
    EMAIL_PENDING = 'email_pending'
    EMAILED = 'emailed'
    EMAIL_FAILED = 'email_failed'
    EMAIL_GIVEN_UP = 'email_given_up'
    EMAIL_SAVED = 'email_saved'
    """Written to a .eml file because no mail server is configured."""


class OutboxStatus(StrEnum):
    PENDING = 'pending'
    SENT = 'sent'
    FAILED = 'failed'
    GIVEN_UP = 'given_up'


class OrderStatus(StrEnum):
    OPEN = 'open'
    PAID = 'paid'
    FULFILLED = 'fulfilled'
    CANCELLED = 'cancelled'


class WebhookStatus(StrEnum):
    PENDING = 'pending'
    DELIVERED = 'delivered'
    FAILED = 'failed'
    """Tried and refused (or unreachable); tried again after its backoff."""
    GIVEN_UP = 'given_up'
    """Refused for 24 hours: not tried again."""
