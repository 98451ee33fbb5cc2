"""What an open list reads when conversations change (services/list_reader.py): on SQLite its own reader thread
with plain SQL, elsewhere the ORM. Both must read the same rows and counts, for every filter a list can show."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.demo import load_demo
from db.engine import Database
from db.models import ChatSession, Conversation, Customer, Staff
from services.conversations import ListFilter
from services.list_reader import OrmListReader, SqliteListReader, list_reader_for


async def _demo_with_variety(db: AsyncSession) -> tuple[list[int], int]:
    """The demo inbox plus what the demo lacks: topics, a nameless customer, a later chat session with another
    e-mail, and a conversation assigned to someone. Returns the conversation ids and one staff id."""
    await load_demo(db, hash_password=lambda password: 'x', owner_password='demo password')
    found = list((await db.exec(select(Conversation).order_by(Conversation.id))).all())
    staff = (await db.exec(select(Staff).order_by(Staff.id))).first()
    assert staff is not None and staff.id is not None
    found[0].topics = ['shipping', 'returns', 'discounts']
    found[1].topics = ['discounts']
    found[2].assignee_id = staff.id
    customer = await db.get(Customer, found[3].customer_id)
    assert customer is not None
    customer.name = ''
    db.add(ChatSession(token_hash='later-session', customer_id=found[4].customer_id, conversation_id=found[4].id,
                       email='second.address@example.org'))
    db.add_all([found[0], found[1], found[2], customer])
    await db.commit()
    return [c.id for c in found if c.id is not None], staff.id


@pytest.mark.sqlite_only
async def test_the_sqlite_reader_reads_what_the_orm_reads_for_every_kind_of_filter(
        db: AsyncSession, database: Database) -> None:
    ids, staff_id = await _demo_with_variety(db)
    sqlite_reader = list_reader_for(database)
    assert isinstance(sqlite_reader, SqliteListReader)
    orm_reader = OrmListReader(database)
    filters = [ListFilter(), ListFilter(status='closed'), ListFilter(view='mine', staff_id=staff_id),
               ListFilter(view='unassigned'), ListFilter(topic='discounts'), ListFilter(search='emma'),
               ListFilter(search='levering'), ListFilter(search='em'), ListFilter(status='closed', search='order')]
    try:
        for flt in filters:
            for wanted in (ids, ids[:1], [ids[4], 999_999], []):
                fast, slow = await sqlite_reader.read(wanted, flt), await orm_reader.read(wanted, flt)
                assert fast == slow, (flt, wanted)
        everything = await sqlite_reader.read(ids, ListFilter())
    finally:
        sqlite_reader.close()
    assert set(everything.rows) == set(ids)
    assert everything.rows[ids[0]].topics == ['shipping', 'returns']
    assert everything.rows[ids[4]].session_email == 'second.address@example.org'
    assert everything.rows[ids[3]].customer_name == everything.rows[ids[3]].customer_email
    assert everything.counts['open'] + everything.counts['closed'] == len(ids)
    assert (await orm_reader.read(ids, ListFilter(search='levering'))).counts['open'] >= 1


async def test_other_databases_read_through_the_orm(database: Database) -> None:
    elsewhere = replace(database, url='postgresql+asyncpg://inbox@localhost/inbox')
    assert isinstance(list_reader_for(elsewhere), OrmListReader)
