"""Staff sessions end where they should (issue 16): an open page stops when its staff member is deactivated, loses
the chat permission or signs out in another tab, and a browser idle too long signs in again."""
from __future__ import annotations

import dataclasses
import time

from nicegui import app as nicegui_app
from nicegui.testing import User

from db.models import Staff
from tests.conftest import App, add_staff, sign_in


def quick_guard(app: App) -> None:
    app.runtime.config = dataclasses.replace(app.runtime.config, staff_guard_seconds=0.3)


async def test_a_deactivated_staff_members_open_inbox_is_sent_to_sign_in(app: App, user: User) -> None:
    quick_guard(app)
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
    await sign_in(user)
    await user.open('/inbox')
    async with app.runtime.db.sessions() as db:
        row = await db.get(Staff, staff.id)
        assert row is not None
        row.active = False
        db.add(row)
        await db.commit()
    await user.should_see('Sign in to answer your customers.', retries=40)


async def test_losing_the_chat_permission_takes_the_inbox_away_at_once(app: App, user: User) -> None:
    quick_guard(app)
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
    await sign_in(user)
    await user.open('/inbox')
    async with app.runtime.db.sessions() as db:
        row = await db.get(Staff, staff.id)
        assert row is not None
        row.can_chat = False
        db.add(row)
        await db.commit()
    await user.should_see('You do not have the online-store chat permission.', retries=40)


async def test_signing_out_in_another_tab_ends_this_one(app: App, user: User) -> None:
    quick_guard(app)
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    await user.open('/inbox')
    nicegui_app.storage.user.pop('staff_id')  # what /logout does to this browser's storage
    await user.should_see('Sign in to answer your customers.', retries=40)


async def test_a_browser_idle_longer_than_the_limit_signs_in_again(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    nicegui_app.storage.user['seen_at'] = time.time() - app.runtime.config.staff_idle_seconds - 60
    await user.open('/inbox')
    await user.should_see('Sign in to answer your customers.')
