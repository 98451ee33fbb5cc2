"""The staff API (W2, API.md "Staff API"): `/api/v1/admin/...` with a personal token (services/api_tokens.py).

A route reads the request and calls services/staff_api.py; permissions are checked there, by the same services the
inbox uses. Their refusals keep API.md's codes: `forbidden` (403) for a missing permission, 422 for an assignee
without the chat permission.
"""
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pages.api.deps import MAX_ID, client_address
from pages.api.storefront import CartOut
from services import api_tokens
from services.errors import Invalid, PermissionDenied, ServiceError, Unauthorized
from services.i18n import _
from services.messages import storable
from services.money import cents_text
from services.reports import CountRow, Figures, Period, Report, StaffRow
from services.runtime import Runtime
from services.staff_api import CustomerDetail, StaffApi
from services.tokens import hash_token
from services.views import ConversationRow, MessageView


class Forbidden(ServiceError):
    status = 403
    code = 'forbidden'


class AdminRoute(APIRoute):
    """Translates the services' permission refusals into API.md's staff API codes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except PermissionDenied as refused:
                if refused.code == 'assignee_without_permission':
                    raise Invalid(refused.message, code=refused.code) from None
                raise Forbidden(refused.message) from None
        return route


BEARER = HTTPBearer(auto_error=False, scheme_name='personal_api_token',
                    description='A personal API token (`inbox_pat_...`), made on the Account page or with '
                                '`inbox api-token create`.')
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {'description': 'Missing, unknown or revoked token, or its staff member was deactivated: '
                         '{"error": {"code": "unauthorized"}}'},
    403: {'description': 'The token\'s staff member lacks the permission: {"error": {"code": "forbidden"}}'},
    422: {'description': 'Invalid input: {"error": {"code", "message"}}'},
    429: {'description': 'More than 300 requests a minute with this token; see Retry-After'},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {'description': 'No such conversation: {"error": '
                                                                   '{"code": "not_found"}}'}}


def _storable(text: str) -> str:
    """services.messages.storable as a pydantic validator (a refusal is the API's 422)."""
    try:
        return storable(text)
    except Invalid:
        raise ValueError('the text is not valid Unicode (a lone surrogate)') from None


StorableText = Annotated[str, AfterValidator(_storable)]
ConversationId = Annotated[int, Path(ge=1, le=MAX_ID, description='The conversation\'s id', examples=[1])]


class CustomerRefOut(BaseModel):
    id: int
    name: str
    email: str


class StaffRefOut(BaseModel):
    id: int
    name: str


class ConversationOut(BaseModel):
    id: int
    status: Literal['open', 'closed']
    channel: str = Field(description='`chat` or `email`')
    unread: bool
    customer_online: bool
    customer: CustomerRefOut
    assignee: StaffRefOut | None
    topics: list[str] = Field(description='Up to two topic keys, newest first')
    preview: str = Field(description='The latest message, shortened')
    preview_author: str
    last_message_at: datetime
    started_at: datetime
    model_config = ConfigDict(json_schema_extra={'examples': [{
        'id': 12, 'status': 'open', 'channel': 'chat', 'unread': True, 'customer_online': True,
        'customer': {'id': 7, 'name': 'Sara Lind', 'email': 'sara@example.com'},
        'assignee': {'id': 2, 'name': 'Ana Berg'}, 'topics': ['shipping'], 'preview': 'Where is my parcel?',
        'preview_author': 'customer', 'last_message_at': '2026-12-04T09:15:00+00:00',
        'started_at': '2026-12-04T09:14:10+00:00'}]})


class ConversationsOut(BaseModel):
    conversations: list[ConversationOut]
    next: str | None = Field(description='Pass as `before` for the next (older) page; null on the last page')


class AdminMessageOut(BaseModel):
    id: int
    conversation_id: int
    author: str = Field(description='`customer`, `staff` or `system`')
    author_name: str | None = Field(description='The staff member who wrote it')
    kind: str = Field(description='`text`, `products`, `discount`, `image`, `cart_event`, `event` and any kind a '
                                  'newer version adds (internal notes included)')
    body: str
    payload: dict[str, Any] = Field(description='The kind\'s data: product cards, the code, the image url, ...')
    created_at: datetime
    delivery: str | None = Field(description='How a staff message reaches the shopper (C1): `chat`, '
                                             '`email_pending`, `emailed`, `email_failed`, `email_given_up`, '
                                             '`email_saved`')
    topic: str | None
    model_config = ConfigDict(json_schema_extra={'examples': [{
        'id': 81, 'conversation_id': 12, 'author': 'staff', 'author_name': 'Ana Berg', 'kind': 'text',
        'body': 'It left our warehouse this morning.', 'payload': {}, 'created_at': '2026-12-04T09:16:00+00:00',
        'delivery': 'chat', 'topic': None}]})


class AdminMessagesOut(BaseModel):
    messages: list[AdminMessageOut]


class ReplyIn(BaseModel):
    body: StorableText = Field(description='1 to 5000 characters after trimming')
    note: bool = Field(default=False, description='An internal note instead of a reply (R2): only staff see it, '
                                                  '`@first.last` mentions notify colleagues; never sent to the shopper')
    model_config = ConfigDict(json_schema_extra={'examples': [{'body': 'It left our warehouse this morning.'}]})


class ProductsIn(BaseModel):
    product_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=10, description='1 to 3 different products of the online store, in card order')
    text: StorableText = Field(default='', max_length=5000, description='Optional text above the cards')
    model_config = ConfigDict(json_schema_extra={'examples': [{'product_ids': [4, 9], 'text': 'These two fit.'}]})


