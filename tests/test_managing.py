"""Managing the inbox (M1, M2, unread, views, search) on a real SQLite file."""
from __future__ import annotations

import inspect

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

import services
from db.models import Conversation, Customer
from services import conversations
from services.chat_sessions import SessionCreate, create_session
from services.conversations import ListFilter
from services.errors import PermissionDenied
from services.events import EventBus
from services.messages import list_thread
from tests.conftest import add_staff
from tests.shoppers import shopper_writes


async def chat(db: AsyncSession, email: str, body: str, name: str = '') -> int:
    session = (await create_session(db=db, session_in=SessionCreate(email=email, name=name))).session
    await shopper_writes(db, session, body, client_msg_id=body[:64])
    return session.conversation_id


async def ids(db: AsyncSession, **kwargs: object) -> list[int]:
    return [row.id for row in await conversations.list_rows(db=db, flt=ListFilter(**kwargs))]  # type: ignore[arg-type]


async def test_closing_moves_to_closed_and_a_new_message_reopens(db: AsyncSession) -> None:
    staff = await add_staff(db)
    cid = await chat(db, 'a@example.com', 'Hello')
    await conversations.set_status(db=db, bus=EventBus(), staff=staff, conversation_id=cid, status='closed')
    assert await ids(db, status='open') == [] and await ids(db, status='closed') == [cid]
    assert (await conversations.count_by_status(db=db)) == {'open': 0, 'closed': 1}
    await chat(db, 'a@example.com', 'Me again')
    assert await ids(db, status='open') == [cid]


async def test_no_delete_anywhere(app) -> None:  # type: ignore[no-untyped-def]
    """Conversations can never be deleted: no service function, no route, no action."""
    for module in (conversations, services.messages):
        assert not [name for name, _ in inspect.getmembers(module, inspect.isfunction) if 'delete' in name.lower()]
    from nicegui import app as nicegui_app
    methods = {m for route in nicegui_app.routes for m in getattr(route, 'methods', ()) or ()}
    assert 'DELETE' not in methods
    response = await app.http.delete('/api/v1/chat/messages')
    assert response.status_code == 405


async def test_unread_rules(db: AsyncSession) -> None:
    staff = await add_staff(db)
    cid = await chat(db, 'u@example.com', 'Unread?')
    bus = EventBus()
    assert (await db.get(Conversation, cid)).unread
    await conversations.mark_read(db=db, bus=bus, conversation_id=cid)
    await db.refresh(conversation := await db.get(Conversation, cid))
    assert not conversation.unread
    await conversations.mark_unread(db=db, bus=bus, staff=staff, conversation_id=cid)
    await db.refresh(conversation)
    assert conversation.unread


async def test_assignment_is_recorded_and_refused_without_permission(db: AsyncSession) -> None:
    ana = await add_staff(db)
    ben = await add_staff(db, email='ben@example.com', name='Ben Holm', can_chat=False)
    cleo = await add_staff(db, email='cleo@example.com', name='Cleo Dahl')
    cid = await chat(db, 'm@example.com', 'Assign me')
    bus = EventBus()
    with pytest.raises(PermissionDenied):
        await conversations.assign(db=db, bus=bus, staff=ana, conversation_id=cid, assignee_id=ben.id)
    with pytest.raises(PermissionDenied):
        await conversations.assign(db=db, bus=bus, staff=ben, conversation_id=cid, assignee_id=ana.id)
    await conversations.assign(db=db, bus=bus, staff=cleo, conversation_id=cid, assignee_id=ana.id)
    assert await ids(db, view='mine', staff_id=ana.id) == [cid]
    assert await ids(db, view='unassigned') == []
    await conversations.assign(db=db, bus=bus, staff=ana, conversation_id=cid, assignee_id=None)
    assert await ids(db, view='unassigned') == [cid]
    events = [m.body for m in await list_thread(db=db, conversation_id=cid) if m.kind == 'event']
    assert events == ['Assigned to Ana Berg by Cleo Dahl', 'Unassigned from Ana Berg by Ana Berg']
    assert [s.name for s in await conversations.assignable_staff(db=db)] == ['Ana Berg', 'Cleo Dahl']
    assert [s.name for s in await conversations.assignable_staff(db=db, search='cle')] == ['Cleo Dahl']


