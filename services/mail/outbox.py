"""The e-mail outbox (C1): claim due rows, send each, record every attempt, retry with backoff, never lose a mail.

Crash safety. A row is claimed by one conditional UPDATE that counts the attempt and moves `next_attempt_at`
to when the *next* attempt would be due anyway (the backoff doubles as a lease); the claim is committed before
anything is sent, and nothing is held open during the network call. A row becomes `sent` only after the
transport answered. So when the process dies mid-send (SIGKILL, power cut) the row is still `pending` and is
sent again once its lease runs out (30 s after the first attempt) or right after a restart has waited that
long — always with the same Message-ID, which is stored on the row when the reply is written. Delivery is
therefore at-least-once: a receiving server, a mail client or a test dedupes by Message-ID. Every attempt gets a
reply address of its own (services/mail/reply_addresses.py), committed before the mail is sent.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import EmailOutbox, Message
from db.states import Delivery, OutboxStatus
from db.types import utcnow
from services.errors import Conflict, NotFound
from services.events import EventBus
from services.i18n import _
from services.mail.compose import compose, load_context
from services.mail.config import MailConfig
from services.mail.reply_addresses import issue_reply_token
from services.mail.transport import FolderTransport, MailError, MailTransport, PermanentMailError
from services.messages import load_view
from services.runtime import Runtime
from services.views import MessageView

log = logging.getLogger('inbox.mail')

RETRYABLE = (OutboxStatus.PENDING, OutboxStatus.FAILED)
BASE_BACKOFF_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 3600.0
BATCH = 50
IDLE_SECONDS = 30.0


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th attempt: 30 s, 1 min, 2 min, ... at most 1 h."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)))


async def _claim(db: AsyncSession, *, outbox_id: int, seen_attempts: int, now: datetime) -> bool:
    """Count the attempt and push the next one out by the backoff, only if nobody else claimed it first."""
    attempt = seen_attempts + 1
    result = await db.exec(
        update(EmailOutbox)
        .where(col(EmailOutbox.id) == outbox_id, col(EmailOutbox.status).in_(RETRYABLE),
               col(EmailOutbox.next_attempt_at) <= now, col(EmailOutbox.attempts) == seen_attempts)
        .values(attempts=attempt, next_attempt_at=now + backoff(attempt)))
    await db.commit()
    return result.rowcount == 1


async def _record(db: AsyncSession, bus: EventBus, *, outbox_id: int, attempt: int, status: str, delivery: str,
                  error: str = '', subject: str | None = None, at: datetime) -> bool:
    """Record the attempt's result; False when the row is gone (the customer was erased meanwhile, G1)."""
    row = await db.get(EmailOutbox, outbox_id)
    if row is None:
        return False
    if row.status == OutboxStatus.SENT:
        return True
    if status != OutboxStatus.SENT and (row.attempts != attempt or row.status not in RETRYABLE):
        return True  # someone claimed it again (or a person retried it) meanwhile: their result counts
    row.status = status
    row.last_error = error[:1000]
    if subject:
        row.subject = subject[:300]
    if status == OutboxStatus.SENT:
        row.sent_at = at
    message = await db.get(Message, row.message_id)
    if message is not None:
        message.delivery = delivery
        db.add(message)
    db.add(row)
    await db.commit()
    view = await load_view(db, row.message_id)
    if view is not None:
        bus.message_updated.emit(view)
    return True


async def deliver_one(*, sessions: async_sessionmaker[AsyncSession], transport: MailTransport, bus: EventBus,
                      mail: MailConfig, outbox_id: int, seen_attempts: int, now: datetime,
                      max_attempts: int) -> bool | None:
    """Claim, send and record one row. True: sent; False: failed; None: not ours to send."""
    async with sessions() as db:
        if not await _claim(db, outbox_id=outbox_id, seen_attempts=seen_attempts, now=now):
            return None
        attempt = seen_attempts + 1
        row = await db.get(EmailOutbox, outbox_id)
        assert row is not None
        if attempt > max_attempts:  # the last allowed attempt was interrupted by a crash
            await _record(db, bus, outbox_id=outbox_id, attempt=attempt, status=OutboxStatus.GIVEN_UP,
                          delivery=Delivery.EMAIL_GIVEN_UP,
                          error=row.last_error or 'Interrupted; gave up after the last attempt.', at=now)
            return False
        try:
            reply_token = issue_reply_token(db, conversation_id=row.conversation_id)
            await db.commit()  # the address works before the mail that carries it leaves
            email = compose(context=await load_context(db=db, row=row, reply_token=reply_token, mail=mail),
                            mail=mail)
        except NotFound as error:
            await _record(db, bus, outbox_id=outbox_id, attempt=attempt, status=OutboxStatus.GIVEN_UP,
                          delivery=Delivery.EMAIL_GIVEN_UP, error=error.message, at=now)
            return False
        except Exception as error:  # noqa: BLE001 - a mail that cannot be written is given up, not the round
            log.exception('composing the e-mail for message %s failed', row.message_id)
            await _record(db, bus, outbox_id=outbox_id, attempt=attempt, status=OutboxStatus.GIVEN_UP,
                          delivery=Delivery.EMAIL_GIVEN_UP, error=f'Could not compose: {type(error).__name__}', at=now)
            return False
    to_address = row.to_address
    try:
        if not to_address:
            raise PermanentMailError('The conversation has no e-mail address to write to.')
        answer = await transport.send(email)
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the attempt is recorded, never lost
        if not isinstance(error, MailError):
            error = MailError(f'{type(error).__name__}: {error}')
        give_up = isinstance(error, PermanentMailError) or attempt >= max_attempts
        log.warning('e-mail for message %s to %s failed (attempt %s of %s): %s', row.message_id, to_address,
                    attempt, max_attempts, error)
        async with sessions() as db:
            await _record(db, bus, outbox_id=outbox_id, attempt=attempt,
                          status=OutboxStatus.GIVEN_UP if give_up else OutboxStatus.FAILED,
                          delivery=Delivery.EMAIL_GIVEN_UP if give_up else Delivery.EMAIL_FAILED, error=str(error),
                          at=now)
        return False
    log.info('e-mail for message %s: %s', row.message_id, answer)
    async with sessions() as db:
        kept = await _record(db, bus, outbox_id=outbox_id, attempt=attempt, status=OutboxStatus.SENT,
                             delivery=Delivery.EMAILED if transport.sends_mail else Delivery.EMAIL_SAVED,
                             subject=str(email['Subject']), at=max(now, utcnow()))
    if not kept and isinstance(transport, FolderTransport):
        # erased while the file was being written (after the erasure removed the files it knew of): it goes too
        await transport.discard(email)
        log.info('e-mail for message %s: its customer was erased meanwhile; the saved file is removed',
                 row.message_id)
    return True