class DiscountIn(BaseModel):
    code: StorableText = Field(min_length=1, max_length=100, description='The code as the shopper types it '
                                                                         '(case does not matter)')
    text: StorableText = Field(default='', max_length=5000, description='Optional text with the code')
    model_config = ConfigDict(json_schema_extra={'examples': [{'code': 'WELCOME10', 'text': 'For your first order'}]})


class StatusIn(BaseModel):
    status: Literal['open', 'closed']
    model_config = ConfigDict(json_schema_extra={'examples': [{'status': 'closed'}]})


class AssigneeIn(BaseModel):
    staff_id: int | None = Field(ge=1, le=MAX_ID, description='A staff member with the chat permission, or null to '
                                                              'unassign')
    model_config = ConfigDict(json_schema_extra={'examples': [{'staff_id': 2}, {'staff_id': None}]})


class ProfileOut(BaseModel):
    id: int
    name: str
    email: str
    phone: str
    city: str
    country: str
    timezone: str
    customer_since: datetime
    returning: bool
    order_count: int
    lifetime_spend: str
    currency: str
    accepts_email_marketing: bool
    accepts_sms_marketing: bool
    note: str = Field(description='The internal note (P2)')
    erased: bool


class OrderLineOut(BaseModel):
    product_title: str
    variant_title: str
    quantity: int
    unit_price: str
    line_total: str


class OrderOut(BaseModel):
    id: int
    number: int
    status: str
    placed_at: datetime
    currency: str
    subtotal: str
    discount_code: str | None
    discount: str
    total: str
    lines: list[OrderLineOut]


class CustomerOut(BaseModel):
    profile: ProfileOut
    cart: CartOut
    orders: list[OrderOut] = Field(description='Newest first')


class PeriodOut(BaseModel):
    first_day: date
    last_day: date
    zone: str


class FiguresOut(BaseModel):
    new_conversations: int
    replied_conversations: int
    first_response_median_seconds: float | None
    first_response_p90_seconds: float | None
    time_to_close_median_seconds: float | None
    followed_by_order: int
    order_revenue: str = Field(description='Revenue of the orders that followed, in the store\'s currency')


class StaffFiguresOut(BaseModel):
    staff_id: int
    name: str
    conversations_replied: int
    replies: int
    first_responses: int
    first_response_median_seconds: float | None


class CountOut(BaseModel):
    key: str
    conversations: int
    replied: int


class SummaryOut(BaseModel):
    period: PeriodOut
    previous_period: PeriodOut
    current: FiguresOut
    previous: FiguresOut
    by_staff: list[StaffFiguresOut]
    by_topic: list[CountOut]
    by_channel: list[CountOut]
    heat_map: list[list[int]] = Field(description='Conversations started by [weekday, 0 = Monday][hour 0 to 23] in '
                                                  'the store\'s time zone')


def conversation_out(row: ConversationRow) -> ConversationOut:
    return ConversationOut(
        id=row.id, status='closed' if row.status == 'closed' else 'open', channel=row.channel, unread=row.unread,
        customer_online=row.online,
        customer=CustomerRefOut(id=row.customer_id, name=row.shown_name, email=row.customer_email),
        assignee=StaffRefOut(id=row.assignee_id, name=row.assignee_name) if row.assignee_id is not None else None,
        topics=row.topics, preview=row.preview, preview_author=row.preview_author,
        last_message_at=row.last_message_at, started_at=row.started_at)


def message_out(view: MessageView) -> AdminMessageOut:
    return AdminMessageOut(id=view.id, conversation_id=view.conversation_id, author=view.author,
                           author_name=view.author_name or None, kind=view.kind, body=view.body,
                           payload=view.payload, created_at=view.created_at, delivery=view.delivery,
                           topic=view.topic)


