"""Reply tokens (the secret of reply+<token>@ addresses) are stored only as hashes (issue 16): a copy of the database
cannot be used to write into conversations by mail, and answers still thread back, also to mails sent before."""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import aiosmtplib
from alembic import command

from db.engine import open_database
from db.migrate import alembic_config
from services.mail.reply_addresses import conversation_for_token
from services.messages import list_thread
from tests.conftest import App
from tests.mail.conftest import SmtpSink
from tests.mail.test_inbound import answer_to, staff_mail


def every_value(path: Path) -> list[str]:
    """Every cell of every table of the SQLite file, as text."""
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return [str(value) for table in tables for row in connection.execute(f'SELECT * FROM "{table}"')
                for value in row if value is not None]


async def test_the_database_holds_only_the_hash_of_a_mailed_reply_token_and_the_answer_threads_back(
        app: App, smtp_sink: SmtpSink) -> None:
    conversation_id, mail = await staff_mail(app, smtp_sink)
    reply_to = mail.message['Reply-To'].addresses[0].addr_spec
    token = reply_to.split('+', 1)[1].split('@', 1)[0]
    values = every_value(app.settings.data_dir / 'inbox.db')
    assert not [v for v in values if token.lower() in v.lower()], 'the reply token is stored in clear'
    assert not [v for v in values if token[:12].lower() in v.lower()], 'a part of it is (a Message-ID once held one)'
    assert hashlib.sha256(token.lower().encode()).hexdigest() in values

    errors, answer = await aiosmtplib.send(answer_to(mail.message, 'Size M, by SMTP.'), sender='sara@example.com',
                                           recipients=[reply_to], hostname='127.0.0.1',
                                           port=app.settings.smtp_inbound_port, start_tls=False, timeout=10)
    assert not errors and answer.startswith('2.0.0')
    async with app.runtime.db.sessions() as db:
        thread = await list_thread(db=db, conversation_id=conversation_id)
    assert thread[-1].body == 'Size M, by SMTP.' and thread[-1].author == 'customer'


def _database_at_0009(path: Path) -> str:
    url = f'sqlite+aiosqlite:///{path}'
    command.upgrade(alembic_config(url), '0009')
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO customer (id, email, name, phone, city, country, timezone, locale, "
                           "accepts_email_marketing, accepts_sms_marketing, note, created_at) "
                           "VALUES (1, 'a@example.com', '', '', '', '', '', '', 0, 0, '', '2026-01-01 00:00:00')")
        for conversation_id, token in ((1, 'MixedCaseToken_01-abcdefGHIJKLmn'),
                                       (2, 'second-token-aaaaaaaaaaaaaaaaaaa')):
            connection.execute(
                "INSERT INTO conversation (id, customer_id, channel, status, unread, customer_online, started_at, "
                "last_message_at, last_message_preview, last_message_author, topics, reply_token) "
                f"VALUES ({conversation_id}, 1, 'chat', 'open', 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00', "
                f"'', '', '[]', '{token}')")
    return url


async def test_the_migration_hashes_the_tokens_mailed_before_so_answers_to_old_mails_still_arrive(
        tmp_path: Path) -> None:
    url = _database_at_0009(tmp_path / 'old.db')
    command.upgrade(alembic_config(url), '0010')
    values = every_value(tmp_path / 'old.db')
    assert not [v for v in values if 'mixedcasetoken' in v.lower() or 'second-token' in v]
    with sqlite3.connect(tmp_path / 'old.db') as connection:
        columns = [row[1] for row in connection.execute('PRAGMA table_info(conversation)')]
    assert 'reply_token' not in columns
    command.upgrade(alembic_config(url), 'head')  # the models below are today's: later migrations add columns
    database = open_database(url)
    try:
        async with database.sessions() as db:
            for token, conversation_id in (('MixedCaseToken_01-abcdefGHIJKLmn', 1),
                                           ('mixedcasetoken_01-abcdefghijklmn', 1),  # a relay lower-cased it
                                           ('second-token-aaaaaaaaaaaaaaaaaaa', 2)):
                found = await conversation_for_token(db, token)
                assert found is not None and found.id == conversation_id, token
            assert await conversation_for_token(db, 'MixedCaseToken_01-abcdefGHIJKLmX') is None
    finally:
        await database.dispose()


def test_the_migration_goes_back_with_new_tokens(tmp_path: Path) -> None:
    url = _database_at_0009(tmp_path / 'old.db')
    command.upgrade(alembic_config(url), '0010')
    command.downgrade(alembic_config(url), '0009')
    with sqlite3.connect(tmp_path / 'old.db') as connection:
        tokens = [token for (token,) in connection.execute('SELECT reply_token FROM conversation')]
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert len(set(tokens)) == 2 and all(len(token) == 32 for token in tokens) and 'reply_address' not in tables
