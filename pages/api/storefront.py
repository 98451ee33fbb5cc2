"""Storefront endpoints of API.md (products; cart and checkout follow with the commerce work)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services import catalog
from services import store as store_service
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


def product_url_base(runtime: Runtime) -> str:
    return f'{runtime.config.public_url}/store/products'


def build_storefront_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix='/storefront', tags=['storefront'])

    @router.get('/products', response_model=ProductsOut)
    async def list_products(q: Annotated[str, Query(max_length=100)] = '') -> Any:
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            products = await catalog.search_online_products(db=db, currency=store.currency, q=q,
                                                            product_url_base=product_url_base(runtime))
        return {'products': [p.to_api() for p in products]}

    return router
