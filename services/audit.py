"""The audit log (G4): one row per audited action, written in the same transaction as the action.

To audit a new action (webhooks, API tokens, ...): add its word to `Action` (and a label to `LABELS`), then call

    audit.record(db, actor=staff, action=Action.X, target='webhook:3', detail={'url': [old, new]}, address=ip)

inside the action's transaction, before its commit: `record` only adds the row to the session, so the row and the
change are committed (or rolled back) together. `actor` is the Staff member, or a label for who acted without an
account (`CLI`, or the e-mail typed at a failed sign-in). `detail` says what changed, as JSON: field names and
`[old, new]` pairs; never a password, secret, token or message text (keys naming such things are refused here).
Reading the log is for the owner only (`events`, `events_csv`).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import AuditEvent, Staff, Store
from db.types import utcnow
from services.errors import Invalid, PermissionDenied
from services.i18n import N_, _

CLI = 'cli'
MAX_TARGET = 300
MAX_LABEL = 320
MAX_ADDRESS = 64
MAX_DETAIL = 4000  # characters of the JSON: what changed, not documents
PAGE_SIZE = 50
MAX_CSV_ROWS = 100_000
DEFAULT_RETENTION_DAYS = 365
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650
SECRET_WORDS = ('password', 'secret', 'token', 'hash', 'body', 'text')
"""A detail key containing one of these is refused: the log must never hold them."""


class Action(StrEnum):
    SIGN_IN = 'sign_in'
    SIGN_IN_FAILED = 'sign_in_failed'
    SIGN_OUT = 'sign_out'
    STAFF_INVITED = 'staff_invited'
    STAFF_CHANGED = 'staff_changed'
    STAFF_DEACTIVATED = 'staff_deactivated'
    PASSWORD_RESET = 'password_reset'
    PERMISSIONS_CHANGED = 'permissions_changed'
    SETTINGS_CHANGED = 'settings_changed'
    MAIL_SETTINGS_CHANGED = 'mail_settings_changed'
    SENDER_BLOCKED = 'sender_blocked'
    SENDER_UNBLOCKED = 'sender_unblocked'
    CUSTOMER_ERASED = 'customer_erased'
    CUSTOMER_EXPORTED = 'customer_exported'
    RETENTION_RUN = 'retention_run'
    API_TOKEN_USED = 'api_token_used'


LABELS: dict[Action, str] = {
    Action.SIGN_IN: N_('Signed in'),
    Action.SIGN_IN_FAILED: N_('Sign-in failed'),
    Action.SIGN_OUT: N_('Signed out'),
    Action.STAFF_INVITED: N_('Staff member added'),
    Action.STAFF_CHANGED: N_('Staff member changed'),
    Action.STAFF_DEACTIVATED: N_('Staff member deactivated'),
    Action.PASSWORD_RESET: N_('Password reset'),
    Action.PERMISSIONS_CHANGED: N_('Permissions changed'),
    Action.SETTINGS_CHANGED: N_('Settings changed'),
    Action.MAIL_SETTINGS_CHANGED: N_('Mail settings changed'),
    Action.SENDER_BLOCKED: N_('Sender blocked'),
    Action.SENDER_UNBLOCKED: N_('Sender unblocked'),
    Action.CUSTOMER_ERASED: N_('Customer erased'),
    Action.CUSTOMER_EXPORTED: N_('Customer data exported'),
    Action.RETENTION_RUN: N_('Retention run'),
    Action.API_TOKEN_USED: N_('API token used'),
}


def label(action: str) -> str:
    """The action's name in the viewer's language (an unknown word, written by a newer version, as it is)."""
    try:
        return _(LABELS[Action(action)])
    except ValueError:
        return action


def _checked_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    found = dict(detail or {})
    for key in found:
        if any(word in key.lower() for word in SECRET_WORDS):
            raise ValueError(f'audit detail key {key!r} could hold a secret or a message text')
    if len(json.dumps(found, default=str)) > MAX_DETAIL:
        return {'truncated': True, 'fields': sorted(found)[:50]}
    return found


def record(db: AsyncSession, *, actor: Staff | str | None, action: Action, target: str = '',
           detail: dict[str, Any] | None = None, address: str = '') -> AuditEvent:
    """Add one audit row to the caller's transaction (not committed here: the action's commit commits it)."""
    if isinstance(actor, Staff):
        staff_id, who = actor.id, actor.email
    else:
        staff_id, who = None, actor or ''
    event = AuditEvent(at=utcnow(), actor_staff_id=staff_id, actor_label=who[:MAX_LABEL], action=Action(action).value,
                       target=target[:MAX_TARGET], detail=_checked_detail(detail), address=address[:MAX_ADDRESS])
    db.add(event)
    return event


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [old, new]}."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def require_owner(staff: Staff | None) -> Staff:
    if staff is None or not staff.active or not staff.is_owner:
        raise PermissionDenied(_('Only the store owner can read the audit log.'), code='owner_only')
    return staff


@dataclass(frozen=True)
class AuditFilter:
    action: str = ''
    staff_id: int | None = None
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC
    text: str = ''


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def day_bounds(first: date | None, last: date | None, zone: str) -> tuple[datetime | None, datetime | None]:
    """The UTC window of the days `first` to `last` (both included) in the store's time zone."""
    tz = ZoneInfo(zone)
    since = datetime.combine(first, time(), tz) if first else None
    until = datetime.combine(last + timedelta(days=1), time(), tz) if last else None
    return since, until


