"""A shopper whose chat went unused past INBOX_SHOPPER_TOKEN_DAYS comes back to the chat page (what the widget
frames): it says the chat ended, offers the start form with their e-mail filled in, and a new chat starts cleanly
(issue 16)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import MailSink, running_server
from e2e.page_objects import ChatPage


def test_an_expired_chat_says_so_and_a_new_one_starts(browser: Browser, tmp_path: Path, mail_sink: MailSink) -> None:
    with running_server(tmp_path, mail_sink) as server:
        context = browser.new_context(viewport={'width': 500, 'height': 800})
        try:
            shopper = ChatPage(context.new_page(), server)
            shopper.open()
            shopper.start_chat('otto.old@example.com', 'Otto')
            shopper.send('Do you ship to Iceland?')
            expect(shopper.message('Do you ship to Iceland?')).to_be_visible()
            # The shopper leaves (so no request of this page meets the expired token first: its own 401 would end
            # the chat here, before the return this test is about) and the clock moves on: last used in 2020.
            shopper.page.goto('about:blank')
            with sqlite3.connect(tmp_path / 'inbox.db') as db:
                db.execute("UPDATE chat_session SET token_used_at = '2020-01-01 00:00:00.000000'")

            shopper.page.goto(f'{server}/chat')  # back after a long time
            page = shopper.page
            expect(page.get_by_text('This chat has not been used for a long time, so it has ended.',
                                    exact=False)).to_be_visible()
            expect(page.get_by_label('E-mail')).to_have_value('otto.old@example.com')
            page.get_by_role('button', name='Start chat').click()
            expect(shopper.composer).to_be_visible()
            shopper.send('Back again')
            expect(shopper.message('Back again')).to_be_visible()
            expect(page.get_by_text('This chat has not been used', exact=False)).to_have_count(0)
            expect(page.get_by_text('Not sent', exact=False)).to_have_count(0)
        finally:
            context.close()
