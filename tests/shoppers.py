"""Seeding shopper messages the way production stores them: through the one door (services/shopper_messages.py)
and the store the app picks for its database (SQLite's group writer here)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import ChatSession
from services.events import EventBus
from services.message_store import message_store_for
from services.messages import Received
from services.rate_limit import RateLimits
from services.shopper_messages import ShopperMessages
from services.views import SessionIds

UNLIMITED = {'message_limit': 10**6, 'window_seconds': 1.0, 'address_limit': 10**6, 'session_limit': 10**6,
             'login_max_failures': 10**6, 'inbound_max_failures': 10**6}


@asynccontextmanager
async def shopper_door(database: Database, bus: EventBus | None = None) -> AsyncIterator[ShopperMessages]:
    """A door of its own for tests without a running app (its store is closed afterwards)."""
    store = message_store_for(database)
    try:
        yield ShopperMessages(store=store, bus=bus or EventBus(), limits=RateLimits(**UNLIMITED))
    finally:
        store.close()


def ids_of(session: ChatSession) -> SessionIds:
    assert session.id is not None
    return SessionIds(id=session.id, conversation_id=session.conversation_id, customer_id=session.customer_id)


async def shopper_says(door: ShopperMessages, session: ChatSession, body: str,
                       client_msg_id: str | None = None) -> Received:
    return await door.receive_as(ids_of(session), body=body, client_msg_id=client_msg_id or body[:60])


async def shopper_writes(db: AsyncSession, session: ChatSession, body: str, *, bus: EventBus | None = None,
                         client_msg_id: str | None = None) -> Received:
    """For service tests that hold only a session: a door on the same database for this one message."""
    engine = db.bind
    assert isinstance(engine, AsyncEngine)
    database = Database(url=engine.url.render_as_string(hide_password=False), engine=engine,
                        sessions=async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False))
    async with shopper_door(database, bus) as door:
        return await shopper_says(door, session, body, client_msg_id)