async def test_search_by_name_email_and_message_text(db: AsyncSession) -> None:
    tent = await chat(db, 'sara@example.com', 'Is the tent waterproof?', name='Sara Lind')
    socks = await chat(db, 'olli@example.org', 'Do you have wool socks in size 44?')
    assert await ids(db, search='waterproof') == [tent]
    assert await ids(db, search='WOOL sock') == [socks]
    assert await ids(db, search='lind') == [tent]
    assert await ids(db, search='example.org') == [socks]
    assert await ids(db, search='"; DROP TABLE message; --') == []
    assert await ids(db, search='tent*') == [tent]  # FTS syntax in user text is just text
    assert await ids(db, search='NEAR(tent') == []
    for odd in ('!!!', '...', '"', '_', '___', '*', '^', '\u200b', '\u00ad', 'ﬁ', '‘’', '"_"*', 'AND', 'x:y'):
        await ids(db, search=odd)  # punctuation and odd characters are text too: never FTS5 syntax errors


async def test_message_search_ignores_case_and_accents_and_finds_words_inside_addresses(db: AsyncSession) -> None:
    """The same on SQLite (FTS5) and PostgreSQL (tsvector): an address's parts are words too."""
    cafe = await chat(db, 'mia@example.com', 'Le café était fermé, écrivez à info@boutique-mode.fr')
    await chat(db, 'olli@example.org', 'Moi')
    assert await ids(db, search='CAFE etait') == [cafe] and await ids(db, search='fermé') == [cafe]
    assert await ids(db, search='boutique') == [cafe] and await ids(db, search='mode fr') == [cafe]
    assert await ids(db, search='cafeteria') == []


async def test_customer_search_finds_parts_of_addresses_and_follows_edits(db: AsyncSession) -> None:
    """Three characters and more come from the trigram index, shorter text from LIKE; both find the same."""
    ana = await chat(db, 'ana.berg@shop-mail.fi', 'Hei', name='Ana Berg')
    await chat(db, 'olli@example.org', 'Moi', name='Olli')
    assert await ids(db, search='berg@shop') == [ana] and await ids(db, search='SHOP-MAIL') == [ana]
    assert await ids(db, search='na') == [ana] and await ids(db, search='a"b') == []
    customer = (await conversations.get_row(db=db, conversation_id=ana)).customer_id
    row = await db.get(Customer, customer)
    row.email = 'ana@uusi.fi'
    db.add(row)
    await db.commit()
    assert await ids(db, search='uusi.fi') == [ana] and await ids(db, search='shop-mail') == []


async def test_tab_counts_stop_at_the_cap_and_say_so(db: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversations, 'COUNT_CAP', 3)
    for n in range(4):
        await chat(db, f'c{n}@example.com', f'hello {n}')
    counts = await conversations.count_by_status(db=db)
    assert counts == {'open': 3, 'closed': 0}
    assert conversations.count_label(counts['open']) == '2+' and conversations.count_label(2) == '2'


async def test_the_unread_count_is_every_open_conversation_nobody_has_read(db: AsyncSession) -> None:
    staff = await add_staff(db)
    made = [await chat(db, f'u{n}@example.com', f'question {n}') for n in range(4)]
    assert await conversations.count_unread(db=db) == 4
    await conversations.mark_read(db=db, bus=EventBus(), conversation_id=made[0])
    await conversations.set_status(db=db, bus=EventBus(), staff=staff, conversation_id=made[1], status='closed')
    assert await conversations.count_unread(db=db) == 2  # read, and closed, no longer count
    await chat(db, 'u1@example.com', 'one more thing')  # a new message reopens it, unread
    assert await conversations.count_unread(db=db) == 3


async def test_topic_filter_and_paging(db: AsyncSession) -> None:
    made = [await chat(db, f'p{n}@example.com', f'message {n}') for n in range(5)]
    conversation = await db.get(Conversation, made[0])
    conversation.topics = ['shipping', 'returns']
    db.add(conversation)
    await db.commit()
    assert await ids(db, topic='returns') == [made[0]]
    first = await conversations.list_rows(db=db, limit=2)
    rest = await conversations.list_rows(db=db, limit=10, before=(first[-1].last_message_at, first[-1].id))
    assert [r.id for r in first + rest] == list(reversed(made))
