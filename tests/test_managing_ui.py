"""Tabs, views, search and the staff picker through the simulated user."""
from __future__ import annotations

from nicegui.testing import User

from tests.conftest import App, add_staff, sign_in
from tests.list_view import list_shows, on_row, row_of
from tests.test_managing import chat


async def test_closing_from_the_thread_moves_it_to_the_closed_tab(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        cid = await chat(db, 'close@example.com', 'Please close me', name='Cleo')
    await sign_in(user)
    await user.open(f'/inbox/{cid}')
    await user.should_see('Open (1)')
    user.find(marker='thread-status-toggle').click()
    await user.should_see('Open (0)')
    await user.should_see('Closed (1)')
    await user.should_see('Closed', marker='thread-status')
    user.find(marker='thread-status-toggle').click()
    await user.should_see('Open (1)')


async def test_picker_lists_only_staff_with_chat_permission_and_assigns(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        ana = await add_staff(db)
        await add_staff(db, email='ben@example.com', name='Ben Holm', can_chat=False)
        cleo = await add_staff(db, email='cleo@example.com', name='Cleo Dahl')
        cid = await chat(db, 'pick@example.com', 'Who helps me?', name='Pia')
    await sign_in(user)
    await user.open(f'/inbox/{cid}')
    user.find(marker='thread-assign').click()
    await user.should_see(marker=f'pick-{cleo.id}')
    await user.should_not_see('Ben Holm')
    user.find(marker='staff-search').type('ana')
    await user.should_not_see(marker=f'pick-{cleo.id}')
    user.find(marker=f'pick-{ana.id}').click()
    await user.should_see('Assigned to Ana Berg by Ana Berg')
    await list_shows(user, lambda rows: rows[0]['mine'] and rows[0]['assignee'] == '')  # "Assigned to you"
    await user.should_see('Assigned to Ana Berg', marker='thread-assignee')


async def test_views_and_search_filter_the_list(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        await chat(db, 'tent@example.com', 'Is the tent waterproof?', name='Tina Tent')
        await chat(db, 'sock@example.com', 'Wool socks in size 44?', name='Sam Sock')
    await sign_in(user)
    names = lambda rows: {row['name'] for row in rows}  # noqa: E731
    await list_shows(user, lambda rows: names(rows) == {'Tina Tent', 'Sam Sock'})
    user.find(marker='search').type('waterproof')
    await list_shows(user, lambda rows: names(rows) == {'Tina Tent'})
    user.find(marker='search').clear()
    await list_shows(user, lambda rows: names(rows) == {'Tina Tent', 'Sam Sock'})
    user.find(marker='view').elements.pop().set_value('mine')
    await user.should_see('No conversations match these filters.')
    assert names(await list_shows(user, lambda rows: not rows)) == set()
    user.find(marker='view').elements.pop().set_value('unassigned')
    await list_shows(user, lambda rows: 'Sam Sock' in names(rows))


async def test_mark_as_unread_brings_the_marker_back(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        cid = await chat(db, 'unread@example.com', 'Read me', name='Una')
    await sign_in(user)
    await user.should_see('1', marker='unread-count')
    await user.open(f'/inbox/{cid}')
    await list_shows(user, lambda rows: not row_of(rows, cid)['unread'])
    user.find(marker='mark-unread').click()
    await user.should_see('Marked as unread')
    await list_shows(user, lambda rows: row_of(rows, cid)['unread'])


async def test_row_quick_actions_close_and_assign(app: App, user: User) -> None:
    """The buttons a row shows on hover or keyboard focus: close (or reopen) and assign."""
    async with app.runtime.db.sessions() as db:
        ana = await add_staff(db)
        cid = await chat(db, 'quick@example.com', 'Quick one', name='Quinn')
    await sign_in(user)
    await list_shows(user, lambda rows: [row['name'] for row in rows] == ['Quinn'])
    on_row(user, 'assign', cid)
    await user.should_see(marker=f'pick-{ana.id}')
    user.find(marker=f'pick-{ana.id}').click()
    await list_shows(user, lambda rows: rows[0]['mine'])
    on_row(user, 'toggle', cid)
    await user.should_see('Open (0)')
    await user.should_see('Closed (1)')


async def test_a_sideways_swipe_on_a_row_closes_the_conversation(app: App, user: User) -> None:
    """Phones: the row turns a sideways swipe into a 'toggle' (conversation_rows.js; e2e/test_phone.py swipes)."""
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        cid = await chat(db, 'swipe@example.com', 'Swipe me', name='Sami')
    await sign_in(user)
    await list_shows(user, lambda rows: [row['name'] for row in rows] == ['Sami'])
    on_row(user, 'toggle', cid)
    await user.should_see('Open (0)')
    await user.should_see('Closed (1)')


async def test_the_unread_badge_counts_the_whole_inbox_not_only_the_rows_loaded(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        for n in range(55):  # more than the list's first page of 50
            await chat(db, f'many{n}@example.com', f'Question number {n}')
    await sign_in(user)
    await list_shows(user, lambda rows: len(rows) == 50)
    badge = user.find(marker='unread-count').elements.pop()
    assert badge.text == '55'  # (the "Open (55)" tab label holds the same number: look at the badge itself)
