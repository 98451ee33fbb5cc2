"""Inbound mail is read in a worker process (issue 16): in a thread its CPU held the interpreter lock away from the
event loop, and a shopper flooding the inbound API with 1 MB mails slowed every other shopper (README, Benchmarks:
inbound flood). A worker that dies costs one mail a 503 (the provider sends it again), not the inbox."""
from __future__ import annotations

import os
import signal

import pytest

from services.errors import Invalid
from services.mail.inbound_text import read_email
from services.mail.mail_reader import MailReader
from tests.conftest import App
from tests.mail.conftest import SmtpSink
from tests.mail.test_inbound import AUTH, answer_to, staff_mail

LIMITS = {'max_body': 5000, 'max_key': 64}


async def test_a_mail_is_read_in_another_process_as_it_would_be_here() -> None:
    reader = MailReader()
    raw = (b'From: a@example.com\r\nTo: reply+abcdefghijklmnopqrst@shop.test\r\nMessage-ID: <m1@x>\r\n'
           b'Subject: Re\r\n\r\nSize M, please.\r\n\r\n> Which size?\r\n')
    try:
        assert await reader.worker_pid() != os.getpid()
        assert await reader.read(raw, **LIMITS) == read_email(raw, **LIMITS)
        with pytest.raises(Invalid) as refused:  # the worker's refusal comes back with its code
            await reader.read(b'   ', **LIMITS)
        assert refused.value.code == 'unparseable_email'
    finally:
        await reader.close()


async def test_the_inbound_api_reads_in_the_worker_and_a_worker_that_died_costs_one_mail_a_503(
        app: App, smtp_sink: SmtpSink) -> None:
    _conversation_id, mail = await staff_mail(app, smtp_sink)
    first = await app.http.post('/api/v1/inbound/email', content=answer_to(mail.message, 'One', message_id='<1@x>'),
                                headers=AUTH)
    assert first.status_code == 201, first.text
    os.kill(await app.runtime.mail_reader.worker_pid(), signal.SIGKILL)  # the process that read it
    lost = await app.http.post('/api/v1/inbound/email', content=answer_to(mail.message, 'Two', message_id='<2@x>'),
                               headers=AUTH)
    assert lost.status_code == 503 and lost.json()['error']['code'] == 'unavailable'
    again = await app.http.post('/api/v1/inbound/email', content=answer_to(mail.message, 'Two', message_id='<2@x>'),
                                headers=AUTH)
    assert again.status_code == 201 and again.json()['body'] == 'Two'