async def actors(*, db: AsyncSession, staff: Staff | None) -> list[tuple[int, str]]:
    """The staff members the log can be filtered by (id, name), for the owner."""
    require_owner(staff)
    rows = (await db.exec(select(Staff.id, Staff.name).order_by(col(Staff.name)))).all()
    return [(staff_id, name) for staff_id, name in rows if staff_id is not None]


def _filtered(query: Any, where: AuditFilter) -> Any:
    if where.action:
        if where.action not in {action.value for action in Action}:
            raise Invalid(_('Unknown action.'), code='invalid_action')
        query = query.where(AuditEvent.action == where.action)
    if where.staff_id is not None:
        query = query.where(AuditEvent.actor_staff_id == where.staff_id)
    if where.since is not None:
        query = query.where(col(AuditEvent.at) >= where.since)
    if where.until is not None:
        query = query.where(col(AuditEvent.at) < where.until)
    words = where.text.strip()[:100]
    if words:
        pattern = '%' + words.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
        query = query.where(or_(col(AuditEvent.actor_label).ilike(pattern, escape='\\'),
                                col(AuditEvent.target).ilike(pattern, escape='\\'),
                                col(AuditEvent.address).ilike(pattern, escape='\\')))
    return query


async def events(*, db: AsyncSession, staff: Staff | None, where: AuditFilter = AuditFilter(),
                 page: int = 1) -> AuditPage:
    """The owner's view: newest first, PAGE_SIZE a page."""
    require_owner(staff)
    total = int((await db.exec(_filtered(select(func.count()).select_from(AuditEvent), where))).one())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = (await db.exec(_filtered(select(AuditEvent), where).order_by(col(AuditEvent.at).desc(),
                                                                         col(AuditEvent.id).desc())
                          .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))).all()
    return AuditPage(events=list(rows), total=total, page=page, pages=pages)


CSV_COLUMNS = ('at', 'action', 'actor_staff_id', 'actor', 'target', 'detail', 'address')


def _csv_cell(value: str) -> str:
    """A spreadsheet would run a cell that starts like a formula: such cells get a leading apostrophe."""
    return "'" + value if value[:1] in ('=', '+', '-', '@', '\t', '\r') else value


def to_csv(rows: Sequence[AuditEvent]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in rows:
        actor_id = '' if event.actor_staff_id is None else event.actor_staff_id
        writer.writerow([event.at.isoformat(), event.action, actor_id,
                         _csv_cell(event.actor_label), _csv_cell(event.target),
                         _csv_cell(json.dumps(event.detail, ensure_ascii=False, sort_keys=True)), event.address])
    return out.getvalue()


async def events_csv(*, db: AsyncSession, staff: Staff | None, where: AuditFilter = AuditFilter()) -> str:
    """Every event the filter matches (at most MAX_CSV_ROWS, newest first) as CSV."""
    require_owner(staff)
    rows = (await db.exec(_filtered(select(AuditEvent), where).order_by(col(AuditEvent.at).desc(),
                                                                         col(AuditEvent.id).desc())
                          .limit(MAX_CSV_ROWS))).all()
    return to_csv(rows)


async def since(db: AsyncSession, moment: datetime) -> list[AuditEvent]:
    """For `inbox audit --since` (whoever runs the server): oldest first."""
    return list((await db.exec(select(AuditEvent).where(col(AuditEvent.at) >= moment)
                               .order_by(col(AuditEvent.at), col(AuditEvent.id)))).all())


def check_retention_days(days: int) -> int:
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise Invalid(_('Keep the audit log between %(low)s and %(high)s days.')
                      % {'low': MIN_RETENTION_DAYS, 'high': MAX_RETENTION_DAYS}, code='invalid_audit_retention')
    return days


async def prune(db: AsyncSession, *, days: int, now: datetime | None = None) -> int:
    """Delete events older than `days` (the daily job; committed by the caller). Returns how many went."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = await db.exec(delete(AuditEvent).where(col(AuditEvent.at) < cutoff))
    return int(result.rowcount or 0)


async def set_retention_days(*, db: AsyncSession, staff: Staff | None, days: int, address: str = '') -> int:
    """The owner's choice of how long the log keeps events (one settings_changed row)."""
    owner = require_owner(staff)
    store = await db.get(Store, 1)
    assert store is not None, 'the store row is made by migration 0002'
    wanted = check_retention_days(days)
    if store.audit_retention_days != wanted:
        record(db, actor=owner, action=Action.SETTINGS_CHANGED, target='store',
               detail={'audit_retention_days': [store.audit_retention_days, wanted]}, address=address)
        store.audit_retention_days = wanted
        db.add(store)
        await db.commit()
    return wanted
