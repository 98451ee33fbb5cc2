"""V1 in Chromium, staff side: a conversation whose shopper used a known customer's e-mail from another device is
marked "Unverified" (thread header, profile panel, list row; the header's tooltip says not to share order details),
and the mark goes away live once the shopper confirms the mailed code."""
from __future__ import annotations

import re
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF, MailSink
from e2e.page_objects import Inbox
from e2e.shopper_api import ApiShopper

SCREENSHOT = Path(__file__).parent.parent / 'docs' / 'screenshots' / 'unverified-marker.png'
HINT = 'The shopper has not confirmed this e-mail address yet. Do not share order details until they verify it.'


def mailed_code(mail_sink: MailSink, before: int) -> str:
    deadline = time.monotonic() + 10
    while len(mail_sink.messages) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    subject = str(BytesParser(policy=policy.default).parsebytes(mail_sink.messages[-1])['Subject'])
    found = re.search(r'\b(\d{6})\b', subject)
    assert found, subject
    return found.group(1)


def test_staff_see_an_unverified_claim_until_the_shopper_confirms(browser: Browser, server: str,
                                                                  mail_sink: MailSink) -> None:
    laptop = ApiShopper(server, 'uma.berg@example.com', 'Uma Berg')
    laptop.say('Hi! I ordered the trail tent last week.')
    phone = ApiShopper(server, 'uma.berg@example.com', 'Uma Berg')  # the same address, no proof: a claim
    phone.say('It is Uma again, on my phone. Can you tell me where my order is?')

    context = browser.new_context(viewport={'width': 1440, 'height': 900})
    try:
        inbox = Inbox(context.new_page(), server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        expect(inbox.row('Uma Berg').get_by_text('Unverified', exact=True)).to_be_visible()
        inbox.open_conversation('Uma Berg')
        marker = inbox.toolbar.get_by_role('note', name=re.compile('^Unverified'))
        expect(marker).to_be_visible()
        panel = inbox.page.locator('.profile-pane').get_by_role('note', name=re.compile('^Unverified'))
        expect(panel).to_be_visible()
        marker.hover()
        tooltip = inbox.page.get_by_role('tooltip').filter(has_text=HINT)
        expect(tooltip).to_be_visible()
        expect(tooltip).to_have_css('opacity', '1')  # faded in, for the screenshot
        inbox.page.screenshot(path=str(SCREENSHOT))

        before = len(mail_sink.messages)
        phone._call('POST', '/api/v1/chat/verify', {})
        assert phone._call('POST', '/api/v1/chat/verify/confirm',
                           {'code': mailed_code(mail_sink, before)}) == {'verified': True}
        expect(marker).to_have_count(0)
        expect(panel).to_have_count(0)
        expect(inbox.row('Uma Berg').get_by_text('Unverified', exact=True)).to_have_count(0)
        expect(inbox.toolbar.get_by_text('Uma Berg', exact=True)).to_be_visible()
    finally:
        context.close()
