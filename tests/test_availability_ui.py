"""A1's staff page (/availability): hours added and checked at the edge, holidays, texts, and the permission."""
from __future__ import annotations

from datetime import date

from nicegui.testing import User

from services import availability
from services.availability import Holiday, Texts
from services.opening_hours import Range
from services.permissions import Permission
from tests.conftest import App, add_staff, sign_in


async def test_the_availability_page_saves_hours_holidays_and_texts_and_names_mistakes(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, permissions={Permission.REPLY, Permission.MANAGE_REPLIES})
    await sign_in(user)
    await user.open('/availability')
    await user.should_see(marker='closed-0')
    user.find(marker='add-range-0').click()
    await user.should_see(marker='range-0-0-start')
    user.find(marker='range-0-0-start').clear().type('10:00')
    user.find(marker='range-0-0-end').clear().type('9:00')
    user.find(marker='save-availability').click()
    await user.should_see('Monday: 09:00 is not after 10:00.', marker='availability-error')
    user.find(marker='range-0-0-end').clear().type('18:30')
    user.find(marker='add-holiday').click()
    await user.should_see(marker='holiday-0-date')
    user.find(marker='holiday-0-date').type('24.12.2026')
    user.find(marker='save-availability').click()
    await user.should_see('"24.12.2026" is not a date.', marker='availability-error')
    user.find(marker='holiday-0-date').clear().type('2026-12-24')
    user.find(marker='holiday-0-label').type('Christmas Eve')
    user.find(marker='greeting-en').type('Hello from the team!')
    user.find(marker='away-when-nobody').click()
    user.find(marker='save-availability').click()
    await user.should_see('Availability saved')
    async with app.runtime.db.sessions() as db:
        saved = await availability.load_settings(db)
    assert saved.ranges == (Range(0, 600, 1110),)
    assert saved.holidays == (Holiday(date(2026, 12, 24), 'Christmas Eve'),)
    assert saved.texts == {'en': Texts('Hello from the team!', '')} and saved.away_when_nobody


async def test_the_page_refuses_staff_without_the_permission(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    await user.should_not_see(marker='availability-link')
    await user.open('/availability')
    await user.should_see(marker='availability-refused')
    await user.should_not_see(marker='save-availability')
