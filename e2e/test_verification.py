"""V1 in Chromium: a shopper who chatted from another device confirms their e-mail with the mailed code in the widget
and then sees their earlier messages."""
from __future__ import annotations

import json
import re
import time
import urllib.request
from email import policy
from email.parser import BytesParser
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import MailSink
from e2e.page_objects import StorefrontChat

SCREENSHOTS = Path(__file__).parent.parent / 'docs' / 'screenshots'


def post(server: str, path: str, body: dict[str, object], token: str | None = None) -> dict[str, object]:
    headers = {'Content-Type': 'application/json', **({'Authorization': f'Bearer {token}'} if token else {})}
    request = urllib.request.Request(f'{server}{path}', data=json.dumps(body).encode(), headers=headers, method='POST')
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.load(response))


def test_a_shopper_confirms_their_email_with_the_mailed_code_and_sees_earlier_messages(
        browser: Browser, server: str, mail_sink: MailSink) -> None:
    laptop = post(server, '/api/v1/chat/sessions', {'email': 'vera.verify@example.com', 'name': 'Vera'})
    post(server, '/api/v1/chat/messages', {'body': 'Asked from my laptop yesterday', 'client_msg_id': 'l1'},
         token=str(laptop['session_token']))
    context = browser.new_context(viewport={'width': 1100, 'height': 800})
    try:
        shopper = StorefrontChat(context.new_page(), server)
        shopper.open_store()
        shopper.open_widget()
        shopper.start_chat('vera.verify@example.com', 'Vera')
        chat = shopper.chat
        expect(chat.get_by_text('Confirm your e-mail to see your earlier messages', exact=False)).to_be_visible()
        expect(chat.get_by_text('Asked from my laptop yesterday')).to_have_count(0)  # not before proving it

        before = len(mail_sink.messages)
        chat.get_by_role('button', name='Send me a code').click()
        expect(chat.get_by_text('We sent a 6-digit code to vera.verify@example.com.')).to_be_visible()
        deadline = time.monotonic() + 10
        while len(mail_sink.messages) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        mail = BytesParser(policy=policy.default).parsebytes(mail_sink.messages[-1])
        assert mail['To'].addresses[0].addr_spec == 'vera.verify@example.com'
        found = re.search(r'\b(\d{6})\b', str(mail['Subject']))
        assert found
        chat.get_by_label('Code').fill(found.group(1))
        shopper.page.screenshot(path=str(SCREENSHOTS / 'verify-code-entry.png'))
        chat.get_by_role('button', name='Confirm').click()
        expect(chat.get_by_text('Thanks, your e-mail is confirmed.')).to_be_visible()
        expect(chat.get_by_text('Asked from my laptop yesterday')).to_be_visible()
    finally:
        context.close()
