"""R4 in the inbox: Block sender / Unblock sender in the thread's menu, the "Blocked" mark and the Blocked view."""
from __future__ import annotations

from nicegui.testing import User

from tests.conftest import App, add_staff, sign_in
from tests.list_view import list_shows, on_row
from tests.test_managing import chat


async def test_blocking_from_the_thread_menu_fills_the_blocked_view_and_unblocking_empties_it(
        app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        cid = await chat(db, 'spam@example.com', 'Buy my followers', name='Spammy')
        await chat(db, 'kind@example.com', 'Nice shop', name='Kind Karen')
    await sign_in(user)
    await user.open(f'/inbox/{cid}')
    user.find(marker='view').elements.pop().set_value('blocked')
    await user.should_see('No conversations match these filters.')
    user.find(marker='block-sender').click()
    await user.should_see('Block Spammy?')  # asked first
    user.find(marker='confirm-block').click()
    await user.should_see('Sender blocked')
    await user.should_see('Blocked', marker='thread-blocked')
    await list_shows(user, lambda rows: [row['name'] for row in rows] == ['Spammy'])
    await user.should_see(marker='unblock-sender')
    user.find(marker='unblock-sender').click()
    await user.should_see('Sender unblocked')
    await user.should_not_see(marker='thread-blocked')
    await list_shows(user, lambda rows: rows == [])


async def test_the_lists_quick_action_blocks_after_confirming_and_unblocks(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        cid = await chat(db, 'spam@example.com', 'Buy my followers', name='Spammy')
    await sign_in(user)
    await user.open('/inbox')
    await list_shows(user, lambda rows: [(row['name'], row['blocked']) for row in rows] == [('Spammy', False)])
    assert user.find(marker='conversation-rows').elements.pop().props['can_block']
    on_row(user, 'block', cid)  # the row's Block button in the browser
    await user.should_see('Block Spammy?')
    user.find(marker='confirm-block').click()
    await user.should_see('Sender blocked')
    await list_shows(user, lambda rows: [row['blocked'] for row in rows] == [True])
    on_row(user, 'block', cid)  # now the same button unblocks, without asking
    await user.should_see('Sender unblocked')
    await list_shows(user, lambda rows: [row['blocked'] for row in rows] == [False])
