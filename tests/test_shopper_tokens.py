"""Shopper session tokens expire after INBOX_SHOPPER_TOKEN_DAYS without use (issue 16), sliding: every use keeps
a token valid that long again. The clock is set by writing the stored last use, never by waiting."""
from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.main import service_config
from db.migrate import alembic_config
from db.models import ChatSession
from db.types import utcnow
from services.chat_sessions import DEFAULT_TOKEN_LIFETIME, SessionCreate, authenticate, create_session
from services.errors import Unauthorized
from tests.conftest import App, make_settings
from tests.test_api_chat import bearer, closed_with, start_chat

DAY = timedelta(days=1)


async def last_used(app: App, session_id: int, ago: timedelta) -> None:
    async with app.runtime.db.sessions() as db:
        await db.exec(update(ChatSession).where(ChatSession.id == session_id)  # type: ignore[arg-type]
                      .values(token_used_at=utcnow() - ago))
        await db.commit()


async def session_id_of(app: App, conversation_id: int) -> int:
    async with app.runtime.db.sessions() as db:
        row = (await db.exec(ChatSession.__table__.select()  # type: ignore[attr-defined]
                             .where(ChatSession.conversation_id == conversation_id))).first()
    assert row is not None
    return int(row.id)


async def test_a_token_unused_for_longer_than_its_lifetime_is_refused_and_each_use_slides_it(
        db: AsyncSession) -> None:
    created = await create_session(db=db, session_in=SessionCreate(email='tom@example.com'))
    row = created.session
    row.token_used_at = utcnow() - 29 * DAY
    db.add(row)
    await db.commit()
    found = await authenticate(db=db, token=created.token, lifetime=30 * DAY)
    assert found.token_used_at is not None and utcnow() - found.token_used_at < timedelta(minutes=1)  # slid on

    row.token_used_at = utcnow() - 31 * DAY
    db.add(row)
    await db.commit()
    with pytest.raises(Unauthorized) as refused:
        await authenticate(db=db, token=created.token, lifetime=30 * DAY)
    assert refused.value.code == 'session_expired'
    assert (await authenticate(db=db, token=created.token, lifetime=40 * DAY)).id == row.id  # the setting decides


async def test_an_expired_token_gets_401_session_expired_from_every_shopper_endpoint(app: App) -> None:
    chat = await start_chat(app)
    token = chat['session_token']
    await last_used(app, await session_id_of(app, chat['conversation_id']), DEFAULT_TOKEN_LIFETIME + DAY)
    answers = [
        await app.http.get('/api/v1/chat/messages', headers=bearer(token)),
        await app.http.post('/api/v1/chat/messages', headers=bearer(token), json={'body': 'hi', 'client_msg_id': 'a'}),
        await app.http.get('/api/v1/storefront/cart', headers=bearer(token)),
        await app.http.post('/api/v1/chat/presence', headers=bearer(token), json={'state': 'online'}),
    ]
    for answer in answers:
        assert answer.status_code == 401, answer.text
        assert answer.json()['error']['code'] == 'session_expired'
        assert 'start a new chat' in answer.json()['error']['message']
    fresh = await start_chat(app)  # what the chat page does next: a new session works at once
    assert (await app.http.get('/api/v1/chat/messages', headers=bearer(fresh['session_token']))).status_code == 200


async def test_a_token_used_within_its_lifetime_keeps_working_and_its_use_is_recorded(app: App) -> None:
    chat = await start_chat(app)
    token, session_id = chat['session_token'], await session_id_of(app, chat['conversation_id'])
    await last_used(app, session_id, DEFAULT_TOKEN_LIFETIME - DAY)
    sent = await app.http.post('/api/v1/chat/messages', headers=bearer(token),  # the group writer's own look-up
                               json={'body': 'still here', 'client_msg_id': 'b'})
    assert sent.status_code == 201, sent.text
    async with app.runtime.db.sessions() as db:
        row = await db.get(ChatSession, session_id)
    assert row is not None and row.token_used_at is not None and utcnow() - row.token_used_at < timedelta(minutes=1)


async def test_an_expired_token_is_refused_by_the_socket_and_is_not_counted_as_a_guess(
        app: App, live_server: str) -> None:
    chat = await start_chat(app)
    await last_used(app, await session_id_of(app, chat['conversation_id']), DEFAULT_TOKEN_LIFETIME + DAY)
    for _attempt in range(app.settings.session_rate_limit + 2):  # past what the wrong-token throttle allows
        assert await closed_with(f'ws://{live_server}/api/v1/chat/ws?token={chat["session_token"]}') == 403
    assert not app.runtime.limits.socket_logins_refused(address='127.0.0.1')  # a real token, not a guess


def test_the_lifetime_is_the_shopper_token_days_setting(tmp_path: Path) -> None:
    assert service_config(make_settings(tmp_path)).shopper_token_lifetime == timedelta(days=30)
    assert service_config(make_settings(tmp_path, shopper_token_days=2)).shopper_token_lifetime == 2 * DAY


def test_the_migration_counts_existing_sessions_as_used_when_last_seen_else_when_made(tmp_path: Path) -> None:
    from alembic import command
    url = f'sqlite+aiosqlite:///{tmp_path / "old.db"}'
    command.upgrade(alembic_config(url), '0007')
    with sqlite3.connect(tmp_path / 'old.db') as connection:
        connection.execute("INSERT INTO customer (id, email, name, phone, city, country, timezone, locale, "
                           "accepts_email_marketing, accepts_sms_marketing, note, created_at) "
                           "VALUES (1, 'a@example.com', '', '', '', '', '', '', 0, 0, '', '2026-01-01 00:00:00')")
        connection.execute("INSERT INTO conversation (id, customer_id, channel, status, unread, customer_online, "
                           "started_at, last_message_at, last_message_preview, last_message_author, topics, "
                           "reply_token) VALUES (1, 1, 'chat', 'open', 0, 0, '2026-01-01 00:00:00', "
                           "'2026-01-01 00:00:00', '', '', '[]', 'tok1tok1tok1tok1tok1')")
        for session_id, seen in ((1, "'2026-03-01 10:00:00'"), (2, 'NULL')):
            connection.execute(f"INSERT INTO chat_session (id, token_hash, customer_id, conversation_id, email, name, "
                               f"locale, timezone, identity_verified, online, last_seen_at, created_at, "
                               f"verify_failures) VALUES ({session_id}, 'h{session_id}', 1, 1, 'a@example.com', '', "
                               f"'', '', 0, 0, {seen}, '2026-02-01 09:00:00', 0)")
    command.upgrade(alembic_config(url), '0009')
    with sqlite3.connect(tmp_path / 'old.db') as connection:
        used = dict(connection.execute('SELECT id, token_used_at FROM chat_session').fetchall())
    assert used == {1: '2026-03-01 10:00:00', 2: '2026-02-01 09:00:00'}
