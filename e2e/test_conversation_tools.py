"""R1 to R4 in one journey in Chromium: staff pick a saved reply with `/` and it comes filled in the shopper's
language (Finnish); the shopper types and staff see "typing…"; staff type and the shopper sees "typing…"; the
shopper gets the reply; Ana writes an internal note mentioning Cleo (Alt+N, the `@` list, Enter), and Cleo, signed in
in a second browser context, is notified live, sees the @ badge and the conversation in Mentioned; the shopper's
chat page and `GET /chat/messages` with the shopper's own token never show the note; staff block the shopper from
the list's quick actions and the next message is refused, the chat page saying so.

(The picker's arrow keys and the Saved replies page: e2e/test_saved_replies_notes.py; blocking from the thread's
menu and the Blocked view: e2e/test_blocking.py.)"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import SECOND_STAFF, STAFF
from e2e.page_objects import ChatPage, Inbox, translated

SCREENSHOTS = Path(__file__).parent.parent / 'docs' / 'screenshots'
TEXTS = {'en': 'Hi {customer_first_name}, we have them in every size.',
         'fi': 'Hei {customer_first_name}, niitä on kaikissa kooissa.'}
NOTE = 'Check the stock of children\'s sizes, @cleo.dahl please'


def add_saved_reply(data_dir: Path) -> None:
    """Setup through the database: the e2e staff member may reply but not manage saved replies."""
    with sqlite3.connect(data_dir / 'inbox.db') as db:
        reply_id = db.execute("INSERT INTO saved_reply (shortcut, title, created_at, updated_at) VALUES "
                              "('sizes', 'Every size', '2026-12-04 00:00:00', '2026-12-04 00:00:00')").lastrowid
        db.executemany('INSERT INTO saved_reply_text (reply_id, language, body) VALUES (?, ?, ?)',
                       [(reply_id, language, body) for language, body in TEXTS.items()])


def test_saved_reply_typing_both_ways_a_note_with_a_mention_and_blocking_from_the_list(
        browser: Browser, server: str, server_data_dir: Path) -> None:
    add_saved_reply(server_data_dir)
    shopper_context = browser.new_context(locale='fi-FI')
    staff_context = browser.new_context(viewport={'width': 1440, 'height': 900})
    cleo_context = browser.new_context(viewport={'width': 1280, 'height': 800})
    try:
        shopper = ChatPage(shopper_context.new_page(), server, lang='fi')
        shopper.open()
        shopper.start_chat('tuuli@example.com', 'Tuuli Tester')
        shopper.send('Hei, onko villasukkia?')
        expect(shopper.message('Hei, onko villasukkia?')).to_be_visible()

        cleo = Inbox(cleo_context.new_page(), server)
        cleo.sign_in(SECOND_STAFF['email'], SECOND_STAFF['password'])
        expect(cleo.row('Tuuli Tester')).to_be_visible()

        inbox = Inbox(staff_context.new_page(), server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        inbox.open_conversation('Tuuli Tester')
        expect(inbox.message('Hei, onko villasukkia?')).to_be_visible()

        shopper.composer.press_sequentially('Entä lapsille')  # typing, not sent
        expect(inbox.page.get_by_text('Tuuli Tester is typing…')).to_be_visible()
        expect(inbox.row('Tuuli Tester').get_by_text('typing…', exact=True)).to_be_visible()
        inbox.page.screenshot(path=str(SCREENSHOTS / 'typing.png'))
        shopper.composer.fill('')
        shopper.composer.blur()  # typing: false
        expect(inbox.page.get_by_text('Tuuli Tester is typing…')).to_be_hidden()

        composer = inbox.composer
        composer.press_sequentially('/siz')  # staff typing reaches the shopper too
        typing_note = shopper.page.locator('#typing')
        store_name = shopper.page.locator('#store-name').inner_text()
        expect(typing_note).to_have_text(translated('fi', '{name} is typing…', name=store_name))
        picker = inbox.page.get_by_role('listbox', name='Saved replies')
        expect(picker.get_by_role('option', selected=True)).to_contain_text('/sizes')
        composer.press('Enter')
        expect(composer).to_have_value('Hei Tuuli, niitä on kaikissa kooissa.')  # the shopper's language
        composer.press('Enter')
        expect(composer).to_have_value('')
        expect(shopper.message('Hei Tuuli, niitä on kaikissa kooissa.')).to_be_visible()
        expect(typing_note).to_be_hidden()  # the message ends "typing…"

        composer.press('Alt+KeyN')  # R2: the note mode
        note_box = inbox.page.get_by_placeholder('Write a note only staff can see')
        expect(note_box).to_be_visible()
        note_box.press_sequentially("Check the stock of children's sizes, @cl")
        mentions = inbox.page.get_by_role('listbox', name='Mention a staff member')
        expect(mentions.get_by_role('option', selected=True)).to_contain_text('Cleo Dahl')
        note_box.press('Enter')
        expect(note_box).to_have_value("Check the stock of children's sizes, @cleo.dahl ")
        expect(mentions).to_be_hidden()
        note_box.press_sequentially('please')
        expect(typing_note).to_be_hidden()  # writing a note is not typing to the shopper
        note_box.press('Enter')
        expect(note_box).to_have_value('')
        note = inbox.page.get_by_role('log', name='Messages').get_by_label('Internal note by Ana Berg')
        expect(note).to_contain_text(NOTE)
        note_box.press_sequentially('@')  # the list again, for the picture
        expect(mentions.get_by_role('option')).not_to_have_count(0)
        inbox.page.screenshot(path=str(SCREENSHOTS / 'internal-note.png'))
        note_box.press('Escape')
        note_box.fill('')
        note_box.press('Alt+KeyN')  # back to replies

        cleo.page.wait_for_function(
            "() => window.inboxLastNotification && window.inboxLastNotification.title === "
            "'Ana Berg mentioned you in a note'")
        assert NOTE in cleo.page.evaluate('() => window.inboxLastNotification.body')
        badge = cleo.page.get_by_role('button', name='Unseen mentions')
        expect(badge).to_have_text(re.compile(r'(^|\D)1$'))  # after the icon's ligature
        badge.click()
        expect(cleo.row('Tuuli Tester')).to_contain_text('Mentions you')
        cleo.open_conversation('Tuuli Tester')
        expect(cleo.message(NOTE)).to_be_visible()
        expect(badge).to_be_hidden()  # seen on opening

        expect(shopper.chat.get_by_text(NOTE)).to_have_count(0)
        shopper.page.reload()
        expect(shopper.message('Hei Tuuli, niitä on kaikissa kooissa.')).to_be_visible()
        expect(shopper.chat.get_by_text(NOTE)).to_have_count(0)
        token = json.loads(shopper.page.evaluate("() => window.localStorage.getItem('inbox.session')"))['token']
        answer = shopper.page.request.get(f'{server}/api/v1/chat/messages',
                                          headers={'Authorization': f'Bearer {token}'})
        assert answer.status == 200
        assert [m['body'] for m in answer.json()['messages']] == ['Hei, onko villasukkia?',
                                                                  'Hei Tuuli, niitä on kaikissa kooissa.']
        assert 'cleo.dahl' not in answer.text()

        row = inbox.row('Tuuli Tester')
        row.hover()
        row.get_by_role('button', name='Block sender').click()
        dialog = inbox.page.get_by_role('dialog')
        expect(dialog.get_by_text('Block Tuuli Tester?')).to_be_visible()
        dialog.get_by_role('button', name='Block sender').click()
        expect(inbox.toolbar.get_by_text('Blocked', exact=True)).to_be_visible()

        shopper.send('Haloo?')
        expect(shopper.page.get_by_text(translated('fi', 'This store is not accepting messages from you.'))) \
            .to_be_visible()
        expect(shopper.composer).to_have_value('Haloo?')  # given back, not shown as sent
    finally:
        for context in (shopper_context, staff_context, cleo_context):
            context.close()
