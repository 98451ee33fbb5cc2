"""Conversations: the list's read model (filters, search, paging) and the commands staff run on them
(status M1, unread, assignment M2). There is deliberately no way to delete a conversation."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from typing import cast as cast_type

from sqlalchemy import Executable, String, and_, cast, exists, false
from sqlalchemy.orm import aliased
from sqlmodel import col, func, or_, select, text, union
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from db.models import ChatSession, Conversation, Customer, Message, Order, Staff
from db.states import Author, ConversationStatus, MessageKind
from db.types import utcnow
from services import ratings, report_columns
from services.errors import Invalid, NotFound, PermissionDenied
from services.events import EventBus
from services.i18n import _
from services.messages import require_chat_permission, to_view
from services.notes import mentioned_condition
from services.permissions import Permission, has
from services.views import ConversationRow
from services.webhook_events import record_event

STATUSES = tuple(ConversationStatus)
VIEWS = ('all', 'mine', 'unassigned', 'blocked', 'mentioned')
MENTIONED_SHOWN = 200  # the Mentioned view (R2) is one list, unseen first, without paging
Assignee = aliased(Staff)
TOPIC_KEY = re.compile(r'^[a-z_]{1,40}$')
SEARCH_WORD = re.compile(r'\w+', re.UNICODE)
COUNT_CAP = 1000
TRIGRAM = 3  # the trigram index answers substring searches of three characters or more


@dataclass(frozen=True)
class ListFilter:
    status: str = ConversationStatus.OPEN
    view: str = 'all'  # all | mine | unassigned | blocked (R4: blocked senders) | mentioned (R2: notes naming staff_id)
    staff_id: int | None = None  # whose "mine"
    topic: str | None = None
    search: str = ''


Latest = aliased(ChatSession)  # a conversation's newest chat session
Older = aliased(ChatSession)  # one of the same customer's sessions before it


def _newest_session(column: Any) -> Any:
    """`column` of the row's newest chat session, as a correlated subquery (one index probe per row shown)."""
    return (select(column).where(col(Latest.conversation_id) == col(Conversation.id))
            .order_by(col(Latest.id).desc()).limit(1).scalar_subquery())


# V1: the newest session is unverified and names a customer known before it (an older session or an order).
_UNVERIFIED_CLAIM = _newest_session(and_(
    col(Latest.identity_verified).is_(false()),
    or_(exists().where(col(Older.customer_id) == col(Latest.customer_id), col(Older.id) < col(Latest.id)),
        exists().where(col(Order.customer_id) == col(Latest.customer_id)))))


RowColumns = Select[Conversation, str, str, str | None, str | None, bool | None, datetime | None]


def _row_query() -> RowColumns:
    """A list row in one statement: the conversation, its customer, assignee and newest session's e-mail and claim.
    (Fetching the sessions in follow-up queries tripled the first page's time, bench/scale.py.)"""
    # SQLModel's select() is typed for up to four columns; add_columns() returns SQLAlchemy's own Select
    return cast_type(RowColumns, select(Conversation, Customer.name, Customer.email, Assignee.name)
                     .add_columns(_newest_session(Latest.email), _UNVERIFIED_CLAIM, col(Customer.blocked_at))
                     .join(Customer, col(Conversation.customer_id) == Customer.id)
                     .join(Assignee, col(Conversation.assignee_id) == Assignee.id, isouter=True))


def _to_row(conversation: Conversation, name: str, email: str, assignee: str | None, session_email: str | None,
            unverified_claim: bool | None, blocked_at: datetime | None = None) -> ConversationRow:
    assert conversation.id is not None
    return ConversationRow(
        id=conversation.id, customer_id=conversation.customer_id, customer_name=name or email,
        customer_email=email, online=conversation.customer_online, status=conversation.status,
        unread=conversation.unread, preview=conversation.last_message_preview,
        preview_author=conversation.last_message_author, last_message_at=conversation.last_message_at,
        started_at=conversation.started_at, channel=conversation.channel, assignee_id=conversation.assignee_id,
        assignee_name=assignee or '', topics=list(conversation.topics or [])[:2],
        session_email=session_email or email, unverified_claim=bool(unverified_claim),
        customer_blocked=blocked_at is not None,
    )


def _fts_query(search: str) -> str:
    """Each word as a quoted prefix term, so user text can never be FTS5 syntax."""
    return ' '.join(f'"{word}"*' for word in SEARCH_WORD.findall(search)[:8])


