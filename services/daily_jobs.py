"""The privacy work done once a day (G3, G4): prune the audit log past the store's `audit_retention_days`, then
erase the message texts retention asks for (services/retention.py; nothing when it is off).

Every process runs `run_daily_forever`; each round takes the PRIVACY_DAILY lock across processes (PostgreSQL; on
SQLite one process serves) and does the work only when the store's `daily_jobs_at` is a day old, so several
processes on one database run it once a day between them.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.engine import Database
from db.locks import PRIVACY_DAILY, held_across_processes
from db.types import utcnow
from services import audit, retention
from services.customer_erasure import ErasureFiles
from services.events import EventBus
from services.store import get_store

log = logging.getLogger(__name__)
EVERY = timedelta(days=1)
CHECK_SECONDS = 600.0
FIRST_CHECK_SECONDS = 60.0  # not in the middle of start-up (and never in a test app's short life)


@dataclass(frozen=True)
class DailyReport:
    audit_events_pruned: int
    retention: retention.RetentionReport | None


async def run_if_due(database: Database, *, files: ErasureFiles, bus: EventBus | None,
                     now: datetime | None = None) -> DailyReport | None:
    """The day's jobs when the last run is a day old (None when not due)."""
    moment = now or utcnow()
    # the lock's own session holds its connection (and so the session-level lock) until the block ends; the work
    # commits in other sessions
    async with database.sessions() as lock, held_across_processes(lock, PRIVACY_DAILY):
        async with database.sessions() as db:
            store = await get_store(db)
            if store.daily_jobs_at is not None and moment - store.daily_jobs_at < EVERY:
                return None
            pruned = await audit.prune(db, days=store.audit_retention_days, now=moment)
            store.daily_jobs_at = moment
            db.add(store)
            await db.commit()
        # still under the lock: another process waits, then finds the day done
        erased = await retention.run_retention(database=database, files=files, bus=bus, actor='daily', now=moment)
    return DailyReport(audit_events_pruned=pruned, retention=erased)


async def run_daily_forever(database: Database, *, files: ErasureFiles, bus: EventBus | None) -> None:
    await asyncio.sleep(FIRST_CHECK_SECONDS)
    while True:
        try:
            report = await run_if_due(database, files=files, bus=bus)
            if report is not None:
                log.info('daily privacy jobs: %d audit events pruned', report.audit_events_pruned)
        except Exception:  # keep the schedule; one bad round must not end it
            log.exception('daily privacy jobs failed')
        await asyncio.sleep(CHECK_SECONDS)
