"""C1 end to end: the shopper leaves, staff reply, the mail reaches a real SMTP server, and the
shopper's e-mailed answer comes back into the thread live."""
from __future__ import annotations

import time
import urllib.request
from email import policy
from email.parser import BytesParser

from playwright.sync_api import Browser, expect

from e2e.conftest import INBOUND_SECRET, STAFF, MailSink
from e2e.page_objects import Inbox, StorefrontChat


def test_reply_to_a_shopper_who_left_goes_by_email_and_the_answer_comes_back(browser: Browser, server: str,
                                                                            mail_sink: MailSink) -> None:
    shopper_context = browser.new_context()
    staff_context = browser.new_context(viewport={'width': 1400, 'height': 860})
    try:
        shopper = StorefrontChat(shopper_context.new_page(), server)
        shopper.begin('mail.shopper@example.com', 'Mia Mail', 'Do you restock the green tent soon?')

        inbox = Inbox(staff_context.new_page(), server)
        inbox.sign_in(STAFF['email'], STAFF['password'])
        inbox.open_conversation('Mia Mail')
        shopper.page.close()
        expect(inbox.page.get_by_text('Your reply will be sent by e-mail to mail.shopper@example.com',
                                      exact=False)).to_be_visible(timeout=15_000)

        before = len(mail_sink.messages)
        inbox.reply('Yes, next Tuesday. Shall I reserve one for you?')
        expect(inbox.page.get_by_text('E-mailed', exact=True)).to_be_visible(timeout=15_000)
        deadline = time.monotonic() + 10
        while len(mail_sink.messages) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        sent = BytesParser(policy=policy.default).parsebytes(mail_sink.messages[-1])
        assert sent['To'].addresses[0].addr_spec == 'mail.shopper@example.com'
        assert 'Yes, next Tuesday.' in sent.get_body(('plain',)).get_content()
        reply_to = sent['Reply-To'].addresses[0].addr_spec
        assert reply_to.startswith('reply+') and reply_to.endswith('@shop.test')

        answer = (f'From: mail.shopper@example.com\r\nTo: {reply_to}\r\nSubject: Re: {sent["Subject"]}\r\n'
                  f'Message-ID: <answer-1@example.com>\r\nIn-Reply-To: {sent["Message-ID"]}\r\n'
                  'Content-Type: text/plain; charset=utf-8\r\n\r\n'
                  'Yes please, reserve one in green!\r\n\r\n'
                  'On Tue, the shop wrote:\r\n> Yes, next Tuesday. Shall I reserve one for you?\r\n').encode()
        request = urllib.request.Request(f'{server}/api/v1/inbound/email', data=answer, method='POST',
                                         headers={'Authorization': f'Bearer {INBOUND_SECRET}',
                                                  'Content-Type': 'message/rfc822'})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        expect(inbox.message('Yes please, reserve one in green!')).to_be_visible()
        expect(inbox.page.get_by_text('Shall I reserve one for you?')).to_have_count(1)  # the quote was stripped
    finally:
        shopper_context.close()
        staff_context.close()
