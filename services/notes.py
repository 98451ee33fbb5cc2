"""R2: internal notes in the thread, with `@` mentions, and the Mentioned view's reads.

A note is a message of kind `note` (author staff) in the conversation, so it sits in the thread in order. It never
reaches the shopper: every shopper-facing reader lists the kinds a shopper may see (`views.CUSTOMER_VISIBLE_KINDS`,
which has no `note`), a note has no delivery and no outbox row, the tagger reads shopper texts only, and a note does
not touch the conversation's preview, time or unread flag (tests/test_notes_never_reach_shopper.py, one test per
path).

Mentions (`parse_mentions`), matched case-insensitively against active staff who may use the inbox:
- `@first.last`: the staff member's name with its words joined by dots (`@ana.silva` for "Ana Silva");
- `@"First Last"`: the whole name in double quotes;
- `@First`: the first word of the name alone, when exactly one such member has it.
An `@` right after a letter, digit or `@` is not a mention (`ana@example.com`); a full stop, comma and the like at
the end of a word is not part of it (`@ana.` at the end of a sentence). The author is never their own mention, and a
note names at most MAX_MENTIONS members. The mention rows (`note_mention`) are stored in the note's transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, exists, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, Message, NoteMention, Staff
from db.states import Author, MessageKind
from db.types import utcnow
from services.errors import NotFound
from services.events import EventBus
from services.i18n import _
from services.messages import clean_body, to_view
from services.permissions import Permission, has, require
from services.views import MessageView

MAX_MENTIONS = 20
MENTION = re.compile(r'(?<![\w@])@(?:"([^"\n]{1,200})"|(\w[\w.\'-]*))', re.UNICODE)
TRAILING = '.\'-'


@dataclass(frozen=True)
class Mentionable:
    """A staff member a note may name: their id, name and the `@` handle the composer's picker inserts."""
    id: int
    name: str

    @property
    def handle(self) -> str:
        return handle_of(self.name)


def handle_of(name: str) -> str:
    return '.'.join(name.casefold().split())


def parse_mentions(body: str, staff: list[Mentionable]) -> list[Mentionable]:
    """The staff members a note's text names (rules in the module docstring), in the order they first appear."""
    by_handle = {member.handle: member for member in staff if member.handle}
    by_name = {' '.join(member.name.casefold().split()): member for member in staff}
    first_words: dict[str, list[Mentionable]] = {}
    for each in staff:
        words = each.name.casefold().split()
        if words:
            first_words.setdefault(words[0], []).append(each)
    found: list[Mentionable] = []
    for match in MENTION.finditer(body):
        quoted, word = match.group(1), match.group(2)
        member: Mentionable | None
        if quoted is not None:
            member = by_name.get(' '.join(quoted.casefold().split()))
        else:
            token = word.casefold().rstrip(TRAILING)
            member = by_handle.get(token)
            if member is None and len(first_words.get(token, [])) == 1:
                member = first_words[token][0]
        if member is not None and member not in found:
            found.append(member)
    return found[:MAX_MENTIONS]


async def mentionable_staff(*, db: AsyncSession, search: str = '', limit: int = 200) -> list[Mentionable]:
    """Active staff who may use the inbox (the owner, or REPLY), by name; `search` filters the picker's list."""
    query = select(Staff).where(col(Staff.active).is_(True))
    words = search.strip().casefold()[:100]
    if words:
        query = query.where(func.lower(Staff.name).like(f'%{words}%'))
    found = (await db.exec(query.order_by(col(Staff.name)).limit(max(1, min(limit, 500))))).all()
    return [Mentionable(id=member.id, name=member.name) for member in found
            if member.id is not None and has(member, Permission.REPLY)]


