"""Managing the team (U1): add staff by first password or invitation, edit, deactivate, reset passwords, and each
member's own account (change password, sign out other browsers).

Every change to another member needs MANAGE_STAFF. Nobody may lock themselves out: the signed-in member cannot
deactivate themselves or drop their own permissions, and the owner is never deactivated nor stripped of ownership
(nothing here changes `is_owner`). Invitation tokens are shown once and kept only as SHA-256 hashes.
"""
from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Staff
from db.types import utcnow
from services import audit
from services.audit import Action
from services.errors import Conflict, Invalid, NotFound, PermissionDenied, Unauthorized
from services.i18n import _
from services.passwords import hash_password, verify_password
from services.permissions import ALL, Permission, granted, require, serialize
from services.staff import check_new_password, normalized_email

INVITATION_DAYS = 7
MAX_TOKEN = 200


@dataclass(frozen=True)
class AddedStaff:
    staff: Staff
    invitation_token: str | None  # shown once to whoever added them; None when they got a first password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _open_invitation(staff: Staff) -> str:
    token = secrets.token_urlsafe(32)
    staff.invitation_hash = _token_hash(token)
    staff.invitation_expires_at = utcnow() + timedelta(days=INVITATION_DAYS)
    return token


def _close_sessions(staff: Staff) -> None:
    staff.session_epoch += 1  # pages/staff_auth.py: every browser signed in under the old epoch is signed out


async def list_staff(*, db: AsyncSession, actor: Staff | None) -> list[Staff]:
    require(actor, Permission.MANAGE_STAFF)
    return list((await db.exec(select(Staff).order_by(col(Staff.name), col(Staff.id)))).all())


async def _member(db: AsyncSession, staff_id: int) -> Staff:
    staff = await db.get(Staff, staff_id)
    if staff is None:
        raise NotFound(_('No such staff member.'))
    return staff


def _name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise Invalid(_('A name is required.'), code='missing_name')
    return name[:200]


async def add_member(*, db: AsyncSession, actor: Staff | None, email: str, name: str,
                     permissions: Iterable[Permission], password: str | None = None,
                     address: str = '') -> AddedStaff:
    """A new member with a first password, or (password None) with an invitation valid INVITATION_DAYS days."""
    manager = require(actor, Permission.MANAGE_STAFF)
    email_address = normalized_email(email)
    staff = Staff(email=email_address, name=_name(name), password_hash='', permissions=serialize(permissions))
    token = None
    if password is None:
        token = _open_invitation(staff)
    else:
        check_new_password(password)
        staff.password_hash = await asyncio.to_thread(hash_password, password)
    db.add(staff)
    try:
        await db.flush()
        audit.record(db, actor=manager, action=Action.STAFF_INVITED, target=f'staff:{staff.id}', address=address,
                     detail={'email': staff.email, 'name': staff.name, 'permissions': staff.permissions.split(),
                             'invitation': token is not None})
        await db.commit()
    except IntegrityError as error:
        await db.rollback()
        raise Conflict(_('A staff account for %(email)s already exists.') % {'email': email_address},
                       code='staff_exists') from error
    return AddedStaff(staff, token)


async def invited_member(*, db: AsyncSession, token: str) -> Staff:
    """The member an open invitation is for; Invalid when the link is unknown, used or expired."""
    if not token or len(token) > MAX_TOKEN:
        raise Invalid(_('This invitation link is not valid.'), code='invalid_invitation')
    staff = (await db.exec(select(Staff).where(Staff.invitation_hash == _token_hash(token)))).first()
    if staff is None or not staff.active:
        raise Invalid(_('This invitation link is not valid or was used already.'), code='invalid_invitation')
    if staff.invitation_expires_at is None or staff.invitation_expires_at < utcnow():
        raise Invalid(_('This invitation has expired. Ask for a new one.'), code='invitation_expired')
    return staff


async def accept_invitation(*, db: AsyncSession, token: str, password: str, address: str = '') -> Staff:
    """Sets the invited member's password and closes the invitation (single use); the page then signs them in."""
    staff = await invited_member(db=db, token=token)
    check_new_password(password)
    audit.record(db, actor=staff, action=Action.PASSWORD_RESET, target=f'staff:{staff.id}', address=address,
                 detail={'by': 'invitation'})
    staff.password_hash = await asyncio.to_thread(hash_password, password)
    staff.invitation_hash = ''
    staff.invitation_expires_at = None
    _close_sessions(staff)
    db.add(staff)
    await db.commit()
    return staff


