"""What the staff inbox reads: one method per view the UI shows (the list's pages, the thread, the header cart, the
profile panel, a notification's conversation, the assignee picker's and the share dialogs' searches).

The read-side sibling of services/inbox_commands.py: each method opens its own database session and returns read
models, so components never open sessions (tests/test_layers.py keeps it that way). Nothing here writes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.models import Staff
from services import carts, catalog, conversations, customers, messages, orders, sharing
from services import store as store_service
from services.carts import CartView
from services.catalog import ProductView
from services.conversations import ListFilter
from services.customers import CustomerProfile
from services.errors import NotFound
from services.list_reader import ListUpdate
from services.orders import OrderView
from services.runtime import Runtime
from services.sharing import DiscountCodeView
from services.views import ConversationRow, MessageView


@dataclass(frozen=True)
class ListPage:
    """One page of the conversation list with the tabs' counts and the inbox's unread count, read together."""
    rows: list[ConversationRow]
    counts: dict[str, int]
    unread: int


@dataclass(frozen=True)
class ThreadStart:
    """An opened conversation: its row and its newest messages, read together."""
    row: ConversationRow
    messages: list[MessageView]


@dataclass(frozen=True)
class CustomerPanel:
    """What the profile panel shows of one conversation (P1 to P5)."""
    row: ConversationRow
    profile: CustomerProfile
    cart: CartView
    last_order: OrderView | None


class InboxReads:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def row(self, conversation_id: int) -> ConversationRow:
        """The conversation's list row; NotFound when there is no such conversation."""
        async with self.runtime.db.sessions() as db:
            return await conversations.get_row(db=db, conversation_id=conversation_id)

    async def row_if_any(self, conversation_id: int) -> ConversationRow | None:
        try:
            return await self.row(conversation_id)
        except NotFound:
            return None

    async def assignable_staff(self, search: str = '') -> list[Staff]:
        """M2's picker: active staff with the chat permission whose name or e-mail matches."""
        async with self.runtime.db.sessions() as db:
            return list(await conversations.assignable_staff(db=db, search=search))

    async def list_page(self, flt: ListFilter, *, limit: int) -> ListPage:
        async with self.runtime.db.sessions() as db:
            rows = await conversations.list_rows(db=db, limit=limit, flt=flt)
            counts = await conversations.count_by_status(db=db, flt=flt)
            unread = await conversations.count_unread(db=db)
        return ListPage(rows=rows, counts=counts, unread=unread)

    async def rows_before(self, flt: ListFilter, *, before: tuple[datetime, int], limit: int) -> list[ConversationRow]:
        """The next page of the list: the rows older than `before` (the last shown row's time and id)."""
        async with self.runtime.db.sessions() as db:
            return await conversations.list_rows(db=db, limit=limit, flt=flt, before=before)

    async def list_update(self, conversation_ids: list[int], flt: ListFilter) -> ListUpdate:
        """The changed rows and the counts an open list needs after these conversations changed."""
        return await self.runtime.list_reader.read(conversation_ids, flt)

    async def thread_start(self, conversation_id: int, *, limit: int) -> ThreadStart | None:
        """The row and the newest `limit` messages of a conversation being opened; None when there is no such one."""
        async with self.runtime.db.sessions() as db:
            try:
                row = await conversations.get_row(db=db, conversation_id=conversation_id)
            except NotFound:
                return None
            views = await messages.list_thread(db=db, conversation_id=conversation_id, limit=limit)
        return ThreadStart(row=row, messages=views)

    async def thread(self, conversation_id: int, *, limit: int, before: int | None = None) -> list[MessageView]:
        """The newest `limit` messages of the thread (older than message `before` when given), oldest first."""
        async with self.runtime.db.sessions() as db:
            return await messages.list_thread(db=db, conversation_id=conversation_id, before=before, limit=limit)

    async def cart(self, conversation_id: int) -> CartView:
        async with self.runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            return await carts.cart_for_conversation(db=db, conversation_id=conversation_id, currency=store.currency)

    async def customer_panel(self, conversation_id: int) -> CustomerPanel:
        async with self.runtime.db.sessions() as db:
            row = await conversations.get_row(db=db, conversation_id=conversation_id)
            store = await store_service.get_store(db)
            profile = await customers.get_profile(db=db, customer_id=row.customer_id, currency=store.currency)
            cart = await carts.cart_for_conversation(db=db, conversation_id=row.id, currency=store.currency)
            last = await orders.last_order_placed(db=db, customer_id=row.customer_id)
        return CustomerPanel(row=row, profile=profile, cart=cart, last_order=last)

    async def orders_of(self, customer_id: int) -> list[OrderView]:
        async with self.runtime.db.sessions() as db:
            return await orders.orders_of(db=db, customer_id=customer_id)

    async def shareable_products(self, search: str, *, limit: int = 40) -> list[ProductView]:
        """S1's picker: products on the online store matching the search, in the store's currency."""
        async with self.runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            return await catalog.search_online_products(
                db=db, currency=store.currency, q=search, limit=limit,
                product_url_base=catalog.product_url_base(self.runtime.config.public_url))

    async def discount_codes(self, search: str) -> list[DiscountCodeView]:
        """S2's picker: every code matching the search, with its status (only usable ones can be shared)."""
        async with self.runtime.db.sessions() as db:
            return await sharing.list_discount_codes(db=db, search=search)
