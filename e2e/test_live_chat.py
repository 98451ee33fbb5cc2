"""The first journey: a shopper and a staff member chat live, and presence follows the shopper."""
from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF
from e2e.page_objects import Inbox, StorefrontChat


def test_shopper_and_staff_chat_live_and_online_goes_away_when_the_shopper_leaves(browser: Browser, server: str,
                                                                                   tmp_path_factory) -> None:
    shopper_context = browser.new_context()
    staff_context = browser.new_context(viewport={'width': 1400, 'height': 860})
    shots = tmp_path_factory.mktemp('screens')
    try:
        shopper = StorefrontChat(shopper_context.new_page(), server)
        shopper.begin('sara@example.com', 'Sara Lind', 'Hi! Is the trail tent available in green?')
        expect(shopper.message('Hi! Is the trail tent available in green?')).to_be_visible()

        inbox = Inbox(staff_context.new_page(), server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        row = inbox.row('Sara Lind')
        expect(row).to_be_visible()
        expect(row.get_by_text('Online', exact=True)).to_be_visible()
        expect(row.get_by_text('Hi! Is the trail tent available in green?')).to_be_visible()
        row.click()
        expect(inbox.page).to_have_url(re.compile(r'/inbox/\d+$'))
        # Visible ones: every list row keeps a hidden 'Online' label, shown while its shopper is in the store.
        online = inbox.page.get_by_text('Online', exact=True).filter(visible=True)
        expect(online).to_have_count(2)  # list row and thread header

        inbox.reply('Yes, green is in stock in both sizes.')
        expect(shopper.message('Yes, green is in stock in both sizes.')).to_be_visible()

        shopper.send('Great, thanks!')
        expect(inbox.message('Great, thanks!')).to_be_visible()
        inbox.page.screenshot(path=str(shots / 'inbox.png'))
        shopper.page.screenshot(path=str(shots / 'chat.png'))

        shopper.page.close()
        expect(online).to_have_count(0, timeout=15_000)
        expect(inbox.page.get_by_text('Your reply will be sent by e-mail to sara@example.com',
                                      exact=False)).to_be_visible()
    finally:
        shopper_context.close()
        staff_context.close()
