"""R2 in real Chromium: Ana writes an internal note mentioning Cleo (Alt+N, the `@` list, Enter); Cleo, signed in in a
second browser context, is notified live, sees the @ badge and the conversation in Mentioned; the shopper's chat
page never shows the note, and `GET /chat/messages` with the shopper's own token does not return it."""
from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import SECOND_STAFF, STAFF
from e2e.page_objects import ChatPage, Inbox

SCREENSHOTS = Path(__file__).parent.parent / 'docs' / 'screenshots'
NOTE = 'Courier lost the parcel, @cleo.dahl please call her'


def test_a_note_mentioning_a_colleague_notifies_them_and_never_reaches_the_shopper(
        browser: Browser, server: str) -> None:
    shopper_context = browser.new_context()
    ana_context = browser.new_context(viewport={'width': 1440, 'height': 900})
    cleo_context = browser.new_context(viewport={'width': 1280, 'height': 800})
    try:
        shopper = ChatPage(shopper_context.new_page(), server)
        shopper.open()
        shopper.start_chat('nora@example.com', 'Nora Lind')
        shopper.send('Where is my parcel?')

        cleo = Inbox(cleo_context.new_page(), server)
        cleo.sign_in(SECOND_STAFF['email'], SECOND_STAFF['password'])
        expect(cleo.row('Nora Lind')).to_be_visible()

        ana = Inbox(ana_context.new_page(), server)
        ana.sign_in(STAFF['email'], STAFF['password'])
        ana.open_conversation('Nora Lind')
        ana.composer.press('Alt+KeyN')
        note_box = ana.page.get_by_placeholder('Write a note only staff can see')
        expect(note_box).to_be_visible()
        note_box.press_sequentially('Courier lost the parcel, @cl')
        picker = ana.page.get_by_role('listbox', name='Mention a staff member')
        expect(picker.get_by_role('option', selected=True)).to_contain_text('Cleo Dahl')
        note_box.press('Enter')
        expect(note_box).to_have_value('Courier lost the parcel, @cleo.dahl ')
        expect(picker).to_be_hidden()
        note_box.press_sequentially('please call her')
        note_box.press('Enter')
        expect(note_box).to_have_value('')
        note = ana.page.get_by_role('log', name='Messages').get_by_label('Internal note by Ana Berg')
        expect(note).to_contain_text(NOTE)
        note_box.press_sequentially('@')  # the list again, for the picture
        expect(picker.get_by_role('option')).not_to_have_count(0)
        ana.page.screenshot(path=str(SCREENSHOTS / 'internal-note.png'))
        note_box.press('Escape')
        note_box.fill('')

        cleo.page.wait_for_function(
            "() => window.inboxLastNotification && window.inboxLastNotification.title === "
            "'Ana Berg mentioned you in a note'")
        assert NOTE in cleo.page.evaluate('() => window.inboxLastNotification.body')
        badge = cleo.page.get_by_role('button', name='Unseen mentions')
        expect(badge).to_have_text(re.compile(r'(^|\D)1$'))  # after the icon's ligature
        badge.click()
        expect(cleo.row('Nora Lind')).to_contain_text('Mentions you')
        cleo.open_conversation('Nora Lind')
        expect(cleo.message(NOTE)).to_be_visible()
        expect(badge).to_be_hidden()  # seen on opening

        note_box.press('Alt+KeyN')  # back to replies
        ana.reply('We are on it, Nora.')
        expect(shopper.message('We are on it, Nora.')).to_be_visible()  # pushed after the note, which never came
        expect(shopper.chat.get_by_text(NOTE)).to_have_count(0)
        shopper.page.reload()
        expect(shopper.message('We are on it, Nora.')).to_be_visible()
        expect(shopper.chat.get_by_text(NOTE)).to_have_count(0)
        token = json.loads(shopper.page.evaluate("() => window.localStorage.getItem('inbox.session')"))['token']
        answer = shopper.page.request.get(f'{server}/api/v1/chat/messages',
                                          headers={'Authorization': f'Bearer {token}'})
        assert answer.status == 200
        bodies = [message['body'] for message in answer.json()['messages']]
        assert bodies == ['Where is my parcel?', 'We are on it, Nora.'] and NOTE not in answer.text()
    finally:
        for context in (shopper_context, ana_context, cleo_context):
            context.close()