async def deliver_due(*, sessions: async_sessionmaker[AsyncSession], transport: MailTransport, bus: EventBus,
                      mail: MailConfig, now: datetime | None = None, max_attempts: int | None = None,
                      limit: int = BATCH) -> int:
    """Send every due mail (pending, or failed and past its backoff) once; return how many went out."""
    moment = now or utcnow()
    attempts_cap = max_attempts or mail.max_attempts
    async with sessions() as db:
        due = (await db.exec(
            select(EmailOutbox.id, EmailOutbox.attempts)
            .where(col(EmailOutbox.status).in_(RETRYABLE), col(EmailOutbox.next_attempt_at) <= moment)
            .order_by(col(EmailOutbox.next_attempt_at), col(EmailOutbox.id)).limit(limit))).all()
    sent = 0
    for outbox_id, attempts in due:
        assert outbox_id is not None
        if await deliver_one(sessions=sessions, transport=transport, bus=bus, mail=mail, outbox_id=outbox_id,
                             seen_attempts=attempts, now=moment, max_attempts=attempts_cap):
            sent += 1
    return sent


async def seconds_until_due(*, sessions: async_sessionmaker[AsyncSession], now: datetime | None = None) -> float | None:
    """How long until the next row is due (0 when one is due now); None when nothing waits."""
    async with sessions() as db:
        due_at = (await db.exec(select(EmailOutbox.next_attempt_at).where(col(EmailOutbox.status).in_(RETRYABLE))
                                .order_by(col(EmailOutbox.next_attempt_at)).limit(1))).first()
    if due_at is None:
        return None
    return max(0.0, (due_at - (now or utcnow())).total_seconds())


class OutboxWake:
    """Wakes the sender when a reply is queued or retried; its `message_stored` listens to the bus
    (app/listeners.py)."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def message_stored(self, view: MessageView) -> None:
        if view.delivery == Delivery.EMAIL_PENDING:
            self.event.set()


async def run_outbox_forever(runtime: Runtime, transport: MailTransport, wake: OutboxWake, *,
                             idle_seconds: float = IDLE_SECONDS) -> None:
    """The background sender: a round now (a restart resumes pending mail), then whenever `wake` is nudged
    or the next backoff ends, and at least every `idle_seconds`."""
    mail = runtime.config.mail
    log.info('outgoing mail: %s', transport.describe())
    while True:
        wake.event.clear()
        delay = idle_seconds
        try:
            sent = await deliver_due(sessions=runtime.db.sessions, transport=transport, bus=runtime.bus, mail=mail)
            wait = await seconds_until_due(sessions=runtime.db.sessions)
            if wait is not None:
                delay = min(idle_seconds, max(0.0 if sent >= BATCH else 0.2, wait))
        except asyncio.CancelledError:
            raise
        except Exception:  # one bad round must not end e-mail delivery for good
            log.exception('e-mail outbox round failed')
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(wake.event.wait(), timeout=delay)


async def retry_now(*, db: AsyncSession, bus: EventBus, message_id: int) -> MessageView:
    """Staff's "Retry" on a mail that failed or was given up: a fresh round of attempts, starting now."""
    row = (await db.exec(select(EmailOutbox).where(EmailOutbox.message_id == message_id))).first()
    message = await db.get(Message, message_id)
    if row is None or message is None:
        raise NotFound(_('This message has no e-mail to retry.'))
    if row.status == OutboxStatus.SENT:
        raise Conflict(_('This e-mail was already sent.'), code='already_sent')
    if row.status == OutboxStatus.PENDING:  # already on its way: nothing to reset
        view = await load_view(db, message_id)
        assert view is not None
        return view
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    message.delivery = Delivery.EMAIL_PENDING
    db.add(row)
    db.add(message)
    await db.commit()
    view = await load_view(db, message_id)
    assert view is not None
    bus.message_updated.emit(view)
    return view


async def outbox_counts(*, db: AsyncSession) -> dict[str, int]:
    """Rows per status, for the settings page."""
    rows = (await db.exec(select(EmailOutbox.status, func.count()).group_by(EmailOutbox.status))).all()
    counts = {str(status): 0 for status in OutboxStatus}
    counts.update({status: count for status, count in rows})
    return counts
