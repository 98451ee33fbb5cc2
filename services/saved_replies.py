"""Saved replies (R1): the team's shared answers, one text per language, with placeholders filled per conversation.

Placeholders are the fixed set in `PLACEHOLDERS`; any other `{...}` is refused when a reply is saved, naming it. A
lone `{` or `}` (no pair around a name) is plain text, kept as it is. NUL characters are removed from titles and texts
(PostgreSQL refuses them).
Filling: a placeholder whose value the conversation does not know (a shopper without a name, a customer without an
order) is dropped together with the space (and a comma) before it, and a space left before punctuation goes too
("Hi {customer_first_name}, thanks" becomes "Hi, thanks", "Thanks, {customer_first_name}!" becomes "Thanks!"),
so the text never shows a `{...}`; write texts so that they read well without the value.

Language: the text in the shopper's language (the chat session's locale, else the customer's), else the store's
default language (`STORE_DEFAULT_LANGUAGE`, English: the store has no language setting yet), else the first text the
reply has.

Managing replies needs MANAGE_REPLIES; listing them needs REPLY or MANAGE_REPLIES (the page that manages them lists
them); filling one for a conversation needs REPLY.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation, Customer, Order, SavedReply, SavedReplyText, Staff
from db.types import utcnow
from services.errors import Conflict, Invalid, NotFound, TooLarge
from services.i18n import N_, SUPPORTED_LANGUAGES, _, normalize
from services.permissions import Permission, has, require
from services.store import get_store

PLACEHOLDERS: dict[str, str] = {
    'customer_first_name': N_("The shopper's first name"),
    'customer_name': N_("The shopper's full name"),
    'store_name': N_("The store's name"),
    'staff_name': N_('Your name'),
    'order_number': N_("The number of the shopper's latest order"),
}
STORE_DEFAULT_LANGUAGE = 'en'
MAX_REPLIES = 500
MAX_TITLE = 120
MAX_BODY = 5000  # a staff message's own cap
MAX_ID = 2**63 - 1  # the largest id a column holds; a larger one is no reply (not a database error)
SHORTCUT_PATTERN = re.compile(r'^[a-z0-9][a-z0-9_-]{0,39}$')
_PLACEHOLDER = re.compile(r'\{([^{}]*)\}')
_SPACE_BEFORE_PUNCTUATION = re.compile(r'[ \t]+([,.!?;:])')


@dataclass(frozen=True)
class SavedReplyIn:
    shortcut: str
    title: str
    texts: dict[str, str]  # language -> text


@dataclass(frozen=True)
class SavedReplyView:
    id: int
    shortcut: str
    title: str
    texts: dict[str, str] = field(default_factory=dict)


def unknown_placeholders(body: str) -> list[str]:
    """The `{...}` names in body that are not in PLACEHOLDERS, in order of appearance, each once."""
    seen: list[str] = []
    for name in _PLACEHOLDER.findall(body):
        if name not in PLACEHOLDERS and name not in seen:
            seen.append(name)
    return seen  # a lone `{` or `}` is not a placeholder: it stays in the text as it is


def fill(body: str, values: dict[str, str]) -> str:
    """body with every placeholder replaced by its value; an unknown or empty value is dropped (see module doc)."""
    dropped = False

    def one(match: re.Match[str]) -> str:
        nonlocal dropped
        value = values.get(match.group(2), '').strip()
        dropped = dropped or not value
        return (match.group(1) or '') + value if value else ''

    filled = re.sub(r'(,?[ \t]+)?\{([^{}]*)\}', one, body)
    if dropped:
        filled = _SPACE_BEFORE_PUNCTUATION.sub(r'\1', filled)
    return filled.strip()


def choose_text(texts: dict[str, str], shopper_language: str | None) -> tuple[str, str]:
    """(language, text): the shopper's language, else the store's default, else the first one there is."""
    for language in (normalize(shopper_language), STORE_DEFAULT_LANGUAGE):
        if language and texts.get(language):
            return language, texts[language]
    for language in SUPPORTED_LANGUAGES:
        if texts.get(language):
            return language, texts[language]
    raise NotFound(_('This saved reply has no text.'))


def _validated(reply_in: SavedReplyIn) -> SavedReplyIn:
    shortcut = reply_in.shortcut.strip().lower()
    if not SHORTCUT_PATTERN.match(shortcut):
        raise Invalid(_('A shortcut has 1 to 40 lowercase letters, digits, - or _.'), code='invalid_shortcut')
    title = reply_in.title.replace('\x00', '').strip()
    if not title:
        raise Invalid(_('A saved reply needs a title.'), code='invalid_title')
    if len(title) > MAX_TITLE:
        raise TooLarge(_('A title has at most {count} characters.', count=MAX_TITLE))
    texts: dict[str, str] = {}
    for language, raw in reply_in.texts.items():
        body = raw.replace('\x00', '').strip()
        if not body:
            continue
        if language not in SUPPORTED_LANGUAGES:
            raise Invalid(_('Unknown language: {language}.', language=language), code='invalid_language')
        if len(body) > MAX_BODY:
            raise TooLarge(_('A text has at most {count} characters.', count=MAX_BODY))
        unknown = unknown_placeholders(body)
        if unknown:
            raise Invalid(_('Unknown placeholder {name}. Use one of: {known}.', name='{' + unknown[0] + '}',
                            known=', '.join('{' + name + '}' for name in PLACEHOLDERS)),
                          code='unknown_placeholder')
        texts[language] = body
    if not texts:
        raise Invalid(_('A saved reply needs a text in at least one language.'), code='invalid_text')
    return SavedReplyIn(shortcut=shortcut, title=title, texts=texts)


async def _texts_of(db: AsyncSession, reply_ids: list[int]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {reply_id: {} for reply_id in reply_ids}
    if reply_ids:
        rows = await db.exec(select(SavedReplyText).where(col(SavedReplyText.reply_id).in_(reply_ids)))
        for row in rows:
            found[row.reply_id][row.language] = row.body
    return found


async def list_replies(*, db: AsyncSession, staff: Staff | None) -> list[SavedReplyView]:
    """Every saved reply, by shortcut, with its texts."""
    if not has(staff, Permission.MANAGE_REPLIES):
        require(staff, Permission.REPLY)
    replies = list(await db.exec(select(SavedReply).order_by(col(SavedReply.shortcut))))
    texts = await _texts_of(db, [reply.id for reply in replies if reply.id is not None])
    return [SavedReplyView(id=reply.id, shortcut=reply.shortcut, title=reply.title, texts=texts[reply.id])
            for reply in replies if reply.id is not None]


async def save_reply(*, db: AsyncSession, staff: Staff | None, reply_in: SavedReplyIn,
                     reply_id: int | None = None) -> SavedReplyView:
    """Create (reply_id None) or replace a saved reply and all its texts, and commit."""
    view = await stage_reply(db=db, staff=staff, reply_in=reply_in, reply_id=reply_id)
    await db.commit()
    return view


async def stage_reply(*, db: AsyncSession, staff: Staff | None, reply_in: SavedReplyIn,
                      reply_id: int | None = None) -> SavedReplyView:
    """save_reply without the commit (the demo store is loaded in one transaction)."""
    require(staff, Permission.MANAGE_REPLIES)
    clean = _validated(reply_in)
    clash = (await db.exec(select(SavedReply.id).where(SavedReply.shortcut == clean.shortcut))).first()
    if clash is not None and clash != reply_id:
        raise Conflict(_('The shortcut /{shortcut} is already used.', shortcut=clean.shortcut), code='shortcut_exists')
    if reply_id is None:
        count = (await db.exec(select(func.count()).select_from(SavedReply))).one()
        if count >= MAX_REPLIES:
            raise Conflict(_('There can be at most {count} saved replies.', count=MAX_REPLIES), code='too_many')
        reply = SavedReply(shortcut=clean.shortcut, title=clean.title)
        db.add(reply)
        await db.flush()
    else:
        found = await db.get(SavedReply, reply_id)
        if found is None:
            raise NotFound(_('This saved reply does not exist.'))
        reply = found
        reply.shortcut, reply.title, reply.updated_at = clean.shortcut, clean.title, utcnow()
        db.add(reply)
        await db.exec(delete(SavedReplyText).where(col(SavedReplyText.reply_id) == reply_id))
    assert reply.id is not None
    for language, body in clean.texts.items():
        db.add(SavedReplyText(reply_id=reply.id, language=language, body=body))
    await db.flush()
    return SavedReplyView(id=reply.id, shortcut=reply.shortcut, title=reply.title, texts=dict(clean.texts))


async def delete_reply(*, db: AsyncSession, staff: Staff | None, reply_id: int) -> None:
    require(staff, Permission.MANAGE_REPLIES)
    reply = await db.get(SavedReply, reply_id)
    if reply is None:
        raise NotFound(_('This saved reply does not exist.'))
    await db.exec(delete(SavedReplyText).where(col(SavedReplyText.reply_id) == reply_id))
    await db.delete(reply)
    await db.commit()


async def placeholder_values(*, db: AsyncSession, staff: Staff, conversation: Conversation) -> dict[str, str]:
    """What this conversation knows for each placeholder ('' when it does not know)."""
    customer = await db.get(Customer, conversation.customer_id)
    latest = (await db.exec(select(ChatSession).where(ChatSession.conversation_id == conversation.id)
                            .order_by(col(ChatSession.id).desc()))).first()
    name = ((customer.name if customer else '') or (latest.name if latest else '')).strip()
    order = (await db.exec(select(Order.number).where(Order.customer_id == conversation.customer_id)
                           .order_by(col(Order.placed_at).desc()))).first()
    return {'customer_first_name': name.split()[0] if name else '', 'customer_name': name,
            'store_name': (await get_store(db)).name, 'staff_name': staff.name,
            'order_number': str(order) if order is not None else ''}


async def shopper_language(db: AsyncSession, conversation: Conversation) -> str | None:
    """The language the shopper writes in: the latest chat session's locale, else the customer's."""
    latest = (await db.exec(select(ChatSession.locale).where(ChatSession.conversation_id == conversation.id)
                            .order_by(col(ChatSession.id).desc()))).first()
    if normalize(latest):
        return normalize(latest)
    customer = await db.get(Customer, conversation.customer_id)
    return normalize(customer.locale) if customer else None


async def filled_reply(*, db: AsyncSession, staff: Staff | None, reply_id: int, conversation_id: int) -> str:
    """The saved reply's text for this conversation: in the shopper's language, placeholders filled."""
    member = require(staff, Permission.REPLY)
    reply = await db.get(SavedReply, reply_id) if 0 < reply_id <= MAX_ID else None
    if reply is None:
        raise NotFound(_('This saved reply does not exist any more: it may have been deleted. Type / to see the '
                         'list again.'), code='reply_not_found')
    conversation = await db.get(Conversation, conversation_id) if 0 < conversation_id <= MAX_ID else None
    if conversation is None:
        raise NotFound(_('This conversation does not exist.'), code='conversation_not_found')
    texts = (await _texts_of(db, [reply_id]))[reply_id]
    _language, body = choose_text(texts, await shopper_language(db, conversation))
    return fill(body, await placeholder_values(db=db, staff=member, conversation=conversation))
