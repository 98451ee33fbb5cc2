"""W2 in a browser: a staff member makes a personal token on the Account page, and a reply posted with it through the
staff API appears live in the shopper's open chat page. Takes docs/screenshots/api-tokens.png (the new token shown
once)."""
from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF
from e2e.page_objects import ChatPage, Inbox

SCREENSHOT = Path(__file__).parent.parent / 'docs' / 'screenshots' / 'api-tokens.png'


def test_a_reply_posted_with_a_personal_token_reaches_the_open_chat_live(browser: Browser, server: str) -> None:
    shopper_context = browser.new_context()
    staff_context = browser.new_context(viewport={'width': 1000, 'height': 900})
    try:
        shopper = ChatPage(shopper_context.new_page(), server)
        shopper.open()
        shopper.start_chat('tove@example.com', 'Tove Holm')
        shopper.send('Can I still change my order?')
        expect(shopper.message('Can I still change my order?')).to_be_visible()

        inbox = Inbox(staff_context.new_page(), server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        inbox.goto('/account')
        page = inbox.page
        page.get_by_label('Token name').fill('Order tool')
        page.get_by_role('button', name='Create token').click()
        expect(page.get_by_text('Copy your new token now. It is shown only once.')).to_be_visible()
        secret = page.get_by_label('Your new token').input_value()
        assert secret.startswith('inbox_pat_')
        expect(page.get_by_text('Never used')).to_be_visible()
        page.locator('.q-card').filter(has_text='API tokens').screenshot(path=str(SCREENSHOT))

        with httpx.Client(base_url=f'{server}/api/v1/admin', headers={'Authorization': f'Bearer {secret}'},
                          timeout=10) as api:
            listed = api.get('/conversations', params={'q': 'tove@example.com'})
            assert listed.status_code == 200, listed.text
            conversation = listed.json()['conversations'][0]
            assert conversation['customer']['email'] == 'tove@example.com'
            posted = api.post(f'/conversations/{conversation["id"]}/messages',
                              json={'body': 'Yes, until it ships this afternoon.'})
            assert posted.status_code == 201, posted.text
            assert posted.json()['delivery'] == 'chat'  # the shopper's chat is open: delivered live (C1)
        expect(shopper.message('Yes, until it ships this afternoon.')).to_be_visible()
    finally:
        shopper_context.close()
        staff_context.close()