async def edit_member(*, db: AsyncSession, actor: Staff | None, staff_id: int, name: str,
                      permissions: Iterable[Permission], address: str = '') -> Staff:
    manager = require(actor, Permission.MANAGE_STAFF)
    staff = await _member(db, staff_id)
    wanted = frozenset(Permission(permission) for permission in permissions)
    if staff.is_owner:
        wanted = ALL  # the owner has every permission whatever the column says; keep the column saying so
    elif staff.id == manager.id and not granted(manager) <= wanted:
        raise PermissionDenied(_('You cannot remove your own permissions.'), code='own_permissions')
    before = {'name': staff.name, 'permissions': staff.permissions.split()}
    staff.name = _name(name)
    staff.permissions = serialize(wanted)
    changed = audit.changes(before, {'name': staff.name, 'permissions': staff.permissions.split()})
    if changed:  # a save that changes nothing is not recorded
        audit.record(db, actor=manager, action=Action.PERMISSIONS_CHANGED if 'permissions' in changed
                     else Action.STAFF_CHANGED, target=f'staff:{staff.id}', detail=changed, address=address)
    db.add(staff)
    await db.commit()
    return staff


async def set_active(*, db: AsyncSession, actor: Staff | None, staff_id: int, active: bool,
                     address: str = '') -> Staff:
    """Deactivated members are refused at their next request or page check (get_active_staff), and signed out."""
    manager = require(actor, Permission.MANAGE_STAFF)
    staff = await _member(db, staff_id)
    if not active and staff.id == manager.id:
        raise PermissionDenied(_('You cannot deactivate yourself.'), code='self_deactivation')
    if not active and staff.is_owner:
        raise PermissionDenied(_('The store owner cannot be deactivated.'), code='owner_deactivation')
    audit.record(db, actor=manager, action=Action.STAFF_CHANGED if active else Action.STAFF_DEACTIVATED,
                 target=f'staff:{staff.id}', detail=audit.changes({'active': staff.active}, {'active': active}),
                 address=address)
    staff.active = active
    if not active:
        _close_sessions(staff)
    db.add(staff)
    await db.commit()
    return staff


async def reset_password(*, db: AsyncSession, actor: Staff | None, staff_id: int,
                         password: str | None = None, address: str = '') -> str | None:
    """A new password set by a manager, or (password None) a new invitation whose token is returned once. Either
    way the member's browsers are signed out and the old password stops working."""
    manager = require(actor, Permission.MANAGE_STAFF)
    staff = await _member(db, staff_id)
    if staff.is_owner and not manager.is_owner:
        raise PermissionDenied(_("Only the owner can reset the owner's password."), code='owner_password')
    audit.record(db, actor=manager, action=Action.PASSWORD_RESET, target=f'staff:{staff.id}', address=address,
                 detail={'by': 'invitation' if password is None else 'manager'})
    token = None
    if password is None:
        token = _open_invitation(staff)
        staff.password_hash = ''
    else:
        check_new_password(password)
        staff.password_hash = await asyncio.to_thread(hash_password, password)
    _close_sessions(staff)
    db.add(staff)
    await db.commit()
    return token


async def change_own_password(*, db: AsyncSession, staff_id: int, current: str, new: str,
                              address: str = '') -> Staff:
    """The member's own new password; needs the current one. Their other browsers are signed out (the caller keeps
    this browser signed in with the returned member's new epoch)."""
    staff = await db.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise Unauthorized(_('Not signed in.'))
    if len(current) > 1000 or not await asyncio.to_thread(verify_password, current, staff.password_hash or None):
        raise Invalid(_('The current password is wrong.'), code='wrong_password')
    check_new_password(new)
    audit.record(db, actor=staff, action=Action.PASSWORD_RESET, target=f'staff:{staff.id}', address=address,
                 detail={'by': 'self'})
    staff.password_hash = await asyncio.to_thread(hash_password, new)
    _close_sessions(staff)
    db.add(staff)
    await db.commit()
    return staff


async def sign_out_other_browsers(*, db: AsyncSession, staff_id: int, address: str = '') -> Staff:
    """Raises the member's session epoch; the caller stores the new one in this browser so only the others end."""
    staff = await db.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise Unauthorized(_('Not signed in.'))
    audit.record(db, actor=staff, action=Action.SIGN_OUT, target=f'staff:{staff.id}', address=address,
                 detail={'other_browsers': True})
    _close_sessions(staff)
    db.add(staff)
    await db.commit()
    return staff
