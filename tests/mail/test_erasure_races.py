"""Issue 23: an erasure (G1) racing mail. A reply's .eml file written while the customer is erased does not stay on
disk; an inbound e-mail that arrives while an erasure runs waits for it and is then refused, not stored with its
text in the erased conversation."""
from __future__ import annotations

import asyncio
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import Conversation, Message
from services import customer_erasure
from services.customer_erasure import ErasureFiles, ErasureScope
from services.errors import Invalid
from services.events import EventBus
from services.mail.config import MailConfig
from services.mail.inbound import receive_email
from services.mail.outbox import deliver_due
from services.mail.reply_addresses import issue_reply_token
from services.mail.transport import FolderTransport
from services.messages import send_staff_reply
from tests.conftest import add_staff
from tests.mail.conftest import offline_shopper

SECRET_WORD = 'marmosetcardigan'


class ErasingWhileWriting(FolderTransport):
    """The customer is erased after the mail was composed and before its .eml file is written: the erasure finds no
    file to remove (the window of the race)."""

    def __init__(self, mail_dir: Path, erase: object) -> None:
        super().__init__(mail_dir)
        self.erase = erase

    async def send(self, message: EmailMessage) -> str:
        await self.erase()  # type: ignore[operator]
        answer = await super().send(message)
        assert list(self.mail_dir.glob('*.eml'))  # written after the erasure removed what it knew of
        return answer


async def test_a_reply_file_written_during_an_erasure_is_removed(database: Database, db: AsyncSession,
                                                                 mail: MailConfig, tmp_path: Path) -> None:
    owner = await add_staff(db, is_owner=True)
    shopper = await offline_shopper(db)
    customer_id = shopper.customer_id
    await send_staff_reply(db=db, bus=EventBus(), staff=owner, conversation_id=shopper.conversation_id,
                           body=f'Your {SECRET_WORD} is ready.')
    mail_dir = tmp_path / 'mail'
    files = ErasureFiles(uploads_dir=tmp_path / 'uploads', mail_dir=mail_dir)

    async def erase() -> None:
        await customer_erasure.erase_and_clean_up(database=database, bus=EventBus(), files=files,
                                                  customer_id=customer_id)

    await deliver_due(sessions=database.sessions, transport=ErasingWhileWriting(mail_dir, erase), bus=EventBus(),
                      mail=mail)
    assert not list(mail_dir.glob('*.eml'))


async def test_an_inbound_email_waits_for_a_running_erasure_and_is_refused(
        database: Database, db: AsyncSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shopper = await offline_shopper(db)
    customer_id, conversation_id = shopper.customer_id, shopper.conversation_id
    token = issue_reply_token(db, conversation_id=conversation_id)
    await db.commit()
    paused, resume = asyncio.Event(), asyncio.Event()

    async def pause_before_commit(_db: AsyncSession, _scope: ErasureScope) -> None:
        paused.set()
        await resume.wait()

    monkeypatch.setattr(customer_erasure, 'STEPS', [*customer_erasure.STEPS, pause_before_commit])
    erasure = asyncio.create_task(customer_erasure.erase_and_clean_up(
        database=database, bus=EventBus(), customer_id=customer_id,
        files=ErasureFiles(uploads_dir=tmp_path, mail_dir=tmp_path)))
    await asyncio.wait_for(paused.wait(), 10)  # the erasure has done every step and not committed yet
    mail = EmailMessage()
    mail['From'] = 'sara@example.com'
    mail['To'] = f'reply+{token}@shop.test'
    mail['Subject'] = 'Re: Your conversation'
    mail['Message-ID'] = '<race@mail.example.com>'
    mail.set_content(f'Thanks, and my {SECRET_WORD} size is M.')

    async def inbound() -> None:
        async with database.sessions() as other:
            await receive_email(db=other, bus=EventBus(), raw=mail.as_bytes())

    arriving = asyncio.create_task(inbound())
    await asyncio.sleep(0.3)
    resume.set()
    await asyncio.wait_for(erasure, 20)
    with pytest.raises(Invalid) as refused:
        await asyncio.wait_for(arriving, 20)
    assert refused.value.code == 'unknown_recipient'
    db.expire_all()
    texts = (await db.exec(select(Message.body).where(col(Message.conversation_id) == conversation_id))).all()
    assert not [text for text in texts if SECRET_WORD in text]
    conversation = await db.get(Conversation, conversation_id)
    assert conversation is not None and conversation.texts_erased_at is not None
