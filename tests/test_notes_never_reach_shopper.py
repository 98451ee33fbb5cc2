"""R2: an internal note never reaches the shopper, by any path: GET /chat/messages, the shopper's socket push, the
e-mail of an offline reply (no outbox row of its own, not in the mailed history), the topic tagger, the shopper's
unread state and the conversation's preview. One test per path."""
from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import ChatSession, Conversation, EmailOutbox, Message, Staff
from pages.api.chat_socket import ShopperSocket, SocketHub
from services import notes
from services.events import EventBus
from services.mail.compose import load_context
from services.messages import list_for_session, send_staff_reply
from services.tagging import TopicTagger
from services.views import MessageView
from tests.conftest import App, add_staff
from tests.test_message_stores import start_chat

SECRET = 'Refund approved, but watch this customer'


async def _chat_with_note(database: Database, *, verified: bool = False) -> tuple[ChatSession, str, MessageView]:
    session, token = await start_chat(database)
    async with database.sessions() as db:
        if verified:
            stored = await db.get(ChatSession, session.id)
            assert stored is not None
            stored.identity_verified = True
            db.add(stored)
            await db.commit()
        staff = await add_staff(db)
        note = await notes.add_note(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id,
                                    body=SECRET)
    return session, token, note


async def test_get_chat_messages_never_returns_a_note(app: App) -> None:
    chat = (await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com'})).json()
    headers = {'Authorization': f'Bearer {chat["session_token"]}'}
    await app.http.post('/api/v1/chat/messages', json={'body': 'Hello', 'client_msg_id': '1'}, headers=headers)
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
        await notes.add_note(db=db, bus=app.runtime.bus, staff=staff, conversation_id=chat['conversation_id'],
                             body=SECRET)
        await send_staff_reply(db=db, bus=app.runtime.bus, staff=staff, conversation_id=chat['conversation_id'],
                               body='Hi Sara')
    answer = await app.http.get('/api/v1/chat/messages', headers=headers)
    assert answer.status_code == 200
    assert [m['body'] for m in answer.json()['messages']] == ['Hello', 'Hi Sara']
    assert SECRET not in answer.text and 'note' not in {m['kind'] for m in answer.json()['messages']}


async def test_a_verified_session_reading_the_whole_conversation_gets_no_note(database: Database) -> None:
    session, _token, _note = await _chat_with_note(database, verified=True)
    async with database.sessions() as db:
        stored = await db.get(ChatSession, session.id)
        assert stored is not None and stored.identity_verified
        assert await list_for_session(db=db, chat_session=stored) == []


async def test_the_shopper_socket_is_never_pushed_a_note(database: Database) -> None:
    session, _token, note = await _chat_with_note(database, verified=True)
    hub = SocketHub()
    socket = ShopperSocket(session_id=session.id or 0, conversation_id=session.conversation_id, verified=True)
    hub.register(socket)
    hub.deliver(note)
    assert socket.queue.empty()


async def test_a_note_gets_no_email_and_is_not_in_the_mailed_history(database: Database) -> None:
    session, _token, note = await _chat_with_note(database)
    async with database.sessions() as db:
        author = await db.get(Staff, (await db.exec(select(Message.staff_id).where(Message.id == note.id))).one())
        reply = await send_staff_reply(db=db, bus=EventBus(), staff=author, conversation_id=session.conversation_id,
                                       body='We are on it')  # the shopper is offline: e-mailed
        rows = (await db.exec(select(EmailOutbox))).all()
        assert [row.message_id for row in rows] == [reply.id]
        assert (await db.get(Message, note.id)).delivery is None  # type: ignore[union-attr]
        context = await load_context(db=db, row=rows[0], reply_token='t' * 20)
        assert all(SECRET not in line.text for line in context.history)
        assert SECRET not in context.reply.text


async def test_the_tagger_never_queues_a_note(database: Database, tmp_path: Path) -> None:
    _session, _token, note = await _chat_with_note(database)
    tagger = TopicTagger(db=database, bus=EventBus(), model_path=tmp_path / 'none.joblib', threshold=0.9)
    tagger.classifier = object()  # type: ignore[assignment]  # a model is loaded: shopper texts would be queued
    await tagger.message_created(note)
    assert tagger.queue.empty() and tagger.worker is None


async def test_a_note_changes_neither_the_unread_state_nor_the_preview(db: AsyncSession, database: Database) -> None:
    session, token = await start_chat(database)
    async with database.sessions() as other:
        conversation = await other.get(Conversation, session.conversation_id)
        assert conversation is not None
        before = (conversation.unread, conversation.last_message_preview, conversation.last_message_at)
    staff = await add_staff(db)
    await notes.add_note(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id, body=SECRET)
    async with database.sessions() as other:
        conversation = await other.get(Conversation, session.conversation_id)
        assert conversation is not None
        assert (conversation.unread, conversation.last_message_preview, conversation.last_message_at) == before
        assert SECRET not in conversation.last_message_preview
