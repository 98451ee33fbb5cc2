"""Staff sign-in throttling, counted in the database so every process of a shop counts the same attempts (X1).

Attempts are counted before the password is checked (so parallel guesses count too); a success forgives its own
e-mail's counts. Three budgets, so that a stranger who knows the owner's address cannot lock the owner out with
five wrong passwords: `max_failures` per (client address, e-mail) stops a guesser at one address; 4x per client
address stops one address trying many accounts; 20x per e-mail from all addresses stops a guesser spread over
many.

Counting is race-free: each attempt inserts its row first and counts after, inside one transaction that only one
attempt at a time runs (SQLite: the database's single write lock, taken by the insert; PostgreSQL: an advisory
transaction lock). An attempt over a budget rolls back, so it is not counted."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.locks import SIGN_IN_ATTEMPTS, lock_until_commit
from db.models import SignInAttempt
from db.types import utcnow
from services.errors import RateLimited
from services.i18n import _

WINDOW = timedelta(minutes=15)


class SignInLimits:
    def __init__(self, max_failures: int) -> None:
        self.per_pair = max_failures
        self.per_address = 4 * max_failures
        self.per_account = 20 * max_failures

    async def attempt(self, db: AsyncSession, *, email: str, address: str) -> None:
        """Count one attempt (committed); RateLimited, with nothing counted, when any budget is spent."""
        now = utcnow()
        since = now - WINDOW
        address = address[:64]
        await lock_until_commit(db, SIGN_IN_ATTEMPTS)
        db.add(SignInAttempt(email=email[:320], address=address, at=now))
        await db.flush()
        mine = (col(SignInAttempt.email) == email) & col(SignInAttempt.forgiven).is_(False)
        here = col(SignInAttempt.address) == address
        recent = col(SignInAttempt.at) > since
        budgets = ((mine & here, self.per_pair), (here, self.per_address), (mine, self.per_account))
        waits = []
        for condition, budget in budgets:
            count, oldest = (await db.exec(select(func.count(), func.min(SignInAttempt.at))
                                           .where(condition, recent))).one()
            if count > budget:
                waits.append((oldest + WINDOW - now).total_seconds() if oldest else WINDOW.total_seconds())
        if waits:
            await db.rollback()
            wait = max(1.0, max(waits))
            raise RateLimited(_('Too many failed sign-ins. Try again in {seconds} seconds.', seconds=int(wait) + 1),
                              retry_after=wait)
        await db.exec(delete(SignInAttempt).where(col(SignInAttempt.at) <= since))
        await db.commit()

    async def succeeded(self, db: AsyncSession, *, email: str, address: str) -> None:
        """The e-mail's attempts stop counting against it; the address's count stays (signing in to one's own
        account must not reset a guesser's budget)."""
        await db.exec(update(SignInAttempt).where(col(SignInAttempt.email) == email)
                      .values(forgiven=True))
        await db.commit()
