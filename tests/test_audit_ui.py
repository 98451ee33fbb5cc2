"""G4 audit log page: the owner sees the newest events with filters, an empty state and the CSV download; anyone
else is refused (by the service)."""
from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from services.permissions import Permission
from tests.conftest import App, add_staff, sign_in


async def test_g4_the_owner_reads_filters_and_downloads_the_audit_log(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
    await sign_in(user)
    await user.open('/audit')
    await user.should_see(marker='audit-table')
    table = user.find(marker='audit-table').elements.pop()
    assert isinstance(table, ui.table)
    assert [(row['action'], row['actor'], row['address']) for row in table.rows] == [
        ('Signed in', 'ana@example.com', '127.0.0.1')]
    await user.should_see('1 event · page 1 of 1')
    user.find(marker='audit-csv').click()
    lines = (await user.download.next(timeout=5)).text.splitlines()
    assert lines[0].startswith('at,action,') and ',sign_in,' in lines[1] and len(lines) == 2
    user.find(marker='audit-action').click()
    user.find('Customer erased').click()
    user.find(marker='audit-show').click()
    await user.should_see('No events match these filters.')
    user.find(marker='audit-retention-days').clear().type('10')
    user.find(marker='audit-retention-save').click()
    await user.should_see('Keep the audit log between 30 and 3650 days.')


async def test_g4_a_manager_who_is_not_the_owner_is_refused_the_audit_log(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, permissions=[Permission.REPLY, Permission.MANAGE_STAFF])
    await sign_in(user)
    await user.open('/audit')
    await user.should_see('Only the store owner can read the audit log.')
    await user.should_not_see(marker='audit-table')
