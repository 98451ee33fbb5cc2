"""The store this installation serves (one row, made by migration 0002)."""
from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Store


async def get_store(db: AsyncSession) -> Store:
    store = await db.get(Store, 1)
    if store is None:
        raise RuntimeError('the store row is missing: run `inbox migrate`')
    return store
