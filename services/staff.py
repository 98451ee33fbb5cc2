"""Staff accounts, sign-in with throttling, and the chat permission (M3)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Staff
from services import audit
from services.audit import Action
from services.errors import Conflict, Invalid, RateLimited, Unauthorized
from services.i18n import _, normalize
from services.passwords import hash_password, verify_password
from services.permissions import DEFAULT, Permission, serialize
from services.sign_in_limits import SignInLimits

MIN_PASSWORD = 8
MAX_PASSWORD = 1000  # argon2 hashes any length; this caps the work a request can ask for
FAILED_SIGN_IN_DELAY = 0.5


def normalized_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise Invalid(f'Invalid e-mail address: {error}', code='invalid_email') from error


def check_new_password(password: str) -> None:
    """The rule every new password meets (first password, invitation, reset, own change)."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(_('The password must have at least %(count)s characters.') % {'count': MIN_PASSWORD},
                      code='weak_password')
    if len(password) > MAX_PASSWORD:
        raise Invalid(_('The password can have at most %(count)s characters.') % {'count': MAX_PASSWORD},
                      code='weak_password')


async def new_staff(*, email: str, password: str, name: str, is_owner: bool = False,
                    permissions: Iterable[Permission] = DEFAULT, hasher: Callable[[str], str] = hash_password) -> Staff:
    """A validated staff account with its password hashed (argon2 unless a test passes a cheaper hasher), not yet
    added to a session: create_staff saves one, the demo store adds its team in its own transaction."""
    address = normalized_email(email)
    check_new_password(password)
    if not name.strip():
        raise Invalid('A name is required.', code='missing_name')
    password_hash = await asyncio.to_thread(hasher, password)
    return Staff(email=address, name=name.strip()[:200], password_hash=password_hash, is_owner=is_owner,
                 permissions=serialize(permissions))


async def create_staff(*, db: AsyncSession, email: str, password: str, name: str, is_owner: bool = False,
                       permissions: Iterable[Permission] = DEFAULT) -> Staff:
    staff = await new_staff(email=email, password=password, name=name, is_owner=is_owner, permissions=permissions)
    address = staff.email
    db.add(staff)
    try:
        await db.commit()
    except IntegrityError as error:
        await db.rollback()
        raise Conflict(f'A staff account for {address} already exists.', code='staff_exists') from error
    return staff


async def sign_in(*, db: AsyncSession, limits: SignInLimits, email: str, password: str,
                  client_address: str) -> Staff:
    """Check the password; attempts are counted first (services/sign_in_limits.py), failures slowed down. Each
    attempt writes one audit row (G4): sign_in, or sign_in_failed with the e-mail as typed (never the password)."""
    address = email.strip().lower()
    try:
        await limits.attempt(db, email=address, address=client_address)
    except RateLimited:
        audit.record(db, actor=address, action=Action.SIGN_IN_FAILED, target=address, address=client_address,
                     detail={'reason': 'throttled'})
        await db.commit()
        raise
    staff = (await db.exec(select(Staff).where(Staff.email == address))).first()
    ok = await asyncio.to_thread(verify_password, password, staff.password_hash if staff else None)
    if not ok or staff is None or not staff.active:
        audit.record(db, actor=address, action=Action.SIGN_IN_FAILED, target=address, address=client_address,
                     detail={'reason': 'inactive' if ok and staff is not None else 'wrong_password'})
        await db.commit()
        await asyncio.sleep(FAILED_SIGN_IN_DELAY)
        raise Unauthorized(_('Wrong e-mail or password.'))
    audit.record(db, actor=staff, action=Action.SIGN_IN, target=f'staff:{staff.id}', address=client_address)
    await limits.succeeded(db, email=address, address=client_address)
    return staff


async def sign_out(*, db: AsyncSession, staff_id: int | None, address: str) -> None:
    """The audit row of a sign-out (the browser's session itself is NiceGUI's, cleared by pages/login.py)."""
    staff = await db.get(Staff, staff_id) if staff_id is not None else None
    if staff is None:
        return
    audit.record(db, actor=staff, action=Action.SIGN_OUT, target=f'staff:{staff.id}', address=address)
    await db.commit()


async def get_active_staff(*, db: AsyncSession, staff_id: int | None) -> Staff | None:
    if staff_id is None:
        return None
    staff = await db.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


NOTIFY_SCOPES = ('all', 'assigned')


async def update_notification_preferences(*, db: AsyncSession, staff_id: int, scope: str, sound: bool) -> Staff:
    """C3: a staff member's own choice of which new messages notify them, and whether with a sound."""
    if scope not in NOTIFY_SCOPES:
        raise Invalid(_('Notifications are for all conversations or only those assigned to you.'))
    staff = await db.get(Staff, staff_id)
    if staff is None:
        raise Unauthorized(_('Not signed in.'))
    staff.notify_scope = scope
    staff.notify_sound = sound
    db.add(staff)
    await db.commit()
    return staff


async def set_language(*, db: AsyncSession, staff_id: int, language: str, only_if_unset: bool = False) -> Staff:
    """A staff member's inbox language (one of SUPPORTED_LANGUAGES); `only_if_unset` for the browser's default at
    the first sign-in, which must not overwrite a choice made in the language menu."""
    chosen = normalize(language)
    if chosen is None:
        raise Invalid(_('Choose one of the languages in the list.'), code='invalid_language')
    staff = await db.get(Staff, staff_id)
    if staff is None:
        raise Unauthorized(_('Not signed in.'))
    if only_if_unset and staff.language:
        return staff
    staff.language = chosen
    db.add(staff)
    await db.commit()
    return staff