def customer_out(detail: CustomerDetail) -> CustomerOut:
    p = detail.profile
    return CustomerOut(
        profile=ProfileOut(id=p.id, name=p.name, email=p.email, phone=p.phone, city=p.city, country=p.country,
                           timezone=p.timezone, customer_since=p.customer_since, returning=p.returning,
                           order_count=p.order_count, lifetime_spend=str(p.lifetime_spend), currency=p.currency,
                           accepts_email_marketing=p.accepts_email_marketing,
                           accepts_sms_marketing=p.accepts_sms_marketing, note=p.note, erased=p.erased),
        cart=CartOut(**detail.cart.to_api()),
        orders=[OrderOut(id=o.id, number=o.number, status=o.status, placed_at=o.placed_at, currency=o.currency,
                         subtotal=str(o.subtotal), discount_code=o.discount_code, discount=str(o.discount),
                         total=str(o.total), lines=[OrderLineOut(
                             product_title=line.product_title, variant_title=line.variant_title,
                             quantity=line.quantity, unit_price=str(line.unit_price),
                             line_total=str(line.line_total)) for line in o.lines]) for o in detail.orders])


def _period(period: Period) -> PeriodOut:
    return PeriodOut(first_day=period.first_day, last_day=period.last_day, zone=period.zone)


def _figures(figures: Figures) -> FiguresOut:
    return FiguresOut(new_conversations=figures.new_conversations,
                      replied_conversations=figures.replied_conversations,
                      first_response_median_seconds=figures.first_response_median_seconds,
                      first_response_p90_seconds=figures.first_response_p90_seconds,
                      time_to_close_median_seconds=figures.time_to_close_median_seconds,
                      followed_by_order=figures.followed_by_order,
                      order_revenue=cents_text(figures.order_revenue_cents))


def _staff_row(row: StaffRow) -> StaffFiguresOut:
    return StaffFiguresOut(staff_id=row.staff_id, name=row.name, conversations_replied=row.conversations_replied,
                           replies=row.replies, first_responses=row.first_responses,
                           first_response_median_seconds=row.first_response_median_seconds)


def _count(row: CountRow) -> CountOut:
    return CountOut(key=row.key, conversations=row.conversations, replied=row.replied)


def summary_out(report: Report) -> SummaryOut:
    return SummaryOut(period=_period(report.period), previous_period=_period(report.previous_period),
                      current=_figures(report.current), previous=_figures(report.previous),
                      by_staff=[_staff_row(row) for row in report.by_staff],
                      by_topic=[_count(row) for row in report.by_topic],
                      by_channel=[_count(row) for row in report.by_channel], heat_map=report.heat_map)