def _on_sqlite(db: AsyncSession) -> bool:
    assert db.bind is not None  # the sessions come from Database, always bound to its engine
    return db.bind.dialect.name == 'sqlite'


def _apply(query, flt: ListFilter, *, sqlite: bool, with_status: bool = True):  # type: ignore[no-untyped-def]
    if with_status:
        if flt.status not in STATUSES:
            raise Invalid(f'Unknown status "{flt.status}".')
        if SEARCH_WORD.search(flt.search):  # `status || ''` keeps the planner off the status index: the matches
            query = query.where(col(Conversation.status).concat('') == flt.status)  # lead (see _search_condition)
        else:
            query = query.where(Conversation.status == flt.status)
    if flt.view not in VIEWS:
        raise Invalid(f'Unknown view "{flt.view}".')
    if flt.view == 'mine':
        query = query.where(Conversation.assignee_id == flt.staff_id)
    elif flt.view == 'unassigned':
        query = query.where(col(Conversation.assignee_id).is_(None))
    elif flt.view == 'blocked':
        query = query.where(col(Conversation.customer_id).in_(
            select(Customer.id).where(col(Customer.blocked_at).is_not(None))))
    elif flt.view == 'mentioned':
        query = query.where(mentioned_condition(flt.staff_id))
    if flt.topic:
        if not TOPIC_KEY.match(flt.topic):
            raise Invalid('Unknown topic.')
        query = query.where(cast(Conversation.topics, String).like(f'%"{flt.topic}"%'))
    words = SEARCH_WORD.findall(flt.search)
    if words:
        query = query.where(_search_condition(flt.search, sqlite=sqlite))
    return query


def _search_condition(search: str, *, sqlite: bool):  # type: ignore[no-untyped-def]
    """Customer name or e-mail containing the text, or a message with its words (as prefixes).

    On SQLite both come from FTS5 indexes (a trigram index for the customer substring, from three characters on), so
    the list finds its matches without reading every conversation; shorter text uses LIKE. The other database the
    inbox runs on, PostgreSQL, has the same from a tsvector index and pg_trgm indexes under the LIKE (migrations
    0003 and 0005)."""
    wanted = search.strip()[:100]
    pattern = f'%{wanted.lower()}%'
    if sqlite:
        matching = select(Message.conversation_id).where(col(Message.id).in_(
            text('SELECT rowid FROM message_fts WHERE message_fts MATCH :fts').bindparams(fts=_fts_query(wanted))))
    else:
        words = ' '.join(SEARCH_WORD.findall(wanted)[:8])
        matching = select(Message.conversation_id).where(col(Message.kind) == 'text', func.message_search_words(
            Message.body).bool_op('@@')(func.message_search_prefixes(words)))
    customers: Executable  # the ids of the matching customers: FTS rowids or a SELECT
    if sqlite and len(wanted) >= TRIGRAM:
        customers = text('SELECT rowid FROM customer_fts WHERE customer_fts MATCH :who').bindparams(
            who='"' + wanted.replace('"', '""') + '"')
    else:
        customers = select(Customer.id).where(or_(func.lower(Customer.name).like(pattern),
                                                  func.lower(Customer.email).like(pattern)))
    # One list of matching conversation ids, so the database starts from the matches (by primary key) instead of
    # walking a whole tab and testing every row against two lists.
    return col(Conversation.id).in_(union(select(Conversation.id).where(col(Conversation.customer_id).in_(customers)),
                                          matching))


async def list_rows(*, db: AsyncSession, status: str = ConversationStatus.OPEN, limit: int = 50,
                    before: tuple[datetime, int] | None = None, flt: ListFilter | None = None) -> list[ConversationRow]:
    """One page of the list, newest first, in one query; `before` is the (last_message_at, id) of the last row seen."""
    flt = flt or ListFilter(status=status)
    if flt.view == 'mentioned':
        return [] if before is not None else await _mentioned_rows(db, flt)
    query = _apply(_row_query(), flt, sqlite=_on_sqlite(db))
    if before is not None:
        moment, last_id = before
        query = query.where(or_(col(Conversation.last_message_at) < moment,
                                (col(Conversation.last_message_at) == moment) & (col(Conversation.id) < last_id)))
    found = (await db.exec(query.order_by(col(Conversation.last_message_at).desc(), col(Conversation.id).desc())
                           .limit(max(1, min(limit, 200))))).all()
    return [_to_row(*values) for values in found]


