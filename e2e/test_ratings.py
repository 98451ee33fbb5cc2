"""K2 in a real browser: staff close a conversation while the shopper is in the chat; the chat shows the survey; the
shopper picks 4 stars with the keyboard and comments; the staff thread shows the rating; Reports shows the average.
Screenshots docs/screenshots/rating-chat.png and reports-satisfaction.png."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF, _clean_env
from e2e.page_objects import ChatPage, Inbox

SHOTS = Path(__file__).parent.parent / 'docs' / 'screenshots'
OWNER = {'email': 'rhea@example.com', 'password': 'e2e reports owner', 'name': 'Rhea Owner'}


def add_owner(tmp_path_factory: pytest.TempPathFactory) -> None:
    """An owner (who may see Reports) in the shared server's database, added beside the running server."""
    data_dir = tmp_path_factory.getbasetemp() / 'inbox-data0'  # the `server` fixture's data dir
    assert (data_dir / 'server.log').exists(), 'the shared e2e server keeps its data elsewhere now'
    subprocess.run([sys.executable, '-m', 'app.cli', 'create-staff', '--owner', '--email', OWNER['email'],
                    '--password', OWNER['password'], '--name', OWNER['name']], env=_clean_env(data_dir, 8998),
                   check=True, capture_output=True)


def test_a_closed_chat_is_rated_and_the_rating_reaches_the_thread_and_reports(
        browser: Browser, server: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    shopper_context = browser.new_context(viewport={'width': 420, 'height': 760})
    staff_context = browser.new_context(viewport={'width': 1400, 'height': 860})
    try:
        shopper = ChatPage(shopper_context.new_page(), server)
        shopper.open()
        shopper.start_chat('rita@example.com', 'Rita Holm')
        shopper.send('Do you ship to Norway?')
        expect(shopper.message('Do you ship to Norway?')).to_be_visible()

        inbox = Inbox(staff_context.new_page(), server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        inbox.open_conversation('Rita Holm')
        inbox.reply('Yes, in 3 to 5 days.')
        expect(shopper.message('Yes, in 3 to 5 days.')).to_be_visible()
        inbox.thread_action('Close')
        expect(inbox.page.get_by_text('Asked for a rating in the chat', exact=False)).to_be_visible()

        page = shopper.page
        expect(page.get_by_text('How did we do? Please rate this conversation from 1 to 5.')).to_be_visible()
        first = page.get_by_role('radio', name='1 out of 5')
        first.focus()
        page.keyboard.press('Space')
        for _step in range(3):
            page.keyboard.press('ArrowRight')
        expect(page.get_by_role('radio', name='4 out of 5')).to_be_checked()
        page.get_by_label('Comment (optional)').fill('Fast and friendly')
        page.screenshot(path=str(SHOTS / 'rating-chat.png'))
        page.get_by_role('button', name='Send rating').click()
        expect(page.get_by_text('Thank you for your rating!')).to_be_visible()

        expect(inbox.page.get_by_text('Rated 4/5: Fast and friendly', exact=False)).to_be_visible()

        add_owner(tmp_path_factory)
        owner_context = browser.new_context(viewport={'width': 1280, 'height': 900})
        try:
            owner = Inbox(owner_context.new_page(), server)
            owner.sign_in(OWNER['email'], OWNER['password'])
            owner.goto('/reports')
            block = owner.page.get_by_text('Satisfaction', exact=True)
            expect(block).to_be_visible()
            expect(owner.page.get_by_text('4.0 / 5', exact=True)).to_be_visible()
            card = owner.page.locator('.q-card').filter(has=block)
            card.scroll_into_view_if_needed()
            owner.page.wait_for_timeout(500)  # the bar chart's entry animation
            card.screenshot(path=str(SHOTS / 'reports-satisfaction.png'))
        finally:
            owner_context.close()
    finally:
        shopper_context.close()
        staff_context.close()
