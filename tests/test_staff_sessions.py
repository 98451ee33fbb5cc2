"""Staff sessions end where they should (issue 16): an open page stops when its staff member is deactivated, loses
the chat permission or signs out in another tab, and a browser idle too long signs in again. Signing in gives the
browser a new id, so an id planted in it before never becomes a signed-in one."""
from __future__ import annotations

import base64
import dataclasses
import json
import time

import httpx
from itsdangerous import TimestampSigner
from nicegui import app as nicegui_app
from nicegui import core
from nicegui.testing import User

from db.models import Staff
from services.sign_in_tickets import SignInTickets
from services.staff_admin import sign_out_other_browsers
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
        row.permissions = ''
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
    await user.open('/inbox')  # so that this test's `app.storage.user` is the signed-in browser id's
    nicegui_app.storage.user['seen_at'] = time.time() - app.runtime.config.staff_idle_seconds - 60
    await user.open('/inbox')
    await user.should_see('Sign in to answer your customers.')


def browser_id_in(app: App, cookie: str) -> str:
    """The browser id inside NiceGUI's signed session cookie (Starlette's SessionMiddleware format)."""
    return str(json.loads(base64.b64decode(TimestampSigner(app.settings.secret).unsign(cookie)))['id'])


def other_browser(cookies: httpx.Cookies | dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test', cookies=cookies)


async def test_signing_in_gives_the_browser_a_new_id_and_the_id_it_had_stays_signed_out(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await user.open('/login')
    planted = user.http_client.cookies['session']  # say, set in this browser by someone who kept a copy
    await sign_in(user)
    assert browser_id_in(app, user.http_client.cookies['session']) != browser_id_in(app, planted)
    async with other_browser({'session': planted}) as copy:
        answer = await copy.get('/inbox')
    assert answer.status_code == 307 and answer.headers['location'].startswith('/login')
    await user.open('/inbox')  # the browser that signed in still is
    await user.should_see('Conversations')


async def test_signing_out_sends_every_open_page_of_the_browser_to_sign_in_at_once(app: App, user: User) -> None:
    app.runtime.config = dataclasses.replace(app.runtime.config, staff_guard_seconds=3600)  # not the periodic check
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    await user.open('/inbox')
    async with other_browser(user.http_client.cookies) as other_tab:  # another tab of the same browser
        answer = await other_tab.get('/logout', headers={'sec-fetch-site': 'same-origin'})
        assert answer.headers['location'] == '/login'
        renewed = other_tab.cookies['session']
    assert browser_id_in(app, renewed) != browser_id_in(app, user.http_client.cookies['session'])
    await user.should_see('Sign in to answer your customers.', retries=20)


def test_a_sign_in_ticket_is_used_once_by_the_browser_it_was_issued_to_within_a_minute() -> None:
    now = [1000.0]
    tickets = SignInTickets(clock=lambda: now[0])
    ticket = tickets.issue(staff_id=7, browser_id='browser-a')
    assert tickets.redeem(ticket, browser_id='browser-b') is None  # another browser: refused, and the ticket is gone
    assert tickets.redeem(ticket, browser_id='browser-a') is None
    ticket = tickets.issue(staff_id=7, browser_id='browser-a')
    found = tickets.redeem(ticket, browser_id='browser-a')
    assert found is not None and found.staff_id == 7 and not found.renewed
    assert tickets.redeem(ticket, browser_id='browser-a') is None  # once
    late = tickets.issue(staff_id=7, browser_id='browser-a', renewed=True)
    now[0] += 61
    assert tickets.redeem(late, browser_id='browser-a') is None
    assert tickets.redeem('', browser_id='browser-a') is None and tickets.redeem('x' * 500, browser_id='') is None


async def test_signing_out_other_browsers_ends_an_open_page_of_another_browser(app: App, user: User) -> None:
    """U1: a raised session epoch (own password change, reset, "sign out other browsers") ends open pages."""
    quick_guard(app)
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
    await sign_in(user)
    await user.open('/inbox')
    assert staff.id is not None
    async with app.runtime.db.sessions() as db:
        await sign_out_other_browsers(db=db, staff_id=staff.id)
    await user.should_see('Sign in to answer your customers.', retries=40)
