"""R4 in Chromium: staff block a shopper from the thread's menu; the shopper's next message is refused and the chat
page says so; the Blocked view lists them. (Typing, R3, and the list's quick action: e2e/test_conversation_tools.py.)"""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF
from e2e.page_objects import ChatPage, Inbox

SCREENSHOT = Path(__file__).parent.parent / 'docs' / 'screenshots' / 'blocked-view.png'
REFUSAL = 'This store is not accepting messages from you.'


def test_a_blocked_shopper_is_refused_in_the_chat_page_and_listed_in_the_blocked_view(
        browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={'width': 1440, 'height': 900})
    try:
        shopper = ChatPage(context.new_page(), server)
        shopper.open()
        shopper.start_chat('bo.blocked@example.com', 'Bo Blocked')
        shopper.send('Cheap watches, click here')
        expect(shopper.message('Cheap watches, click here')).to_be_visible()

        inbox = Inbox(context.new_page(), server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        inbox.open_conversation('Bo Blocked')
        inbox.toolbar.get_by_role('button', name='More actions').click()
        inbox.page.get_by_text('Block sender', exact=True).click()
        inbox.page.get_by_role('dialog').get_by_role('button', name='Block sender').click()  # asked first
        expect(inbox.toolbar.get_by_text('Blocked', exact=True)).to_be_visible()

        shopper.send('Hello again?')
        expect(shopper.page.get_by_text(REFUSAL)).to_be_visible()
        expect(shopper.composer).to_have_value('Hello again?')  # given back, not shown as sent

        inbox.page.get_by_role('button', name='Blocked', exact=True).click()  # the list's Blocked view
        expect(inbox.row('Bo Blocked')).to_be_visible()
        inbox.page.screenshot(path=str(SCREENSHOT))
    finally:
        context.close()