def staff_api_dependency(runtime: Runtime) -> Callable[..., Coroutine[Any, Any, StaffApi]]:
    async def staff_api(request: Request,
                        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> StaffApi:
        token = credentials.credentials if credentials else None
        async with runtime.db.sessions() as db:
            staff = await api_tokens.authenticate(db=db, token=token, address=client_address(request))
        if staff is None or staff.id is None:
            raise Unauthorized(_('A valid personal API token is required (Authorization: Bearer <token>).'))
        runtime.limits.check_staff_api(token_key=hash_token(token or '')[:32])
        return StaffApi(runtime, staff_id=staff.id)
    return staff_api


def build_admin_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix='/admin', tags=['staff'], route_class=AdminRoute, responses=ERRORS)
    Api = Annotated[StaffApi, Depends(staff_api_dependency(runtime))]

    @router.get('/conversations', response_model=ConversationsOut, summary='List conversations')
    async def list_conversations(
            api: Api, status: Annotated[Literal['open', 'closed'], Query(description='The tab')] = 'open',
            assignee: Annotated[str | None, Query(pattern=r'^(me|none|[0-9]{1,18})$', description=(
                'A staff id, `me` (the token\'s staff member) or `none` (unassigned); all when left out'),
                examples=['me'])] = None,
            topic: Annotated[str | None, Query(pattern=r'^[a-z_]{1,40}$', description='A topic key',
                                               examples=['shipping'])] = None,
            q: Annotated[StorableText, Query(max_length=100, description=(
                'Customer name or e-mail, or words of a message'))] = '',
            before: Annotated[str | None, Query(max_length=100, description='The `next` cursor of the page before')]
            = None,
            limit: Annotated[int, Query(ge=1, le=100)] = 50) -> ConversationsOut:
        """The inbox list (M1, M2, C3), newest message first, one page at a time: follow `next` until it is null."""
        page = await api.conversations(status=status, assignee=assignee, topic=topic, q=q, before=before, limit=limit)
        return ConversationsOut(conversations=[conversation_out(row) for row in page.rows], next=page.next)

    @router.get('/conversations/{conversation_id}', response_model=ConversationOut, responses=NOT_FOUND,
                summary='Read a conversation')
    async def get_conversation(api: Api, conversation_id: ConversationId) -> ConversationOut:
        """One conversation with its customer, status, assignee and topics."""
        return conversation_out(await api.conversation(conversation_id))

    @router.get('/conversations/{conversation_id}/messages', response_model=AdminMessagesOut, responses=NOT_FOUND,
                summary="Read a conversation's messages")
    async def list_messages(api: Api, conversation_id: ConversationId,
                            after: Annotated[int, Query(ge=0, le=MAX_ID, description='Only messages after this id')]
                            = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> AdminMessagesOut:
        """The conversation's messages oldest first, every kind: shopper and staff messages, cart events, assignment
        records and internal notes."""
        views = await api.messages(conversation_id, after=after, limit=limit)
        return AdminMessagesOut(messages=[message_out(view) for view in views])

    @router.post('/conversations/{conversation_id}/messages', status_code=201, response_model=AdminMessageOut,
                 summary='Reply to the shopper',
                 responses={**NOT_FOUND, 413: {'description': 'Body longer than 5000 characters, or request over '
                                                              '64 KiB'}})
    async def post_message(api: Api, conversation_id: ConversationId, reply_in: ReplyIn) -> AdminMessageOut:
        """A staff reply, exactly as from the inbox (C1): live to the shopper's open chat while they are online
        (`delivery: chat`), else e-mailed through the outbox (`email_pending`). Needs the chat permission."""
        if reply_in.note:
            return message_out(await api.note(conversation_id, reply_in.body))
        return message_out(await api.reply(conversation_id, reply_in.body))

    @router.post('/conversations/{conversation_id}/products', status_code=201, response_model=AdminMessageOut,
                 summary='Share products (S1)', responses={
        404: {'description': 'No such conversation, or a product not on the online store: '
                             '{"error": {"code": "not_found" | "product_unavailable"}}'}})
    async def share_products(api: Api, conversation_id: ConversationId, products_in: ProductsIn) -> AdminMessageOut:
        """Product cards as from the composer's product picker (S1): at most three, each available on the online
        store, delivered like a reply (C1). Needs the share-products permission."""
        return message_out(await api.share_products(conversation_id, product_ids=products_in.product_ids,
                                                    text=products_in.text))

    @router.post('/conversations/{conversation_id}/discount', status_code=201, response_model=AdminMessageOut,
                 summary='Share a discount code (S2)', responses={
        404: {'description': 'No such conversation or code: {"error": {"code": "not_found" | "discount_unknown"}}'},
        422: {'description': 'The code cannot be used right now (inactive, expired, used up, not started): '
                             '{"error": {"code": "discount_inactive"}}, or invalid input'}})
    async def share_discount(api: Api, conversation_id: ConversationId, discount_in: DiscountIn) -> AdminMessageOut:
        """A discount code the shopper can apply in their cart (S2); only a code usable right now is sent.
        Needs the share-discount-codes permission."""
        return message_out(await api.share_discount(conversation_id, code=discount_in.code, text=discount_in.text))

    @router.post('/conversations/{conversation_id}/status', response_model=ConversationOut, responses=NOT_FOUND,
                 summary='Close or reopen')
    async def set_status(api: Api, conversation_id: ConversationId, status_in: StatusIn) -> ConversationOut:
        """Close or reopen (M1). Needs the chat permission."""
        return conversation_out(await api.set_status(conversation_id, status_in.status))

    @router.post('/conversations/{conversation_id}/assignee', response_model=ConversationOut,
                 summary='Assign or unassign', responses={
        **NOT_FOUND, 422: {'description': 'The staff member does not exist or lacks the chat permission: '
                                          '{"error": {"code": "assignee_without_permission"}}, or invalid input'}})
    async def set_assignee(api: Api, conversation_id: ConversationId, assignee_in: AssigneeIn) -> ConversationOut:
        """Assign to a staff member with the chat permission, or unassign with null (M2); the thread records it."""
        return conversation_out(await api.assign(conversation_id, assignee_in.staff_id))

    @router.get('/customers/{customer_id}', response_model=CustomerOut, summary='Read a customer', responses={
        404: {'description': 'No such customer'}})
    async def get_customer(api: Api, customer_id: Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]) -> CustomerOut:
        """The customer's profile (P1, P2, P5), current cart (P3) and orders (P4)."""
        return customer_out(await api.customer(customer_id))

    @router.get('/reports/summary', response_model=SummaryOut, summary='Report figures (K1)')
    async def report_summary(api: Api,
                             first: Annotated[date, Query(alias='from', description='First day (inclusive), in the '
                                                          'store\'s time zone', examples=['2026-11-01'])],
                             last: Annotated[date, Query(alias='to', description='Last day (inclusive), at most 366 '
                                                         'days after `from`', examples=['2026-11-30'])]
                             ) -> SummaryOut:
        """The K1 figures of the Reports page for these days, beside the same number of days before. Needs the
        see-reports permission."""
        return summary_out(await api.report(first=first, last=last))

    return router