async def _mentioned_rows(db: AsyncSession, flt: ListFilter) -> list[ConversationRow]:
    """R2's Mentioned view: conversations with a note naming the viewer, those they have not opened since first, then
    newest first; at most MENTIONED_SHOWN."""
    unseen = mentioned_condition(flt.staff_id, unseen_only=True)
    query = _apply(_row_query().add_columns(unseen), flt, sqlite=_on_sqlite(db))
    found = (await db.exec(query.order_by(unseen.desc(), col(Conversation.last_message_at).desc(),
                                          col(Conversation.id).desc()).limit(MENTIONED_SHOWN))).all()
    return [replace(_to_row(*values[:7]), mentioned=True, mention_unseen=bool(values[7])) for values in found]


def with_mention_flags(rows: dict[int, ConversationRow], flags: dict[int, bool]) -> dict[int, ConversationRow]:
    """Changed rows read for the Mentioned view, with whether a note names the viewer (`notes.mention_flags`)."""
    return {cid: replace(row, mentioned=cid in flags, mention_unseen=flags.get(cid, False))
            for cid, row in rows.items()}


async def count_by_status(*, db: AsyncSession, flt: ListFilter | None = None) -> dict[str, int]:
    """Each tab's count, counted up to COUNT_CAP (shown as "999+" beyond; see `count_label`).

    Counting every row made the first page grow with the inbox (67 ms at 100,000 conversations, and it runs again
    for every open staff tab on every change); a capped count reads at most COUNT_CAP index entries."""
    found = []
    for status, query in count_queries(flt or ListFilter(), sqlite=_on_sqlite(db)):
        result = await db.exec(query)
        found.append((status, result.all() if status is None else result.one()))
    return tally_counts(found)


def count_queries(flt: ListFilter, *, sqlite: bool) -> list[tuple[str | None, Any]]:
    """The statements behind each tab's count: (status, capped count), or (None, counts grouped by status)."""
    if SEARCH_WORD.search(flt.search):  # the matches are collected anyway: group them once for both tabs
        grouped = _apply(select(Conversation.status, func.count()), flt, sqlite=sqlite, with_status=False)
        return [(None, grouped.group_by(Conversation.status))]
    return [(status, select(func.count()).select_from(
        _apply(select(Conversation.id), replace(flt, status=status), sqlite=sqlite).limit(COUNT_CAP).subquery()))
        for status in STATUSES]


async def count_unread(*, db: AsyncSession) -> int:
    """Open conversations nobody has read yet, across the whole inbox, up to COUNT_CAP: the header badge and the
    tab title (whatever tab, view or search the list shows)."""
    return (await db.exec(unread_query())).one()


def unread_query() -> SelectOfScalar[int]:
    unread = select(Conversation.id).where(Conversation.unread == True,  # noqa: E712
                                           Conversation.status == ConversationStatus.OPEN)
    return select(func.count()).select_from(unread.limit(COUNT_CAP).subquery())


def tally_counts(found: list[tuple[str | None, Any]]) -> dict[str, int]:
    """Each tab's count from what `count_queries`' statements returned, in their order."""
    counts: dict[str, int] = {status: 0 for status in STATUSES}
    for status, result in found:
        if status is not None:
            counts[status] = result
            continue
        for grouped_status, count in result:
            counts[grouped_status] = min(count, COUNT_CAP)
    return counts


def count_label(count: int) -> str:
    return f'{COUNT_CAP - 1}+' if count >= COUNT_CAP else str(count)


def matches(row: ConversationRow, flt: ListFilter) -> bool:
    """Whether a changed row still belongs in a list showing `flt` (search is left to the next reload)."""
    if row.status != flt.status:
        return False
    if flt.view == 'mine' and row.assignee_id != flt.staff_id:
        return False
    if flt.view == 'unassigned' and row.assignee_id is not None:
        return False
    if flt.view == 'blocked' and not row.customer_blocked:
        return False
    if flt.view == 'mentioned' and not row.mentioned:
        return False
    return not flt.topic or flt.topic in row.topics


async def get_row(*, db: AsyncSession, conversation_id: int) -> ConversationRow:
    row = (await get_rows(db=db, conversation_ids=[conversation_id])).get(conversation_id)
    if row is None:
        raise NotFound('No such conversation.')
    return row


