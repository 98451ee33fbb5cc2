"""Where a shopper's chat message is stored: one small protocol, two implementations, picked once at start-up.

- `SqliteGroupWriter` (services/message_writer.py): SQLite, one writer thread and group commit (the hot path
  measured in README, Benchmarks: ingest).
- `PostgresGroupWriter` (services/postgres_message_writer.py): PostgreSQL, group commit with one statement per step.
- `OrmMessageStore` (here): the rules written plainly through the async ORM; any other database, and the reference
  the two writers are compared with.

Both store a message at most once per (session, client_msg_id), mark the conversation unread and open, commit,
and return what was stored; neither publishes (services/shopper_messages.py does, once, for both).
tests/test_message_stores.py runs every message rule against both and compares the stored rows.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database, is_sqlite
from db.models import Conversation, Message
from db.states import Author, ConversationStatus, MessageKind
from db.types import utcnow
from services import chat_sessions, report_columns
from services.blocking import refuse_if_blocked
from services.errors import NotFound
from services.i18n import _
from services.messages import CleanMessage, Received, preview_of, to_view
from services.views import MessageView, SessionIds


class MessageStore(Protocol):
    async def session_for_token(self, token: str | None) -> SessionIds:
        """The ids of the bearer token's chat session; Unauthorized when there is none."""
        ...

    async def store(self, session: SessionIds, message: CleanMessage) -> Received:
        """Store once per client_msg_id and commit; `created` is False for a repeat (nothing stored)."""
        ...

    def forget(self, token_hashes: list[str]) -> None:
        """Those tokens no longer name a session (an erased customer's, G1): drop whatever is cached for them."""
        ...

    def close(self) -> None:
        ...


class OrmMessageStore:
    def __init__(self, database: Database, *, token_lifetime: timedelta = chat_sessions.DEFAULT_TOKEN_LIFETIME) -> None:
        self.database = database
        self.token_lifetime = token_lifetime

    async def session_for_token(self, token: str | None) -> SessionIds:
        async with self.database.sessions() as db:
            found = await chat_sessions.authenticate(db=db, token=token, lifetime=self.token_lifetime)
        assert found.id is not None
        return SessionIds(id=found.id, conversation_id=found.conversation_id, customer_id=found.customer_id)

    def forget(self, token_hashes: list[str]) -> None:
        """Nothing is cached: every token is looked up."""

    async def store(self, session: SessionIds, message: CleanMessage) -> Received:
        async with self.database.sessions() as db:
            await refuse_if_blocked(db, session.customer_id)  # R4: before anything is read back or stored
            existing = await _existing(db, session.id, message.client_msg_id)
            if existing is not None:
                return Received(to_view(existing), created=False)
            conversation = await db.get(Conversation, session.conversation_id)
            if conversation is None:
                raise NotFound(_('The conversation of this session no longer exists.'))
            try:
                view = await write_customer_text(db=db, conversation=conversation, session_id=session.id,
                                                 body=message.body, client_msg_id=message.client_msg_id)
            except IntegrityError:  # the same client_msg_id raced in through another request
                await db.rollback()
                existing = await _existing(db, session.id, message.client_msg_id)
                if existing is None:
                    raise
                return Received(to_view(existing), created=False)
        return Received(view, created=True)

    def close(self) -> None:
        pass


async def write_customer_text(*, db: AsyncSession, conversation: Conversation, session_id: int | None, body: str,
                              client_msg_id: str, payload: dict[str, object] | None = None) -> MessageView:
    """A customer's text (chat or e-mail) and what it does to the conversation (unread, reopened), committed."""
    now = utcnow()
    assert conversation.id is not None
    message = Message(conversation_id=conversation.id, session_id=session_id, author=Author.CUSTOMER,
                      kind=MessageKind.TEXT, body=body, client_msg_id=client_msg_id, created_at=now,
                      payload=payload or {})
    db.add(message)
    conversation.last_message_at = now
    conversation.last_message_preview = preview_of(body)
    conversation.last_message_author = Author.CUSTOMER
    report_columns.customer_wrote(conversation, now)
    conversation.unread = True
    conversation.status = ConversationStatus.OPEN  # a new shopper message reopens a closed conversation
    db.add(conversation)
    await db.commit()
    return to_view(message)


async def _existing(db: AsyncSession, session_id: int, client_msg_id: str) -> Message | None:
    return (await db.exec(select(Message).where(
        Message.session_id == session_id, Message.client_msg_id == client_msg_id))).first()


def message_store_for(database: Database, *,
                      token_lifetime: timedelta = chat_sessions.DEFAULT_TOKEN_LIFETIME) -> MessageStore:
    """SQLite and PostgreSQL get their group writers; any other database the ORM store."""
    if is_sqlite(database.url):
        from services.message_writer import SqliteGroupWriter
        return SqliteGroupWriter.for_url(database.url, token_lifetime=token_lifetime)
    if make_url(database.url).get_backend_name() == 'postgresql':
        from services.postgres_message_writer import PostgresGroupWriter
        return PostgresGroupWriter(database.url, token_lifetime=token_lifetime)
    return OrmMessageStore(database, token_lifetime=token_lifetime)
