"""U1 pages: the Staff page adds members by invitation, the invitation page signs them in, the Account page changes
the own password, and the composer hides share buttons a member may not use."""
from __future__ import annotations

from nicegui.testing import User
from sqlmodel import select

from db.models import Staff
from services.passwords import verify_password
from services.permissions import Permission
from services.staff_admin import add_member
from tests.conftest import STAFF_PASSWORD, App, add_staff, sign_in
from tests.list_view import on_row
from tests.test_managing import chat


async def test_u1_the_owner_invites_a_member_and_the_link_is_shown_once(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
    await sign_in(user)
    await user.open('/staff')
    await user.should_see('Your team')
    user.find(marker='add-staff').click()
    user.find(marker='new-staff-email').type('ben@example.com')
    user.find(marker='new-staff-name').type('Ben Lund')
    user.find(marker='save-new-staff').click()
    await user.should_see(marker='invitation-link')
    link = user.find(marker='invitation-link').elements.pop().value
    assert '/invite/' in link
    await user.should_see(marker='staff-ben@example.com')
    await user.should_see('Invited')
    async with app.runtime.db.sessions() as db:
        ben = (await db.exec(select(Staff).where(Staff.email == 'ben@example.com'))).one()
        assert ben.invitation_hash and link.rsplit('/', 1)[1] not in ben.invitation_hash


async def test_u1_a_member_without_manage_staff_is_refused_the_staff_page(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    await user.should_not_see(marker='staff-link')
    await user.open('/staff')
    await user.should_see('You do not have the permission to manage staff.')


async def test_u1_share_buttons_follow_the_share_permissions(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, permissions=[Permission.REPLY, Permission.SHARE_PRODUCTS])
        conversation_id = await chat(db, 'shopper@example.com', 'Hello there')
    await sign_in(user)
    on_row(user, 'select', conversation_id)
    await user.should_see(marker='share-products')
    await user.should_see(marker='share-image')
    await user.should_not_see(marker='share-discount')
    await user.should_not_see(marker='why-not-share-products')
    user.find(marker='why-not-share-discount').click()  # where the button is missing, the person can ask why
    await user.should_see('You do not have the permission to share discount codes.')
    await user.should_see('Ask the store owner for the “Share discount codes” permission.')


async def test_u1_hidden_header_links_say_which_permission_is_missing(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)  # the default permissions: no reports, no staff
        await add_staff(db, email='olga@example.com', name='Olga', is_owner=True)
    await sign_in(user)
    await user.should_not_see(marker='reports-link')
    user.find(marker='why-not-reports').click()
    await user.should_see('You do not have the permission to see reports.')
    user.find(marker='why-not-staff').click()
    await user.should_see('Ask the store owner for the “Manage staff” permission.')
    owner = app.new_user()
    await sign_in(owner, email='olga@example.com')
    await owner.should_see(marker='reports-link')
    await owner.should_not_see(marker='why-not-reports')
    await owner.should_not_see(marker='why-not-staff')


async def test_u1_the_account_page_changes_the_own_password(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
    await sign_in(user)
    await user.open('/account')
    user.find(marker='current-password').type('wrong one')
    user.find(marker='new-password').type('a brand new password')
    user.find(marker='change-password').click()
    await user.should_see('The current password is wrong.')
    user.find(marker='current-password').clear().type(STAFF_PASSWORD)
    user.find(marker='change-password').click()
    await user.should_see('Password changed. Your other browsers were signed out.')
    async with app.runtime.db.sessions() as db:
        row = await db.get(Staff, staff.id)
        assert row is not None and verify_password('a brand new password', row.password_hash)
    await user.open('/account')  # this browser stays signed in
    await user.should_see(marker='account-name')


async def test_u1_the_invitation_page_sets_the_password_and_signs_in_once(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        boss = await add_staff(db, email='owner@example.com', is_owner=True)
        added = await add_member(db=db, actor=boss, email='cy@example.com', name='Cy Holm',
                                 permissions=[Permission.REPLY])
    assert added.invitation_token
    await user.open(f'/invite/{added.invitation_token}')
    await user.should_see('Welcome, Cy Holm. Choose a password to join the team.')
    user.find(marker='invitation-password').type('short')
    user.find(marker='accept-invitation').click()
    await user.should_see('The password must have at least 8 characters.')
    user.find(marker='invitation-password').clear().type('my chosen password')
    user.find(marker='accept-invitation').click()
    await user.should_see('Conversations', retries=30)
    await user.open(f'/invite/{added.invitation_token}')
    await user.should_see('This invitation link is not valid or was used already.')
