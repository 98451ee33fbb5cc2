"""The secret of reply+<token>@ addresses: a fresh token for every e-mail to a shopper, of which only the hash is
stored, so a copy of the database cannot be used to write into conversations by mail.

Tokens are lower-case (some relays lower-case addresses) and hashed lower-cased, so an address finds its
conversation whatever its case; tokens made before (mixed case) were hashed the same way (migration 0010).
"""
from __future__ import annotations

import base64
import secrets

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, ReplyAddress
from services.tokens import hash_token

TOKEN_BYTES = 20  # 160 random bits: 32 base32 characters


def new_reply_token() -> str:
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode('ascii').rstrip('=').lower()


def reply_token_hash(token: str) -> str:
    return hash_token(token.lower())


def issue_reply_token(db: AsyncSession, *, conversation_id: int) -> str:
    """A new reply token for one e-mail of this conversation; its hash is added to `db` (the caller commits before
    the mail leaves)."""
    token = new_reply_token()
    db.add(ReplyAddress(conversation_id=conversation_id, token_hash=reply_token_hash(token)))
    return token


async def conversation_for_token(db: AsyncSession, token: str) -> Conversation | None:
    if not token or len(token) > 200:
        return None
    return (await db.exec(
        select(Conversation).join(ReplyAddress, col(ReplyAddress.conversation_id) == col(Conversation.id))
        .where(ReplyAddress.token_hash == reply_token_hash(token)))).first()
