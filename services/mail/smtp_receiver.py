"""The optional built-in SMTP server for customers' answers (INBOX_SMTP_INBOUND_PORT, off by default).

It runs in the app's own event loop (not aiosmtpd's Controller thread), so it shares the database engine and
the event bus safely. It is not a relay: only reply+<token>@ recipients of existing conversations are accepted.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.blocking import SenderBlocked
from services.errors import Invalid
from services.mail.inbound import receive_email
from services.mail.inbound_text import REPLY_LOCAL_PART
from services.mail.mail_reader import ReaderUnavailable
from services.mail.reply_addresses import conversation_for_token
from services.runtime import Runtime

log = logging.getLogger('inbox.mail')

DATA_SIZE_LIMIT = 10 * 1024 * 1024


class InboundHandler:
    """aiosmtpd handler: 550 at RCPT for unknown reply addresses, 250 once the answer is stored."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        match = REPLY_LOCAL_PART.match(address.rpartition('@')[0].strip())
        if match is None:
            return '550 5.1.1 Not a reply address of this inbox'
        async with self.runtime.db.sessions() as db:
            conversation = await conversation_for_token(db, match.group(1))
        if conversation is None:
            log.warning('SMTP: refused an unknown reply address (token %s…)', match.group(1)[:4])
            return '550 5.1.1 Unknown reply address'
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode('utf-8', 'surrogateescape')
        try:
            async with self.runtime.db.sessions() as db:
                view = await receive_email(db=db, bus=self.runtime.bus, raw=raw or b'',
                                           envelope_to=list(envelope.rcpt_tos), reader=self.runtime.mail_reader)
        except Invalid as error:
            status = '5.1.1' if error.code == 'unknown_recipient' else '5.6.0'
            return f'550 {status} {error.message}'
        except SenderBlocked as error:  # R4: refused for good, so the sender's server does not try again
            return f'550 5.7.1 {error.message}'
        except ReaderUnavailable as error:  # logged where it happened; the sender tries again later
            return f'451 4.3.0 {error.message}'
        except Exception:  # noqa: BLE001 - the sender keeps the mail and tries again later
            log.exception('SMTP: storing an inbound e-mail failed')
            return '451 4.3.0 Temporary failure, please try again later'
        return f'250 2.0.0 Stored as message {view.id}'


async def start_smtp_receiver(runtime: Runtime, *, host: str, port: int) -> asyncio.AbstractServer:
    """Listen on host:port in the running loop; close the returned server on shutdown."""
    loop = asyncio.get_running_loop()
    handler = InboundHandler(runtime)
    hostname = runtime.config.mail.reply_domain

    def factory() -> Any:
        return SMTP(handler, hostname=hostname, data_size_limit=DATA_SIZE_LIMIT, enable_SMTPUTF8=True, loop=loop)

    server = await loop.create_server(factory, host=host, port=port)
    log.info('inbound SMTP: listening on %s:%s for reply+<token>@%s', host, port, hostname)
    return server