async def get_rows(*, db: AsyncSession, conversation_ids: list[int]) -> dict[int, ConversationRow]:
    """The list rows of these conversations (missing ones left out), in one query whatever their number."""
    if not conversation_ids:
        return {}
    return {row.id: row for row in (_to_row(*found) for found in (await db.exec(
        _row_query().where(col(Conversation.id).in_(conversation_ids)))).all())}


async def _conversation(db: AsyncSession, conversation_id: int) -> Conversation:
    conversation = await db.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound('No such conversation.')
    return conversation


async def mark_read(*, db: AsyncSession, bus: EventBus, conversation_id: int) -> None:
    conversation = await _conversation(db, conversation_id)
    if conversation.unread:
        conversation.unread = False
        db.add(conversation)
        await db.commit()
        bus.conversation_changed.emit(conversation_id)


async def mark_unread(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int) -> None:
    require_chat_permission(staff)
    conversation = await _conversation(db, conversation_id)
    conversation.unread = True
    db.add(conversation)
    await db.commit()
    bus.conversation_changed.emit(conversation_id)


async def set_status(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int,
                     status: str, mail_domain: str = 'localhost') -> None:
    """M1: Open <-> Closed. Closing never deletes anything; a new shopper message reopens it. Closing asks the
    shopper for a rating (K2, services/ratings.py) in the same transaction."""
    require_chat_permission(staff)
    if status not in STATUSES:
        raise Invalid(f'Unknown status "{status}".')
    conversation = await _conversation(db, conversation_id)
    if conversation.status == status:
        return
    await record_event(db, 'conversation.status_changed',
                       {'conversation_id': conversation_id, 'status': status, 'previous_status': conversation.status})
    conversation.status = status
    if status == ConversationStatus.CLOSED:
        report_columns.closed(conversation, utcnow())  # K1: a reopened conversation keeps it until closed again
    survey = (await ratings.ask_for_rating(db, conversation, mail_domain=mail_domain)
              if status == ConversationStatus.CLOSED else None)
    db.add(conversation)
    await db.commit()
    if survey is not None:
        bus.publish_message(to_view(survey))  # to the shopper's chat, the outbox and the staff tabs, then the row
    else:
        bus.conversation_changed.emit(conversation_id)


async def assignable_staff(*, db: AsyncSession, search: str = '') -> list[Staff]:
    """M2's picker: only active staff with the online-store chat permission."""
    query = select(Staff).where(col(Staff.active).is_(True),
                                or_(col(Staff.is_owner).is_(True),
                                    (' ' + col(Staff.permissions) + ' ').like(f'% {Permission.REPLY.value} %')))
    words = search.strip().lower()[:100]
    if words:
        pattern = f'%{words}%'
        query = query.where(or_(func.lower(Staff.name).like(pattern), func.lower(Staff.email).like(pattern)))
    return list((await db.exec(query.order_by(col(Staff.name)).limit(50))).all())


async def assign(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int,
                 assignee_id: int | None) -> None:
    """M2: assign (or with None, unassign), checked here and not only in the picker; the thread records it."""
    actor = require_chat_permission(staff)
    conversation = await _conversation(db, conversation_id)
    if assignee_id is not None:
        assignee = await db.get(Staff, assignee_id)
        if assignee is None or not has(assignee, Permission.REPLY):
            raise PermissionDenied(
                _('Conversations can only be assigned to staff with the online-store chat permission.'),
                code='assignee_without_permission')
        body = _('Assigned to {assignee} by {actor}', assignee=assignee.name, actor=actor.name)
        named = assignee.name
    else:
        if conversation.assignee_id is None:
            return
        previous = await db.get(Staff, conversation.assignee_id)
        named = previous.name if previous else '?'
        body = _('Unassigned from {assignee} by {actor}', assignee=named, actor=actor.name)
    if conversation.assignee_id == assignee_id:
        return
    conversation.assignee_id = assignee_id
    event = Message(conversation_id=conversation_id, author=Author.SYSTEM, kind=MessageKind.EVENT, body=body,
                    staff_id=actor.id, created_at=utcnow(), payload={'action': 'assign', 'assignee_id': assignee_id,
                                                  'assignee_name': named, 'actor_name': actor.name})
    # the body is the actor's language; the names in the payload let every viewer read the event in their own
    db.add(conversation)
    db.add(event)
    await record_event(db, 'conversation.assigned', {'conversation_id': conversation_id, 'assignee_id': assignee_id,
                                                     'assignee_name': named if assignee_id is not None else None})
    await db.commit()
    bus.publish_message(to_view(event))
