"""A customer's e-mailed answer (C1) → a customer message in the conversation its reply+<token>@ address names.

What is kept of the mail is read by services/mail/inbound_text.py (in a worker process, services/mail/mail_reader.py).
The same mail delivered twice is stored once (by its Message-ID).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.locks import CUSTOMER_DATA, exclusive_until_commit
from db.models import Message
from services.blocking import refuse_if_blocked
from services.errors import Invalid
from services.events import EventBus
from services.mail.inbound_text import ReadEmail, read_email
from services.mail.mail_reader import MailReader
from services.mail.reply_addresses import conversation_for_token
from services.message_store import write_customer_text
from services.messages import MAX_BODY, MAX_CLIENT_MSG_ID, clean_body, to_view
from services.views import MessageView

log = logging.getLogger('inbox.mail')


async def read(raw: bytes, envelope_to: list[str], reader: MailReader | None) -> ReadEmail:
    if reader is not None:
        return await reader.read(raw, envelope_to, max_body=MAX_BODY, max_key=MAX_CLIENT_MSG_ID)
    return await asyncio.to_thread(read_email, raw, envelope_to, max_body=MAX_BODY, max_key=MAX_CLIENT_MSG_ID)


async def receive_email(*, db: AsyncSession, bus: EventBus, raw: bytes, envelope_to: Iterable[str] = (),
                        reader: MailReader | None = None) -> MessageView:
    """Store a customer's e-mailed answer once in the conversation of its reply+<token>@ address, then publish.

    Unknown or missing tokens are refused with Invalid (code `unknown_recipient`): a mail is never attached
    to some other conversation. The app reads mails with its `reader` (a worker process); without one (tests,
    tools) the mail is read in a thread.
    """
    mail = await read(raw, list(envelope_to), reader)
    tokens = mail.tokens
    if not tokens:
        raise Invalid('The e-mail is not addressed to a reply+<token>@ address.', code='unknown_recipient')
    # An erasure (G1, G3) running now must not miss this mail: from the lookup to the commit it waits, and a mail
    # that waited for one finds its reply address gone (or its conversation erased before it is stored).
    await exclusive_until_commit(db, CUSTOMER_DATA)
    conversation = None
    for token in tokens:
        conversation = await conversation_for_token(db, token)
        if conversation is not None:
            break
    if conversation is None:
        log.warning('refused an inbound e-mail for an unknown reply address (token %s…)', tokens[0][:4])
        raise Invalid('The reply address of this e-mail is unknown.', code='unknown_recipient')
    assert conversation.id is not None
    await refuse_if_blocked(db, conversation.customer_id)  # R4: a blocked sender's e-mail is refused, not stored

    key = mail.key
    existing = (await db.exec(select(Message).where(
        Message.conversation_id == conversation.id, Message.author == 'customer',
        Message.client_msg_id == key).order_by(col(Message.id)).limit(1))).first()
    if existing is not None:
        return to_view(existing)

    body = clean_body(mail.text)
    sender, subject = mail.sender, mail.subject
    view = await write_customer_text(db=db, conversation=conversation, session_id=None, body=body, client_msg_id=key,
                                     payload={'via': 'email', 'from': sender[:320], 'subject': subject[:300]})
    bus.publish_message(view)
    return view
