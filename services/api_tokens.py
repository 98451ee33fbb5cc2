"""Personal API tokens of staff (W2): made random with a recognisable prefix, shown once, stored only as SHA-256,
listed and revoked by their owner (the store owner may revoke anyone's), and turned back into the active staff
member they act as. A token acts with its staff member's permissions as they are at each call (services check them).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ApiToken, Staff
from db.types import utcnow
from services import audit
from services.errors import Invalid, NotFound, PermissionDenied, Unauthorized
from services.i18n import _
from services.tokens import hash_token

PREFIX = 'inbox_pat_'
"""Every token starts with this, so a leaked one is recognised (secret scanners, logs)."""
MAX_NAME = 100
MAX_ACTIVE_PER_STAFF = 20
LAST_USED_PRECISION = timedelta(minutes=1)
"""`last_used_at` is written at most once a minute per token: no database write for every API request. The same
write adds the token's `api_token_used` audit row (G4), so the audit log holds one row per token per minute of use,
with the address it came from."""


@dataclass(frozen=True)
class ApiTokenView:
    id: int
    staff_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class CreatedToken:
    """A new token: `secret` is shown once and never stored."""
    secret: str
    token: ApiTokenView


def _view(row: ApiToken) -> ApiTokenView:
    assert row.id is not None
    return ApiTokenView(id=row.id, staff_id=row.staff_id, name=row.name, created_at=row.created_at,
                        last_used_at=row.last_used_at, revoked_at=row.revoked_at)


def _active_staff(staff: Staff | None) -> Staff:
    if staff is None or not staff.active or staff.id is None:
        raise Unauthorized(_('Sign in again.'))
    return staff


def clean_name(raw: str) -> str:
    name = ' '.join(raw.split())
    if not name:
        raise Invalid(_('Give the token a name, such as the tool that will use it.'), code='invalid_name')
    if len(name) > MAX_NAME:
        raise Invalid(_('A token name is at most {max} characters.', max=MAX_NAME), code='invalid_name')
    return name


async def create_token(*, db: AsyncSession, staff: Staff | None, name: str) -> CreatedToken:
    """A new token for the acting staff member; its secret is in the answer only."""
    owner = _active_staff(staff)
    clean = clean_name(name)
    active = (await db.exec(select(ApiToken.id).where(ApiToken.staff_id == owner.id,
                                                      col(ApiToken.revoked_at).is_(None)))).all()
    if len(active) >= MAX_ACTIVE_PER_STAFF:
        raise Invalid(_('You have {count} active tokens; revoke one you no longer use first.',
                        count=MAX_ACTIVE_PER_STAFF), code='too_many_tokens')
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(staff_id=owner.id or 0, name=clean, token_hash=hash_token(secret), created_at=utcnow())
    db.add(row)
    await db.commit()
    await db.refresh(row)
    return CreatedToken(secret=secret, token=_view(row))


async def list_own(*, db: AsyncSession, staff: Staff | None) -> list[ApiTokenView]:
    """The acting staff member's tokens that are not revoked, newest first."""
    owner = _active_staff(staff)
    return await list_of_member(db=db, staff=owner, member_id=owner.id or 0)


async def list_of_member(*, db: AsyncSession, staff: Staff | None, member_id: int) -> list[ApiTokenView]:
    """A staff member's tokens that are not revoked, for the store owner (who may revoke them), newest first."""
    actor = _active_staff(staff)
    if member_id != actor.id and not actor.is_owner:
        raise PermissionDenied(_('Only the store owner may see another staff member\'s tokens.'))
    rows = (await db.exec(select(ApiToken).where(ApiToken.staff_id == member_id, col(ApiToken.revoked_at).is_(None))
                          .order_by(col(ApiToken.id).desc()))).all()
    return [_view(row) for row in rows]


async def revoke(*, db: AsyncSession, staff: Staff | None, token_id: int) -> ApiTokenView:
    """Revoke one of the own tokens; the store owner may revoke anyone's. Revoking twice changes nothing."""
    actor = _active_staff(staff)
    row = await db.get(ApiToken, token_id)
    if row is None:
        raise NotFound(_('No such token.'))
    if row.staff_id != actor.id and not actor.is_owner:
        raise PermissionDenied(_('Only the store owner may revoke another staff member\'s token.'))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.add(row)
        await db.commit()
        await db.refresh(row)
    return _view(row)


async def authenticate(*, db: AsyncSession, token: str | None, now: datetime | None = None,
                       address: str = '') -> Staff | None:
    """The active staff member this token acts as; None for a missing, unknown or revoked token or a deactivated
    member. Records the use (last-used time and an audit row), at most once a minute."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    found = (await db.exec(select(ApiToken, Staff).join(Staff, col(ApiToken.staff_id) == Staff.id)
                           .where(ApiToken.token_hash == hash_token(token)))).first()
    if found is None:
        return None
    row, staff = found
    if row.revoked_at is not None or not staff.active:
        return None
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        # Conditional, so that of several processes (or requests) in the same minute only one writes the row.
        claimed = await db.exec(update(ApiToken).where(
            col(ApiToken.id) == row.id,
            or_(col(ApiToken.last_used_at).is_(None), col(ApiToken.last_used_at) <= now - LAST_USED_PRECISION))
            .values(last_used_at=now))
        if claimed.rowcount == 1:
            audit.record(db, actor=staff, action=audit.Action.API_TOKEN_USED, target=f'{row.name} (#{row.id})',
                         address=address)
        await db.commit()
        await db.refresh(staff)
    return staff
