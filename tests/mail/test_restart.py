"""A restart resumes pending mail: the app's background outbox sends what an earlier run left behind."""
from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from app.main import service_config
from app.settings import Settings
from db.engine import open_database
from db.models import EmailOutbox
from services.events import EventBus
from services.messages import send_staff_reply
from tests.conftest import App, add_staff
from tests.mail.conftest import SmtpSink, offline_shopper


@pytest.fixture
async def left_pending(settings: Settings) -> str:
    """A reply queued by a previous run that ended before sending it."""
    database = open_database(settings.effective_database_url)
    async with database.sessions() as db:
        session = await offline_shopper(db)
        staff = await add_staff(db)
        await send_staff_reply(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id,
                               body='Queued before the restart.',
                               mail_domain=service_config(settings).mail.reply_domain)
        header = (await db.exec(select(EmailOutbox.message_id_header))).one()
    await database.dispose()
    return header


async def test_pending_mail_is_sent_after_the_app_starts(left_pending: str, app: App, smtp_sink: SmtpSink) -> None:
    received = await smtp_sink.wait_for(1)
    assert [r.message_id for r in received] == [left_pending]
    for _ in range(200):  # the row is marked sent right after the server's answer
        async with app.runtime.db.sessions() as db:
            if (await db.exec(select(EmailOutbox.status))).one() == 'sent':
                break
        await asyncio.sleep(0.02)
    else:
        pytest.fail('the resumed mail was never marked sent')
