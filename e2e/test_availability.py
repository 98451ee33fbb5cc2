"""A1 in real Chromium: the owner's staff sets hours so the store is closed today; the shopper's chat shows Away and
when the team is back; the shopper writes twice and gets the away message once; staff see it in the thread."""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF, MailSink, running_server
from e2e.page_objects import ChatPage, Inbox
from services.availability import WEEKDAY_NAMES

SCREENSHOTS = Path(__file__).parent.parent / 'docs' / 'screenshots'
AWAY = 'Thanks for writing! We are closed today and answer first thing tomorrow.'


@pytest.fixture(scope='module')
def hours_server(tmp_path_factory: pytest.TempPathFactory, mail_sink: MailSink) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp('hours-data')
    with running_server(data_dir, mail_sink) as base:
        with sqlite3.connect(data_dir / 'inbox.db') as db:  # setup: e2e staff do not manage availability
            db.execute("UPDATE staff SET permissions = permissions || ' manage_replies' WHERE email = ?",
                       (STAFF['email'],))
        yield base


def test_closed_store_shows_away_and_back_at_and_posts_the_away_message_once(
        browser: Browser, hours_server: str) -> None:
    tomorrow = (datetime.now(UTC).weekday() + 1) % 7  # the store's zone is UTC: today has no hours, so it is closed
    staff_context = browser.new_context(viewport={'width': 1280, 'height': 1480})
    shopper_context = browser.new_context(locale='en-GB', timezone_id='UTC')
    try:
        inbox = Inbox(staff_context.new_page(), hours_server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        inbox.page.get_by_role('button', name='Availability').click()
        page = inbox.page
        expect(page.get_by_text('Working hours', exact=True)).to_be_visible()
        inbox.wait_until_connected()
        page.get_by_role('button', name=f'Add hours on {WEEKDAY_NAMES[tomorrow]}').click()
        expect(page.get_by_label('From', exact=True)).to_have_value('09:00')
        page.get_by_label('To', exact=True).fill('16:30')
        page.get_by_role('tab', name='English').click()
        page.get_by_label('Greeting', exact=True).fill('Hello! Ask us anything about your order.')
        page.get_by_label('Away message', exact=True).fill(AWAY)
        page.get_by_text('We usually reply within a day').click()
        page.get_by_role('button', name='Save').click()
        expect(page.get_by_text('Availability saved')).to_be_visible()
        expect(page.get_by_text('Right now the chat shows you as away, back')).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / 'availability.png'))

        shopper = ChatPage(shopper_context.new_page(), hours_server)
        shopper.open()
        header = shopper.page.locator('#hdr-sub')
        expect(header).to_contain_text('Away')
        expect(header).to_contain_text(re.compile(f'Back {WEEKDAY_NAMES[tomorrow]}.*09:00'))
        expect(header).to_contain_text('We usually reply within a day')
        expect(shopper.page.get_by_text('Hello! Ask us anything about your order.')).to_be_visible()
        shopper.start_chat('nora@example.com', 'Nora Lind')
        shopper.send('Hi, is the blue jacket back in stock?')
        expect(shopper.message(AWAY)).to_be_visible()
        shopper.send('Also, do you ship to Norway?')
        expect(shopper.message('Also, do you ship to Norway?')).to_be_visible()
        expect(shopper.page.locator('.msg--auto')).to_have_count(1)
        expect(shopper.page.get_by_text('Automatic reply')).to_be_visible()
        expect(shopper.page.locator('.msg--pending')).to_have_count(0)
        shopper.page.wait_for_function('() => document.getAnimations().length === 0')  # the last bubble faded in
        shopper.page.screenshot(path=str(SCREENSHOTS / 'chat-away.png'))

        inbox.goto('/inbox')
        inbox.open_conversation('Nora Lind')
        expect(inbox.message('Also, do you ship to Norway?')).to_be_visible()
        expect(inbox.message(AWAY)).to_have_count(1)
        expect(inbox.page.get_by_text('Away message, sent automatically')).to_be_visible()
        shopper.page.reload()  # after a reload the history has it once too
        expect(shopper.message('Also, do you ship to Norway?')).to_be_visible()
        expect(shopper.message(AWAY)).to_have_count(1)
    finally:
        staff_context.close()
        shopper_context.close()
