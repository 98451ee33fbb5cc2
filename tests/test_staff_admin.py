"""U1 staff administration: adding by first password or invitation, edits, deactivation, password resets and each
member's own account, with every refusal."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Staff
from db.types import utcnow
from services import staff_admin
from services.errors import Conflict, Invalid, NotFound, PermissionDenied, Unauthorized
from services.passwords import verify_password
from services.permissions import ALL, DEFAULT, Permission, granted
from services.rate_limit import SignInLimits
from services.staff import get_active_staff, sign_in
from tests.conftest import STAFF_PASSWORD, add_staff


async def owner(db: AsyncSession) -> Staff:
    return await add_staff(db, email='owner@example.com', name='Olga Owner', is_owner=True)


async def test_u1_a_member_added_with_a_first_password_can_sign_in(db: AsyncSession) -> None:
    boss = await owner(db)
    added = await staff_admin.add_member(db=db, actor=boss, email='Ben@Example.com', name=' Ben ',
                                         permissions=[Permission.REPLY], password='first password')
    assert added.invitation_token is None
    assert added.staff.email == 'ben@example.com' and added.staff.name == 'Ben'
    assert granted(added.staff) == {Permission.REPLY}
    staff = await sign_in(db=db, limits=SignInLimits(5), email='ben@example.com', password='first password',
                          client_address='127.0.0.1')
    assert staff.id == added.staff.id
    with pytest.raises(Conflict):
        await staff_admin.add_member(db=db, actor=boss, email='ben@example.com', name='Ben again',
                                     permissions=[], password='first password')


async def test_u1_an_invitation_is_shown_once_kept_hashed_and_used_once(db: AsyncSession) -> None:
    boss = await owner(db)
    added = await staff_admin.add_member(db=db, actor=boss, email='cy@example.com', name='Cy', permissions=DEFAULT)
    token = added.invitation_token
    assert token and token not in added.staff.invitation_hash
    with pytest.raises(Unauthorized):  # no password yet: the invitation is the only way in
        await sign_in(db=db, limits=SignInLimits(5), email='cy@example.com', password='', client_address='a')
    staff = await staff_admin.accept_invitation(db=db, token=token, password='my own password')
    assert verify_password('my own password', staff.password_hash)
    with pytest.raises(Invalid) as used:
        await staff_admin.accept_invitation(db=db, token=token, password='another password')
    assert used.value.code == 'invalid_invitation'
    with pytest.raises(Invalid):
        await staff_admin.accept_invitation(db=db, token='made-up', password='another password')


async def test_u1_an_expired_invitation_is_refused(db: AsyncSession) -> None:
    boss = await owner(db)
    added = await staff_admin.add_member(db=db, actor=boss, email='di@example.com', name='Di', permissions=DEFAULT)
    added.staff.invitation_expires_at = utcnow() - timedelta(minutes=1)
    db.add(added.staff)
    await db.commit()
    assert added.invitation_token
    with pytest.raises(Invalid) as expired:
        await staff_admin.accept_invitation(db=db, token=added.invitation_token, password='my own password')
    assert expired.value.code == 'invitation_expired'


async def test_u1_weak_passwords_are_refused_everywhere(db: AsyncSession) -> None:
    boss = await owner(db)
    with pytest.raises(Invalid) as weak:
        await staff_admin.add_member(db=db, actor=boss, email='e@example.com', name='E', permissions=[],
                                     password='short')
    assert weak.value.code == 'weak_password'
    added = await staff_admin.add_member(db=db, actor=boss, email='f@example.com', name='F', permissions=[])
    assert added.invitation_token
    with pytest.raises(Invalid):
        await staff_admin.accept_invitation(db=db, token=added.invitation_token, password='short')
    assert boss.id is not None and added.staff.id is not None
    with pytest.raises(Invalid):
        await staff_admin.reset_password(db=db, actor=boss, staff_id=added.staff.id, password='x' * 1001)
    with pytest.raises(Invalid):
        await staff_admin.change_own_password(db=db, staff_id=boss.id, current=STAFF_PASSWORD, new='short')


async def test_u1_every_change_needs_the_manage_staff_permission(db: AsyncSession) -> None:
    clerk = await add_staff(db)  # the default permissions: no MANAGE_STAFF
    other = await add_staff(db, email='other@example.com', name='Other')
    assert other.id is not None
    with pytest.raises(PermissionDenied):
        await staff_admin.list_staff(db=db, actor=clerk)
    with pytest.raises(PermissionDenied):
        await staff_admin.add_member(db=db, actor=clerk, email='x@example.com', name='X', permissions=ALL)
    with pytest.raises(PermissionDenied):
        await staff_admin.edit_member(db=db, actor=clerk, staff_id=other.id, name='Other', permissions=ALL)
    with pytest.raises(PermissionDenied):
        await staff_admin.set_active(db=db, actor=clerk, staff_id=other.id, active=False)
    with pytest.raises(PermissionDenied):
        await staff_admin.reset_password(db=db, actor=clerk, staff_id=other.id)
    with pytest.raises(PermissionDenied):
        await staff_admin.list_staff(db=db, actor=None)


async def test_u1_nobody_locks_themselves_out(db: AsyncSession) -> None:
    boss = await owner(db)
    manager = await add_staff(db, email='m@example.com', name='Mia', permissions=[Permission.MANAGE_STAFF,
                                                                                   Permission.REPLY])
    assert boss.id is not None and manager.id is not None
    with pytest.raises(PermissionDenied) as itself:
        await staff_admin.set_active(db=db, actor=boss, staff_id=boss.id, active=False)
    assert itself.value.code == 'self_deactivation'
    with pytest.raises(PermissionDenied):
        await staff_admin.set_active(db=db, actor=manager, staff_id=manager.id, active=False)
    with pytest.raises(PermissionDenied) as the_owner:
        await staff_admin.set_active(db=db, actor=manager, staff_id=boss.id, active=False)
    assert the_owner.value.code == 'owner_deactivation'
    with pytest.raises(PermissionDenied) as own:
        await staff_admin.edit_member(db=db, actor=manager, staff_id=manager.id, name='Mia',
                                      permissions=[Permission.REPLY])
    assert own.value.code == 'own_permissions'
    edited = await staff_admin.edit_member(db=db, actor=boss, staff_id=boss.id, name='Olga', permissions=[])
    assert edited.is_owner and granted(edited) == ALL and edited.permissions  # the owner keeps everything
    with pytest.raises(PermissionDenied):
        await staff_admin.reset_password(db=db, actor=manager, staff_id=boss.id, password='a new password')
    with pytest.raises(NotFound):
        await staff_admin.set_active(db=db, actor=boss, staff_id=9999, active=False)


async def test_u1_a_deactivated_member_loses_access_and_can_be_reactivated(db: AsyncSession) -> None:
    boss = await owner(db)
    clerk = await add_staff(db)
    assert clerk.id is not None
    epoch = clerk.session_epoch
    await staff_admin.set_active(db=db, actor=boss, staff_id=clerk.id, active=False)
    assert await get_active_staff(db=db, staff_id=clerk.id) is None
    with pytest.raises(Unauthorized):
        await sign_in(db=db, limits=SignInLimits(5), email='ana@example.com', password=STAFF_PASSWORD,
                      client_address='a')
    back = await staff_admin.set_active(db=db, actor=boss, staff_id=clerk.id, active=True)
    assert back.active and back.session_epoch > epoch  # the browsers signed in before stay signed out


async def test_u1_a_reset_signs_the_member_out_and_replaces_the_password(db: AsyncSession) -> None:
    boss = await owner(db)
    clerk = await add_staff(db)
    assert clerk.id is not None
    epoch = clerk.session_epoch
    assert await staff_admin.reset_password(db=db, actor=boss, staff_id=clerk.id, password='set by owner') is None
    row = await db.get(Staff, clerk.id)
    assert row is not None and verify_password('set by owner', row.password_hash) and row.session_epoch > epoch
    token = await staff_admin.reset_password(db=db, actor=boss, staff_id=clerk.id)
    assert token and not row.password_hash
    staff = await staff_admin.accept_invitation(db=db, token=token, password='chosen again')
    assert verify_password('chosen again', staff.password_hash)


async def test_u1_own_password_needs_the_current_one_and_ends_other_browsers(db: AsyncSession) -> None:
    clerk = await add_staff(db)
    assert clerk.id is not None
    epoch = clerk.session_epoch
    with pytest.raises(Invalid) as wrong:
        await staff_admin.change_own_password(db=db, staff_id=clerk.id, current='not it', new='a new password')
    assert wrong.value.code == 'wrong_password'
    changed = await staff_admin.change_own_password(db=db, staff_id=clerk.id, current=STAFF_PASSWORD,
                                                    new='a new password')
    assert verify_password('a new password', changed.password_hash) and changed.session_epoch == epoch + 1
    again = await staff_admin.sign_out_other_browsers(db=db, staff_id=clerk.id)
    assert again.session_epoch == epoch + 2


async def test_u1_without_share_discount_codes_the_share_service_refuses(db: AsyncSession) -> None:
    """The composer hides the button; the service is what refuses (and sends nothing)."""
    from sqlmodel import select

    from db.models import Message
    from services import sharing
    from services.chat_sessions import SessionCreate, create_session
    from services.events import EventBus
    from tests.test_sharing import add_code
    staff = await add_staff(db, permissions=[Permission.REPLY, Permission.SHARE_PRODUCTS])
    session = (await create_session(db=db, session_in=SessionCreate(email='s@example.com'))).session
    code = await add_code(db, 'WELCOME10')
    with pytest.raises(PermissionDenied, match='share discount codes'):
        await sharing.share_discount(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id,
                                     code_id=code.id)
    assert (await db.exec(select(Message).where(Message.kind == 'discount'))).all() == []
