"""Tabs, views, search and the staff picker through the simulated user."""
from __future__ import annotations

from nicegui.testing import User

from tests.conftest import App, add_staff, sign_in
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
    await user.should_see(marker='assigned-to-me')
    await user.should_see('Assigned to Ana Berg', marker='thread-assignee')


async def test_views_and_search_filter_the_list(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        await chat(db, 'tent@example.com', 'Is the tent waterproof?', name='Tina Tent')
        await chat(db, 'sock@example.com', 'Wool socks in size 44?', name='Sam Sock')
    await sign_in(user)
    await user.should_see('Tina Tent')
    user.find(marker='search').type('waterproof')
    await user.should_not_see('Sam Sock', retries=20)
    await user.should_see('Tina Tent')
    user.find(marker='search').clear()
    await user.should_see('Sam Sock', retries=20)
    user.find(marker='view').elements.pop().set_value('mine')
    await user.should_see('No conversations match these filters.')
    user.find(marker='view').elements.pop().set_value('unassigned')
    await user.should_see('Sam Sock')


async def test_mark_as_unread_brings_the_marker_back(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        cid = await chat(db, 'unread@example.com', 'Read me', name='Una')
    await sign_in(user)
    await user.should_see('1', marker='unread-count')
    await user.open(f'/inbox/{cid}')
    await user.should_not_see(marker='unread-dot')
    user.find(marker='mark-unread').click()
    await user.should_see('Marked as unread')
    await user.should_see(marker='unread-dot')


async def test_row_quick_actions_appear_on_hover_and_close_or_assign(app: App, user: User) -> None:
    """The hover actions are built when the pointer (or focus) first reaches a row."""
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        cid = await chat(db, 'quick@example.com', 'Quick one', name='Quinn')
    await sign_in(user)
    await user.should_see('Quinn')
    await user.should_not_see(marker=f'quick-status-{cid}')
    user.find(marker=f'conversation-{cid}').trigger('mouseenter')
    await user.should_see(marker=f'quick-assign-{cid}')
    user.find(marker=f'quick-status-{cid}').click()
    await user.should_see('Open (0)')
    await user.should_see('Closed (1)')


async def test_a_sideways_swipe_on_a_row_closes_the_conversation(app: App, user: User) -> None:
    """Phones: the page turns a sideways swipe on a row into a 'rowswipe' event (SWIPE_JS)."""
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        cid = await chat(db, 'swipe@example.com', 'Swipe me', name='Sami')
    await sign_in(user)
    await user.should_see('Sami')
    user.find(marker=f'conversation-{cid}').trigger('rowswipe')
    await user.should_see('Open (0)')
    await user.should_see('Closed (1)')
