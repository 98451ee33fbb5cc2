"""Verifying a chat session by a code mailed to its e-mail address (SPEC V1, API.md `chat/verify`).

A session is verified when the storefront proves the e-mail with `identity_hmac` (services/chat_sessions.py) or when
the shopper types the 6-digit code mailed to that address: valid 15 minutes, 5 wrong tries, then a new code must be
asked for. Until then a session that claims an existing customer's address reads only its own messages and staff see
it marked "Unverified" (services/conversations.py).
"""
from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession
from db.types import utcnow
from services.errors import Invalid, NotFound, RateLimited
from services.i18n import _, language
from services.mail.compose import header_text
from services.mail.config import MailConfig
from services.tokens import hash_token

CODE_DIGITS = 6
VALID_FOR = timedelta(minutes=15)
MAX_FAILURES = 5


def _code_hash(chat_session: ChatSession, code: str) -> str:
    return hash_token(f'verify:{chat_session.id}:{chat_session.token_hash}:{code}')


async def new_code(*, db: AsyncSession, session_id: int) -> tuple[ChatSession, str]:
    """A fresh code for the session (the previous one stops working); returns it to be mailed, never stored."""
    chat_session = await db.get(ChatSession, session_id)
    if chat_session is None:
        raise NotFound(_('This chat session no longer exists.'))
    code = f'{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}'
    chat_session.verify_code_hash = _code_hash(chat_session, code)
    chat_session.verify_expires_at = utcnow() + VALID_FOR
    chat_session.verify_failures = 0
    db.add(chat_session)
    await db.commit()
    return chat_session, code


async def confirm_code(*, db: AsyncSession, session_id: int, code: str) -> ChatSession:
    """Verify the session when `code` is its pending code; Invalid (code_invalid) otherwise, RateLimited after the
    fifth wrong try (a new code must be asked for)."""
    chat_session = await db.get(ChatSession, session_id)
    if chat_session is None:
        raise NotFound(_('This chat session no longer exists.'))
    if chat_session.identity_verified:
        return chat_session
    pending = chat_session.verify_code_hash
    if pending is None or chat_session.verify_expires_at is None or chat_session.verify_expires_at < utcnow():
        raise Invalid(_('This code is not valid any more. Ask for a new one.'), code='code_invalid')
    if chat_session.verify_failures >= MAX_FAILURES:
        raise RateLimited(_('Too many wrong codes. Ask for a new one.'), retry_after=60)
    given = ''.join(code.split())[:CODE_DIGITS + 1]
    if not hmac.compare_digest(_code_hash(chat_session, given), pending):
        chat_session.verify_failures += 1
        db.add(chat_session)
        await db.commit()
        if chat_session.verify_failures >= MAX_FAILURES:
            raise RateLimited(_('Too many wrong codes. Ask for a new one.'), retry_after=60)
        raise Invalid(_('That is not the code we sent.'), code='code_invalid')
    chat_session.identity_verified = True
    chat_session.verify_code_hash = None
    chat_session.verify_expires_at = None
    chat_session.verify_failures = 0
    db.add(chat_session)
    await db.commit()
    return chat_session


def compose_code_message(*, mail: MailConfig, store_name: str, chat_session: ChatSession, code: str) -> EmailMessage:
    """The mail that carries the code, in the language of the chat session."""
    with language(chat_session.locale):
        sender_name, sender_address = parseaddr(mail.mail_from)
        store = header_text(store_name)
        message = EmailMessage()
        message['From'] = formataddr((header_text(sender_name) or store, header_text(sender_address)))
        message['To'] = formataddr((header_text(chat_session.name), header_text(chat_session.email)))
        message['Subject'] = _('Your code for the chat with {store}: {code}', store=store, code=code)
        message['Date'] = format_datetime(utcnow())
        message['Message-ID'] = make_msgid(idstring='verify', domain=mail.reply_domain)
        message['X-Auto-Response-Suppress'] = 'OOF, AutoReply'
        message.set_content(
            _('Type this code in the chat to confirm that this e-mail address is yours: {code}', code=code) + '\n\n'
            + _('It works for 15 minutes. If you did not ask for it, you can ignore this e-mail.') + '\n')
        return message
