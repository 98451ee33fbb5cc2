"""The group-commit writer behind POST /api/v1/chat/messages on SQLite (services/message_writer.py)."""
from __future__ import annotations

import asyncio

import pytest
from sqlmodel import func, select

from db.engine import Database
from db.models import Conversation, Message
from services.message_store import OrmMessageStore, message_store_for
from services.message_writer import SqliteGroupWriter
from services.postgres_message_writer import PostgresGroupWriter
from services.views import MessageView
from tests.conftest import App
from tests.test_api_chat import bearer, start_chat


@pytest.mark.sqlite_only
async def test_each_database_gets_its_own_writer_and_any_other_the_orm_store(app: App) -> None:
    assert isinstance(app.runtime.message_store, SqliteGroupWriter)

    def store_for(url: str) -> object:  # the choice is made by the URL alone
        return message_store_for(Database(url=url, engine=app.runtime.db.engine, sessions=app.runtime.db.sessions))
    assert isinstance(store_for('postgresql+asyncpg://inbox@localhost/inbox'), PostgresGroupWriter)
    assert isinstance(store_for('mysql+aiomysql://inbox@localhost/inbox'), OrmMessageStore)


async def test_concurrent_retries_of_one_message_store_it_once(app: App) -> None:
    """Twenty copies of one request at once land in the same batch: one 201, the rest 200 with the same id."""
    token = (await start_chat(app))['session_token']
    answers = await asyncio.gather(*[app.http.post('/api/v1/chat/messages', headers=bearer(token),
                                                   json={'body': 'Is it in stock?', 'client_msg_id': 'same'})
                                     for _ in range(20)])
    assert sorted(a.status_code for a in answers) == [200] * 19 + [201]
    assert len({a.json()['id'] for a in answers}) == 1
    async with app.runtime.db.sessions() as db:
        assert (await db.exec(select(func.count()).select_from(Message))).one() == 1


async def test_messages_of_many_shoppers_at_once_are_all_acknowledged_durable_and_published(app: App) -> None:
    published: list[MessageView] = []
    app.runtime.bus.message_created.subscribe(published.append)
    chats = [await start_chat(app, email=f'shopper{i}@example.com') for i in range(10)]
    answers = await asyncio.gather(*[
        app.http.post('/api/v1/chat/messages', headers=bearer(chat['session_token']),
                      json={'body': f'Question {n} from {i}', 'client_msg_id': f'{n}'})
        for i, chat in enumerate(chats) for n in range(5)])
    assert all(a.status_code == 201 for a in answers)
    async with app.runtime.db.sessions() as db:  # acknowledged means committed: a fresh session sees every one
        stored = (await db.exec(select(Message.id, Message.conversation_id, Message.body))).all()
        conversation = await db.get(Conversation, chats[3]['conversation_id'])
    assert {a.json()['id'] for a in answers} == {row[0] for row in stored} and len(stored) == 50
    assert {v.id for v in published} == {row[0] for row in stored}
    assert conversation is not None and conversation.unread and conversation.last_message_author == 'customer'
    assert conversation.last_message_preview.startswith('Question ')


async def test_a_shopper_message_reopens_a_closed_conversation_through_the_writer(app: App) -> None:
    chat = await start_chat(app)
    async with app.runtime.db.sessions() as db:
        conversation = await db.get(Conversation, chat['conversation_id'])
        assert conversation is not None
        conversation.status = 'closed'
        db.add(conversation)
        await db.commit()
    answer = await app.http.post('/api/v1/chat/messages', headers=bearer(chat['session_token']),
                                 json={'body': 'One more thing', 'client_msg_id': 'x'})
    assert answer.status_code == 201
    async with app.runtime.db.sessions() as db:
        assert (await db.get(Conversation, chat['conversation_id'])).status == 'open'


async def test_a_forged_token_is_refused_by_the_writer_path(app: App) -> None:
    await start_chat(app)
    answer = await app.http.post('/api/v1/chat/messages', headers=bearer('x' * 43),
                                 json={'body': 'Hi', 'client_msg_id': '1'})
    assert answer.status_code == 401 and answer.json()['error']['code'] == 'unauthorized'
