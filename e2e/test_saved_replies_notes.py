"""R1 in real Chromium: staff type `/` in the composer, move with the arrow keys, pick a saved reply with Enter; it
comes filled in the shopper's language (German here), staff send it and the shopper sees it live.

(The whole R1 to R4 journey, notes with a mention of a colleague included: e2e/test_conversation_tools.py.)"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF, MailSink, running_server
from e2e.page_objects import ChatPage, Inbox

SCREENSHOTS = Path(__file__).parent.parent / 'docs' / 'screenshots'
REPLIES = (('hello', 'Greeting', {'en': 'Hi {customer_first_name}, this is {staff_name}.',
                                  'de': 'Hallo {customer_first_name}, hier ist {staff_name}.'}),
           ('help', 'Anything else', {'en': 'Can I help with anything else?',
                                      'de': 'Kann ich dir sonst noch helfen?'}))


@pytest.fixture(scope='module')
def replies_server(tmp_path_factory: pytest.TempPathFactory, mail_sink: MailSink) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp('replies-data')
    with running_server(data_dir, mail_sink) as base:
        with sqlite3.connect(data_dir / 'inbox.db') as db:  # setup: e2e staff may not manage replies
            for shortcut, title, texts in REPLIES:
                reply_id = db.execute("INSERT INTO saved_reply (shortcut, title, created_at, updated_at) VALUES "
                                      "(?, ?, '2026-12-04 00:00:00', '2026-12-04 00:00:00')",
                                      (shortcut, title)).lastrowid
                db.executemany('INSERT INTO saved_reply_text (reply_id, language, body) VALUES (?, ?, ?)',
                               [(reply_id, language, body) for language, body in texts.items()])
        yield base


def test_staff_pick_a_saved_reply_with_the_keyboard_and_the_shopper_gets_it_in_german(
        browser: Browser, replies_server: str) -> None:
    shopper_context = browser.new_context(locale='de-DE')
    staff_context = browser.new_context(viewport={'width': 1440, 'height': 900})
    try:
        shopper = ChatPage(shopper_context.new_page(), replies_server, lang='de')
        shopper.open()
        shopper.start_chat('greta@example.com', 'Greta Vogel')
        shopper.send('Hallo, ich habe eine Frage.')

        inbox = Inbox(staff_context.new_page(), replies_server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        inbox.open_conversation('Greta Vogel')
        composer = inbox.page.get_by_placeholder('Write a reply…')
        composer.press_sequentially('/')
        picker = inbox.page.get_by_role('listbox', name='Saved replies')
        expect(picker.get_by_role('option')).to_have_count(2)
        composer.press_sequentially('h')
        expect(picker.get_by_text('/hello')).to_be_visible()
        composer.press('ArrowDown')
        expect(picker.get_by_role('option', selected=True)).to_contain_text('/help')
        composer.press('ArrowUp')
        expect(picker.get_by_role('option', selected=True)).to_contain_text('/hello')
        inbox.page.screenshot(path=str(SCREENSHOTS / 'saved-reply-picker.png'))
        composer.press('Enter')
        expect(composer).to_have_value('Hallo Greta, hier ist Ana Berg.')
        expect(picker).to_be_hidden()
        composer.press_sequentially(' Was suchst du?')
        composer.press('Enter')
        expect(composer).to_have_value('')

        expect(shopper.message('Hallo Greta, hier ist Ana Berg. Was suchst du?')).to_be_visible()

        composer.press_sequentially('/zz')
        expect(picker.get_by_text('No saved reply matches.')).to_be_visible()
        composer.press('Escape')
        expect(picker).to_be_hidden()

        inbox.page.get_by_role('button', name='Saved replies').click()
        expect(inbox.page.get_by_text('/help')).to_be_visible()
        expect(inbox.page.get_by_text('Kann ich dir sonst noch helfen?')).to_have_count(0)  # the first text: English
        expect(inbox.page.get_by_text('Can I help with anything else?')).to_be_visible()
        inbox.page.screenshot(path=str(SCREENSHOTS / 'saved-replies.png'))
    finally:
        shopper_context.close()
        staff_context.close()
