"""G3 retention: erase the message texts of conversations closed more than N days ago (off by default).

"N days" is reckoned in the store's time zone: a conversation closed before local midnight at the start of the day
N days before today is erased (N = 30 on 4 December: closed before 4 November 00:00 store time), so every erased
conversation was closed at least N whole days ago. `closed_at` is stored in UTC; only conversations closed now are
touched (a reopened one is open), and one reopened and closed again counts from its latest close.

What goes is what G1 erases from a conversation, by the same steps (`customer_erasure.TEXT_STEPS`): every message
text and payload (images on disk too), the e-mails sent from them (outbox rows and `.eml` files), topic corrections,
the list preview; the search indexes follow (SQLite: FTS5 `optimize`, `secure_delete`, WAL checkpoint). The
conversations, their messages' rows (authors, kinds, times, topics), the customers and the Reports figures stay.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.locks import CUSTOMER_DATA, exclusive_until_commit
from db.models import Conversation, Message, Staff
from db.states import ConversationStatus
from db.types import utcnow
from services import audit
from services.audit import Action
from services.customer_erasure import (
    KEPT_KINDS,
    TEXT_STEPS,
    ErasureFiles,
    ErasureScope,
    merge_search_indexes,
    remove_files_and_checkpoint,
    secure_session,
)
from services.errors import Invalid
from services.events import EventBus
from services.i18n import _
from services.permissions import Permission, require
from services.store import get_store

log = logging.getLogger(__name__)
MIN_DAYS = 30
MAX_DAYS = 3650
BATCH = 200  # conversations per transaction


def cutoff(*, days: int, zone: str, now: datetime | None = None) -> datetime:
    """The moment before which a close counts as "more than `days` days ago": local midnight starting the day
    `days` days before today in `zone`."""
    tz = ZoneInfo(zone)
    today: date = (now or utcnow()).astimezone(tz).date()
    return datetime.combine(today - timedelta(days=days), time(), tz)


def _due(before: datetime) -> Any:
    """Closed conversations whose latest close is before `before` and whose texts were not erased since it."""
    return (col(Conversation.status) == ConversationStatus.CLOSED) & col(Conversation.closed_at).is_not(None) & \
        (col(Conversation.closed_at) < before) & \
        or_(col(Conversation.texts_erased_at).is_(None), col(Conversation.texts_erased_at) < Conversation.closed_at)


@dataclass(frozen=True)
class RetentionPreview:
    messages: int
    conversations: int


async def preview(*, db: AsyncSession, staff: Staff | None, days: int, now: datetime | None = None) -> RetentionPreview:
    """What switching retention on with `days` would erase now."""
    require(staff, Permission.MANAGE_STAFF)
    store = await get_store(db)
    before = cutoff(days=check_days(days), zone=store.time_zone, now=now)
    return await _count(db, before)


async def _count(db: AsyncSession, before: datetime) -> RetentionPreview:
    conversations = int((await db.exec(select(func.count()).select_from(Conversation).where(_due(before)))).one())
    messages = int((await db.exec(select(func.count()).select_from(Message).join(
        Conversation, col(Conversation.id) == Message.conversation_id).where(
        _due(before), col(Message.kind).not_in(KEPT_KINDS)))).one())
    return RetentionPreview(messages=messages, conversations=conversations)


def check_days(days: int) -> int:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise Invalid(_('Choose between %(low)s and %(high)s days.') % {'low': MIN_DAYS, 'high': MAX_DAYS},
                      code='invalid_retention_days')
    return days


async def set_retention(*, db: AsyncSession, staff: Staff | None, days: int | None, address: str = '') -> int | None:
    """Switch retention on with `days` (at least MIN_DAYS) or off (None); one settings_changed audit row."""
    manager = require(staff, Permission.MANAGE_STAFF)
    wanted = None if days is None else check_days(days)
    store = await get_store(db)
    if store.retention_days != wanted:
        audit.record(db, actor=manager, action=Action.SETTINGS_CHANGED, target='store',
                     detail={'retention_days': [store.retention_days, wanted]}, address=address)
        store.retention_days = wanted
        db.add(store)
        await db.commit()
    return wanted


@dataclass(frozen=True)
class RetentionReport:
    days: int
    cutoff: datetime
    conversations: int
    messages: int
    files_removed: int


async def run_retention(*, database: Database, files: ErasureFiles, bus: EventBus | None,
                        actor: Staff | str, address: str = '', now: datetime | None = None) -> RetentionReport | None:
    """One run (daily, the button, `inbox retention run`): None when retention is off. Writes one retention_run
    audit row with the counts, in the run's last transaction."""
    async with database.sessions() as db:
        store = await get_store(db)
        days, zone = store.retention_days, store.time_zone
    if days is None:
        return None
    before = cutoff(days=days, zone=zone, now=now)
    conversations = messages = removed = 0
    changed: list[int] = []
    while True:
        async with secure_session(database) as db:
            await exclusive_until_commit(db, CUSTOMER_DATA)  # an inbound e-mail reopening one of them goes first
            ids = [i for i in (await db.exec(select(Conversation.id).where(_due(before)).order_by(
                col(Conversation.id)).limit(BATCH))).all() if i is not None]
            scope = ErasureScope(customer_id=0, conversation_ids=ids, session_ids=[])  # TEXT_STEPS only
            for step in TEXT_STEPS:
                await step(db, scope)
            conversations += len(ids)
            messages += scope.messages_erased
            last = len(ids) < BATCH
            if last:
                audit.record(db, actor=actor, action=Action.RETENTION_RUN, target='store', address=address,
                             detail={'days': days, 'cutoff': before.isoformat(), 'conversations': conversations,
                                     'messages': messages})
            await db.flush()
            if ids:
                await merge_search_indexes(db)
            await db.commit()
        files_gone, _checkpointed = await remove_files_and_checkpoint(database, files, scope)
        removed += files_gone
        changed.extend(ids)
        if last:
            break
    if bus is not None:
        for conversation_id in changed:
            bus.conversation_changed.emit(conversation_id)
    log.info('retention (%d days, before %s): %d conversations, %d messages, %d files', days, before.isoformat(),
             conversations, messages, removed)
    return RetentionReport(days=days, cutoff=before, conversations=conversations, messages=messages,
                           files_removed=removed)


async def run_now(*, database: Database, files: ErasureFiles, bus: EventBus | None, staff: Staff | None,
                  address: str = '') -> RetentionReport | None:
    """The "Run now" button: a member with Manage staff."""
    actor = require(staff, Permission.MANAGE_STAFF)
    return await run_retention(database=database, files=files, bus=bus, actor=actor, address=address)
