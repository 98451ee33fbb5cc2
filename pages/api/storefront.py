"""Storefront endpoints of API.md: products, the session's cart (E1), its discount code (S2) and checkout."""
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from pages.api.deps import MAX_ID, client_address, session_dependency
from services import carts, catalog, orders
from services import store as store_service
from services.chat_sessions import ChatSession
from services.runtime import Runtime


class VariantOut(BaseModel):
    id: int
    title: str
    price: str
    available: int


class ProductOut(BaseModel):
    id: int
    title: str
    handle: str
    price: str
    currency: str
    url: str
    image_url: str
    variants: list[VariantOut]


class ProductsOut(BaseModel):
    products: list[ProductOut]


class CartItemOut(BaseModel):
    variant_id: int
    product_title: str
    variant_title: str
    quantity: int
    unit_price: str
    line_total: str


class CartOut(BaseModel):
    items: list[CartItemOut]
    subtotal: str
    currency: str
    discount_code: str | None
    updated_at: str | None


class CartEventIn(BaseModel):
    action: Literal['add', 'remove']
    variant_id: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(ge=1, le=10_000)


class DiscountIn(BaseModel):
    code: str = Field(min_length=1, max_length=100)


class CheckoutOut(BaseModel):
    order_id: int
    order_number: int
    total: str
    currency: str
    discount_code: str | None


ERRORS: dict[int | str, dict[str, Any]] = {401: {'description': 'Missing or invalid session token; '
                                                              '`session_expired` when it went unused too long'},
                                           422: {'description': 'Invalid input'},
                                           429: {'description': 'Rate limited; see Retry-After'}}


def product_url_base(runtime: Runtime) -> str:
    return catalog.product_url_base(runtime.config.public_url)


def build_storefront_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix='/storefront', tags=['storefront'])

    @router.get('/products', response_model=ProductsOut, responses={
        422: ERRORS[422], 429: {'description': 'Too many searches from this address; see Retry-After'}})
    async def list_products(request: Request, q: Annotated[str, Query(max_length=100)] = '') -> Any:
        runtime.limits.check_search(address=client_address(request))
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            products = await catalog.search_online_products(db=db, currency=store.currency, q=q,
                                                            product_url_base=product_url_base(runtime))
        return {'products': [p.to_api() for p in products]}

    current_session = session_dependency(runtime)
    SessionDep = Annotated[ChatSession, Depends(current_session)]

    async def currency() -> str:
        async with runtime.db.sessions() as db:
            return (await store_service.get_store(db)).currency

    def limit_writes(chat_session: ChatSession, request: Request) -> None:
        assert chat_session.id is not None
        runtime.limits.check_cart_event(session_id=chat_session.id, address=client_address(request))

    @router.get('/cart', response_model=CartOut, responses=ERRORS)
    async def get_cart(chat_session: SessionDep) -> Any:
        async with runtime.db.sessions() as db:
            return (await carts.get_cart(db=db, chat_session=chat_session, currency=await currency())).to_api()

    @router.post('/cart/events', response_model=CartOut, responses={
        **ERRORS, 404: {'description': 'Unknown variant'}, 409: {'description': 'Not enough inventory'}})
    async def cart_event(event_in: CartEventIn, chat_session: SessionDep, request: Request) -> Any:
        limit_writes(chat_session, request)
        async with runtime.db.sessions() as db:
            cart = await carts.change_cart(db=db, bus=runtime.bus, chat_session=chat_session, action=event_in.action,
                                           variant_id=event_in.variant_id, quantity=event_in.quantity,
                                           currency=await currency())
        return cart.to_api()

    @router.post('/cart/discount', response_model=CartOut, responses={
        **ERRORS, 422: {'description': 'discount_inactive or discount_unknown'}})
    async def cart_discount(discount_in: DiscountIn, chat_session: SessionDep, request: Request) -> Any:
        limit_writes(chat_session, request)
        async with runtime.db.sessions() as db:
            cart = await carts.set_discount_code(db=db, bus=runtime.bus, chat_session=chat_session,
                                                 code=discount_in.code, currency=await currency())
        return cart.to_api()

    @router.post('/checkout', status_code=201, response_model=CheckoutOut, responses={
        **ERRORS, 409: {'description': 'Empty cart or not enough inventory'}})
    async def checkout(chat_session: SessionDep, request: Request) -> Any:
        limit_writes(chat_session, request)
        async with runtime.db.sessions() as db:
            order = await orders.checkout(db=db, bus=runtime.bus, chat_session=chat_session, currency=await currency())
        return order.to_api()

    return router
