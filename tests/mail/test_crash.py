"""C1 crash safety: SIGKILL a sending process mid-SMTP-transaction; nothing is lost and resends carry the same
Message-ID, so a receiver that dedupes by Message-ID sees every mail exactly once."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.settings import Settings
from db.engine import Database
from db.models import EmailOutbox, Message, Staff
from db.types import utcnow
from services.events import EventBus
from services.mail.compose import REPLY_MARKER
from services.mail.config import MailConfig
from services.mail.outbox import deliver_due
from services.messages import send_staff_reply
from tests.conftest import add_staff, free_port
from tests.mail.conftest import SmtpSink, offline_shopper

WORKER = Path(__file__).with_name('outbox_worker.py')


def reply_text(raw_text: str) -> str:
    """The new reply of one of our mails: the first paragraph after the reply marker."""
    return raw_text.replace('\r\n', '\n').split(REPLY_MARKER, 1)[1].strip().split('\n', 1)[0]


async def test_killed_mid_send_the_mail_stays_pending_and_is_resent_with_the_same_message_id(
        db: AsyncSession, database: Database, settings: Settings, mail: MailConfig) -> None:
    session = await offline_shopper(db)
    staff = (await db.exec(select(Staff))).first() or await add_staff(db)
    bodies = [f'Answer number {n}' for n in range(3)]
    views = [await send_staff_reply(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id,
                                    body=body, mail_domain=mail.reply_domain) for body in bodies]
    sink = SmtpSink(port=free_port(), stall=True).start()
    try:
        env = {k: v for k, v in os.environ.items() if k != 'PYTEST_CURRENT_TEST'}
        worker = await asyncio.create_subprocess_exec(
            sys.executable, str(WORKER), settings.effective_database_url, str(sink.port), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        started = await asyncio.to_thread(sink.data_started.wait, 30)
        assert started, (await worker.communicate())
        worker.send_signal(signal.SIGKILL)  # the server has the data but has not answered: mid-send
        await worker.wait()
        assert worker.returncode == -signal.SIGKILL
        assert len(sink.received) == 1

        db.expire_all()
        rows = list((await db.exec(select(EmailOutbox).order_by(col(EmailOutbox.id)))).all())
        assert [row.status for row in rows] == ['pending'] * 3  # never marked sent without the server's answer
        assert [row.attempts for row in rows] == [1, 0, 0]
        assert rows[0].sent_at is None
        assert {(await db.get(Message, v.id)).delivery for v in views} == {'email_pending'}  # type: ignore[union-attr]

        sink.stall = False
        sink.released.set()
        # A restart resumes at once with the untouched mails; the interrupted one follows when its lease ends.
        assert await deliver_due(sessions=database.sessions, transport=sink.transport(), bus=EventBus(),
                                 mail=mail) == 2
        assert await deliver_due(sessions=database.sessions, transport=sink.transport(), bus=EventBus(), mail=mail,
                                 now=utcnow() + timedelta(seconds=31)) == 1
        assert await deliver_due(sessions=database.sessions, transport=sink.transport(), bus=EventBus(), mail=mail,
                                 now=utcnow() + timedelta(days=1)) == 0
    finally:
        sink.stop()

    db.expire_all()
    rows = list((await db.exec(select(EmailOutbox).order_by(col(EmailOutbox.id)))).all())
    assert [row.status for row in rows] == ['sent'] * 3
    assert {(await db.get(Message, v.id)).delivery for v in views} == {'emailed'}  # type: ignore[union-attr]

    ids_per_reply: dict[str, set[str]] = defaultdict(set)
    for received in sink.received:
        text = received.message.get_body(preferencelist=('plain',)).get_content()
        ids_per_reply[reply_text(text)].add(received.message_id)
    assert len(sink.received) == 4  # the interrupted mail arrived twice ...
    assert dict(ids_per_reply) == {body: {row.message_id_header} for body, row in zip(bodies, rows, strict=True)}
    deduped = {received.message_id for received in sink.received}
    assert len(deduped) == 3  # ... with one Message-ID, so deduping by it leaves each reply exactly once
