"""What the staff API (W2, pages/api/admin.py) reads and runs, for the staff member a personal token acts as.

Reads check the inbox permission here, as the inbox's own pages do before they read; the K1 summary is
`reports.build_report` (it checks the see-reports permission). Changes go through the inbox's own command layer
(`InboxCommands`: the same services, permission checks, commits and events as a click in the inbox), so a reply
posted here reaches the shopper exactly as one sent from the inbox.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from db.models import Conversation, Message, Staff
from db.states import ConversationStatus
from services import carts, conversations, customers, orders, reports
from services import store as store_service
from services.carts import CartView
from services.conversations import ListFilter
from services.customers import CustomerProfile
from services.errors import Invalid, NotFound
from services.i18n import _
from services.inbox_commands import InboxCommands, acting
from services.messages import to_view
from services.note_commands import NoteCommands
from services.orders import OrderView
from services.permissions import Permission, require
from services.reports import Report
from services.runtime import Runtime
from services.share_commands import ShareCommands
from services.views import ConversationRow, MessageView

MAX_PAGE = 100
MAX_CURSOR = 100
MAX_ID = 2**63 - 1
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)


@dataclass(frozen=True)
class ConversationPage:
    rows: list[ConversationRow]
    next: str | None
    """The cursor of the next (older) page; None on the last page."""


@dataclass(frozen=True)
class CustomerDetail:
    profile: CustomerProfile
    cart: CartView
    orders: list[OrderView]


def encode_cursor(row: ConversationRow) -> str:
    raw = f'{row.last_message_at.isoformat()}|{row.id}'.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """A `next` cursor back into the (last_message_at, id) the list continues after; Invalid (422) when it is not
    one this server made."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError(cursor)
        moment, _sep, conversation_id = base64.urlsafe_b64decode(cursor + '=' * (-len(cursor) % 4)).decode().partition(
            '|')
        parsed, last_id = datetime.fromisoformat(moment), int(conversation_id)
        if parsed.tzinfo is None or not 0 < last_id <= MAX_ID:
            raise ValueError(moment)
        return parsed, last_id
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise Invalid(_('This is not a cursor of this list; start again without "before".'),
                      code='invalid_cursor') from None


def list_filter(*, staff_id: int, status: str, assignee: str | None, topic: str | None, q: str) -> ListFilter:
    """The inbox list's filter for API parameters: assignee is a staff id, "me" or "none"."""
    if assignee is None:
        view, whose = 'all', None
    elif assignee == 'me':
        view, whose = 'mine', staff_id
    elif assignee == 'none':
        view, whose = 'unassigned', None
    elif assignee.isdecimal() and len(assignee) <= 18:
        view, whose = 'mine', int(assignee)
    else:
        raise Invalid(_('assignee is a staff id, "me" or "none".'), code='invalid_assignee')
    return ListFilter(status=status, view=view, staff_id=whose, topic=topic or None, search=q)


class StaffApi:
    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id
        self.commands = InboxCommands(runtime, staff_id=staff_id)

    async def conversations(self, *, status: str = ConversationStatus.OPEN, assignee: str | None = None,
                            topic: str | None = None, q: str = '', before: str | None = None,
                            limit: int = 50) -> ConversationPage:
        """One page of the inbox list, newest first, and the cursor of the next one."""
        limit = max(1, min(limit, MAX_PAGE))
        flt = list_filter(staff_id=self.staff_id, status=status, assignee=assignee, topic=topic, q=q)
        after = decode_cursor(before) if before else None
        async with acting(self.runtime, self.staff_id) as (db, actor):
            require(actor, Permission.REPLY)
            rows = await conversations.list_rows(db=db, flt=flt, before=after, limit=limit + 1)
        page = rows[:limit]
        return ConversationPage(rows=page, next=encode_cursor(page[-1]) if len(rows) > limit else None)

    async def conversation(self, conversation_id: int) -> ConversationRow:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            require(actor, Permission.REPLY)
            return await conversations.get_row(db=db, conversation_id=conversation_id)

    async def messages(self, conversation_id: int, *, after: int = 0, limit: int = 100) -> list[MessageView]:
        """Every message of the conversation after message `after`, oldest first: every kind, internal ones too."""
        async with acting(self.runtime, self.staff_id) as (db, actor):
            require(actor, Permission.REPLY)
            if await db.get(Conversation, conversation_id) is None:
                raise NotFound(_('No such conversation.'))
            rows = (await db.exec(
                select(Message, Staff.name).join(Staff, col(Message.staff_id) == Staff.id, isouter=True)
                .where(Message.conversation_id == conversation_id, col(Message.id) > after)
                .order_by(col(Message.id)).limit(max(1, min(limit, 500))))).all()
        return [to_view(message, name or '') for message, name in rows]

    async def customer(self, customer_id: int) -> CustomerDetail:
        """What the profile panel shows: the profile, the customer's current cart and their orders."""
        async with acting(self.runtime, self.staff_id) as (db, actor):
            require(actor, Permission.REPLY)
            store = await store_service.get_store(db)
            profile = await customers.get_profile(db=db, customer_id=customer_id, currency=store.currency)
            cart = await carts.cart_for_customer(db=db, customer_id=customer_id, currency=store.currency)
            placed = await orders.orders_of(db=db, customer_id=customer_id)
        return CustomerDetail(profile=profile, cart=cart, orders=placed)

    async def report(self, *, first: date, last: date) -> Report:
        """K1 for the days first to last (inclusive) in the store's time zone, beside the period before."""
        if not (EARLIEST <= first and last <= LATEST):  # the period before and the day after stay real dates
            raise Invalid(_('Report days are between {first} and {last}.', first=EARLIEST.isoformat(),
                            last=LATEST.isoformat()), code='invalid_range')
        async with acting(self.runtime, self.staff_id) as (db, actor):
            store = await store_service.get_store(db)
            period = reports.period_for(reports.RangeName.CUSTOM, zone=store.time_zone, first=first, last=last)
            return await reports.build_report(db=db, staff=actor, period=period)

    async def reply(self, conversation_id: int, body: str) -> MessageView:
        return await self.commands.send_reply(conversation_id, body)

    async def note(self, conversation_id: int, body: str) -> MessageView:
        """An internal note (R2), with its mentions, exactly as from the thread's Note mode."""
        return await NoteCommands(self.runtime, staff_id=self.staff_id).add_note(conversation_id, body)

    async def share_products(self, conversation_id: int, *, product_ids: list[int], text: str) -> MessageView:
        """S1 as from the composer's product picker: needs the share-products permission."""
        return await ShareCommands(self.runtime, staff_id=self.staff_id).share_products(
            conversation_id, product_ids=product_ids, text=text)

    async def share_discount(self, conversation_id: int, *, code: str, text: str) -> MessageView:
        """S2 by the code's text: needs the share-discount-codes permission; only a usable code is sent."""
        return await ShareCommands(self.runtime, staff_id=self.staff_id).share_discount_by_code(
            conversation_id, code=code, text=text)

    async def set_status(self, conversation_id: int, status: str) -> ConversationRow:
        async with acting(self.runtime, self.staff_id) as (db, actor):
            await conversations.set_status(db=db, bus=self.runtime.bus, staff=actor, conversation_id=conversation_id,
                                           status=status)
        return await self.conversation(conversation_id)

    async def assign(self, conversation_id: int, assignee_id: int | None) -> ConversationRow:
        await self.commands.assign(conversation_id, assignee_id)
        return await self.conversation(conversation_id)
