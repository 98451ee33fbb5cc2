"""X1 / C1: two processes run the outbox against one SMTP server at the same time; every mail arrives exactly once.

Both are real processes (tests/mail/outbox_worker.py) on this test's database: SQLite here, PostgreSQL in
`make test-postgres` (this file is in its list). They see the same due rows in the same order and race for each;
the claim (one conditional UPDATE per row, services/mail/outbox.py) lets one of them have it."""
from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.settings import Settings
from db.models import EmailOutbox, Staff
from services.events import EventBus
from services.mail.config import MailConfig
from services.messages import send_staff_reply
from tests.conftest import add_staff
from tests.mail.conftest import SmtpSink, offline_shopper

WORKER = Path(__file__).with_name('outbox_worker.py')
MAILS = 24


async def test_two_sending_processes_deliver_every_mail_once(db: AsyncSession, settings: Settings, mail: MailConfig,
                                                             smtp_sink: SmtpSink) -> None:
    session = await offline_shopper(db)
    staff = (await db.exec(select(Staff))).first() or await add_staff(db)
    for n in range(MAILS):
        await send_staff_reply(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id,
                               body=f'Answer number {n}', mail_domain=mail.reply_domain)
    env = {k: v for k, v in os.environ.items() if k != 'PYTEST_CURRENT_TEST'}
    workers = [await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), settings.effective_database_url, str(smtp_sink.port), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for _ in range(2)]
    outputs = [await worker.communicate() for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    sent = [int(out.decode().split('sent ')[1]) for out, _err in outputs]
    assert sum(sent) == MAILS, sent

    await smtp_sink.wait_for(MAILS)
    ids = Counter(received.message_id for received in smtp_sink.received)
    assert len(smtp_sink.received) == MAILS and len(ids) == MAILS  # each mail once, none twice
    db.expire_all()
    rows = (await db.exec(select(EmailOutbox).order_by(col(EmailOutbox.id)))).all()
    assert [row.status for row in rows] == ['sent'] * MAILS and {row.attempts for row in rows} == {1}