async def add_note(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int,
                   body: str) -> MessageView:
    """Store an internal note (REPLY needed; 1 to 5000 characters) and its mentions in one transaction, then publish
    it to the staff tabs. The conversation's preview, time and unread flag stay as they were."""
    author = require(staff, Permission.REPLY)
    text = clean_body(body)
    if await db.get(Conversation, conversation_id) is None:
        raise NotFound(_('No such conversation.'))
    named = [member for member in parse_mentions(text, await mentionable_staff(db=db)) if member.id != author.id]
    note = Message(conversation_id=conversation_id, author=Author.STAFF, staff_id=author.id, kind=MessageKind.NOTE,
                   body=text, created_at=utcnow(),
                   payload={'mentions': [{'id': member.id, 'name': member.name} for member in named]})
    db.add(note)
    await db.flush()
    assert note.id is not None
    for member in named:
        db.add(NoteMention(message_id=note.id, staff_id=member.id))
    await db.commit()
    view = to_view(note, author.name)
    bus.publish_message(view)  # the thread, the mentioned members' notifiers and their Mentioned view
    return view


def mentions_of(view: MessageView) -> list[int]:
    """The ids of the staff a note named (from its payload; an erased note names nobody)."""
    if view.kind != MessageKind.NOTE:
        return []
    return [int(item['id']) for item in view.payload.get('mentions', [])
            if isinstance(item, dict) and isinstance(item.get('id'), int)]


def mentioned_condition(staff_id: int | None, *, unseen_only: bool = False):  # type: ignore[no-untyped-def]
    """SQL: the conversation has a note naming this staff member (not yet seen, with `unseen_only`)."""
    condition = exists().where(col(NoteMention.message_id) == col(Message.id), col(NoteMention.staff_id) == staff_id,
                               col(Message.conversation_id) == col(Conversation.id))
    if unseen_only:
        condition = condition.where(col(NoteMention.seen_at).is_(None))
    return condition


async def mention_flags(*, db: AsyncSession, staff_id: int | None,
                        conversation_ids: list[int]) -> dict[int, bool]:
    """Of these conversations, those with a note naming the member: conversation id -> whether one is unseen."""
    if staff_id is None or not conversation_ids:
        return {}
    rows = (await db.exec(
        select(Message.conversation_id, func.max(case((col(NoteMention.seen_at).is_(None), 1), else_=0)))
        .join(NoteMention, col(NoteMention.message_id) == col(Message.id))
        .where(NoteMention.staff_id == staff_id, col(Message.conversation_id).in_(conversation_ids))
        .group_by(col(Message.conversation_id)))).all()
    return {conversation_id: bool(unseen) for conversation_id, unseen in rows}


async def count_unseen_mentions(*, db: AsyncSession, staff_id: int) -> int:
    """Conversations with a note naming the member that they have not opened since (the header's @ badge)."""
    query = (select(func.count(func.distinct(col(Message.conversation_id))))
             .join(NoteMention, col(NoteMention.message_id) == col(Message.id))
             .where(NoteMention.staff_id == staff_id, col(NoteMention.seen_at).is_(None)))
    return int((await db.exec(query)).one())


async def mark_mentions_seen(*, db: AsyncSession, bus: EventBus, staff_id: int, conversation_id: int,
                             now: datetime | None = None) -> int:
    """The member opened the conversation: their mentions in its notes are seen. How many were marked; when any, the
    list row changes (the Mentioned view's order) and the member's other tabs hear `mentions_seen`."""
    notes = select(Message.id).where(Message.conversation_id == conversation_id, Message.kind == MessageKind.NOTE)
    unseen = (select(NoteMention.id).where(col(NoteMention.staff_id) == staff_id, col(NoteMention.seen_at).is_(None),
                                           col(NoteMention.message_id).in_(notes)).limit(1))
    if (await db.exec(unseen)).first() is None:  # the usual case on opening: a read, no write transaction
        return 0
    result = await db.exec(update(NoteMention)
                           .where(col(NoteMention.staff_id) == staff_id, col(NoteMention.seen_at).is_(None),
                                  col(NoteMention.message_id).in_(notes))
                           .values(seen_at=now or utcnow()))
    marked = int(result.rowcount or 0)
    if marked:
        await db.commit()
        bus.conversation_changed.emit(conversation_id)
        bus.mentions_seen.emit(staff_id)
    return marked

