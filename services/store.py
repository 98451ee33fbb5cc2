"""The store this installation serves."""
from __future__ import annotations

import secrets

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Store


async def get_store(db: AsyncSession) -> Store:
    store = await db.get(Store, 1)
    if store is None:
        store = Store(id=1, name='My store', identity_secret=secrets.token_hex(32))
        db.add(store)
        await db.flush()
    return store
