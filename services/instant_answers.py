"""Instant answers (A2): up to ten common questions with their answers per language, offered in the chat widget.

A tap on one (`answer`) stores the shopper's question (author customer, kind text, `payload.instant_answer_id`) and
the store's answer (author system, kind auto, API.md) in one transaction, then publishes both like any other
message: the session's sockets and every staff tab get them. The question carries a client_msg_id, so a retried
request stores nothing new and returns the first pair.

Language: the widget offers the questions of the shopper's language (the chat session's locale, the config's
`lang`); a language without any falls back to the store's default language (English). Only an offered question
can be asked: another language's id is unknown to that session (404).

Managing the answers needs MANAGE_REPLIES ("saved replies, availability and instant answers"); reading the offered
list and asking need no staff at all.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Conversation, InstantAnswer, Message, Staff
from db.states import Author, ConversationStatus, MessageKind
from db.types import utcnow
from services.blocking import refuse_if_blocked
from services.errors import Conflict, Invalid, NotFound, TooLarge
from services.events import EventBus
from services.i18n import SUPPORTED_LANGUAGES, _, normalize
from services.messages import clean_client_msg_id, preview_of, to_view
from services.permissions import Permission, require
from services.views import MessageView, SessionIds

MAX_PER_LANGUAGE = 10
MAX_QUESTION = 200
MAX_ANSWER = 2000
DEFAULT_LANGUAGE = 'en'  # the store has no language setting yet (as services/saved_replies.STORE_DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class InstantAnswerIn:
    language: str
    question: str
    answer: str


@dataclass(frozen=True)
class InstantAnswerView:
    id: int
    language: str
    position: int
    question: str
    answer: str


@dataclass(frozen=True)
class Answered:
    question: MessageView
    answer: MessageView
    created: bool
    """False for a repeated client_msg_id: the first pair, nothing stored."""


def _view(row: InstantAnswer) -> InstantAnswerView:
    assert row.id is not None
    return InstantAnswerView(id=row.id, language=row.language, position=row.position, question=row.question,
                             answer=row.answer)


def _language(raw: str) -> str:
    if raw not in SUPPORTED_LANGUAGES:
        raise Invalid(_('Unknown language: {language}.', language=raw[:20]), code='invalid_language')
    return raw


def _validated(answer_in: InstantAnswerIn) -> InstantAnswerIn:
    question = ' '.join(answer_in.question.replace('\x00', '').split())
    answer = answer_in.answer.replace('\x00', '').strip()
    if not question:
        raise Invalid(_('An instant answer needs a question.'), code='invalid_question')
    if len(question) > MAX_QUESTION:
        raise TooLarge(_('A question has at most {count} characters.', count=MAX_QUESTION), code='question_too_long')
    if not answer:
        raise Invalid(_('An instant answer needs an answer.'), code='invalid_answer')
    if len(answer) > MAX_ANSWER:
        raise TooLarge(_('An answer has at most {count} characters.', count=MAX_ANSWER), code='answer_too_long')
    return InstantAnswerIn(language=_language(answer_in.language), question=question, answer=answer)


async def _rows(db: AsyncSession, language: str) -> list[InstantAnswer]:
    return list(await db.exec(select(InstantAnswer).where(InstantAnswer.language == language)
                              .order_by(col(InstantAnswer.position), col(InstantAnswer.id))))


async def offered_language(db: AsyncSession, language: str | None) -> str:
    """The language whose questions a shopper of `language` is offered: theirs when it has any, else the default."""
    wanted = normalize(language)
    if wanted and wanted != DEFAULT_LANGUAGE:
        found = (await db.exec(select(InstantAnswer.id).where(InstantAnswer.language == wanted).limit(1))).first()
        if found is not None:
            return wanted
    return DEFAULT_LANGUAGE


async def list_for_widget(db: AsyncSession, language: str | None) -> list[dict[str, object]]:
    """What GET /chat/config sends as `instant_answers`: [{"id", "question"}] in order, in the shopper's language
    (or the default language when theirs has none)."""
    rows = await _rows(db, await offered_language(db, language))
    return [{'id': row.id, 'question': row.question} for row in rows[:MAX_PER_LANGUAGE]]


async def list_answers(*, db: AsyncSession, staff: Staff | None, language: str) -> list[InstantAnswerView]:
    """One language's instant answers in order, for the page that manages them."""
    require(staff, Permission.MANAGE_REPLIES)
    return [_view(row) for row in await _rows(db, _language(language))]


async def save_answer(*, db: AsyncSession, staff: Staff | None, answer_in: InstantAnswerIn,
                      answer_id: int | None = None) -> InstantAnswerView:
    """Add (answer_id None, at the end of its language) or change one, and commit."""
    view = await stage_answer(db=db, staff=staff, answer_in=answer_in, answer_id=answer_id)
    await db.commit()
    return view


async def stage_answer(*, db: AsyncSession, staff: Staff | None, answer_in: InstantAnswerIn,
                       answer_id: int | None = None) -> InstantAnswerView:
    """save_answer without the commit (the demo store is loaded in one transaction)."""
    require(staff, Permission.MANAGE_REPLIES)
    clean = _validated(answer_in)
    if answer_id is None:
        count = (await db.exec(select(func.count()).select_from(InstantAnswer)
                               .where(InstantAnswer.language == clean.language))).one()
        if count >= MAX_PER_LANGUAGE:
            raise Conflict(_('There can be at most {count} instant answers per language.', count=MAX_PER_LANGUAGE),
                           code='too_many')
        last = (await db.exec(select(func.max(InstantAnswer.position))
                              .where(InstantAnswer.language == clean.language))).one()
        row = InstantAnswer(language=clean.language, position=(last if last is not None else -1) + 1,
                            question=clean.question, answer=clean.answer)
    else:
        found = await db.get(InstantAnswer, answer_id)
        if found is None or found.language != clean.language:
            raise NotFound(_('This instant answer does not exist.'))
        row = found
        row.question, row.answer, row.updated_at = clean.question, clean.answer, utcnow()
    db.add(row)
    await db.flush()
    return _view(row)


async def delete_answer(*, db: AsyncSession, staff: Staff | None, answer_id: int) -> None:
    require(staff, Permission.MANAGE_REPLIES)
    row = await db.get(InstantAnswer, answer_id)
    if row is None:
        raise NotFound(_('This instant answer does not exist.'))
    await db.delete(row)
    await db.commit()


async def move_answer(*, db: AsyncSession, staff: Staff | None, answer_id: int, offset: int) -> list[InstantAnswerView]:
    """Move one up (offset -1) or down (+1) in its language's order; returns that language's new order."""
    require(staff, Permission.MANAGE_REPLIES)
    row = await db.get(InstantAnswer, answer_id)
    if row is None:
        raise NotFound(_('This instant answer does not exist.'))
    rows = await _rows(db, row.language)
    index = next(i for i, other in enumerate(rows) if other.id == answer_id)
    target = max(0, min(len(rows) - 1, index + offset))
    rows.insert(target, rows.pop(index))
    for position, other in enumerate(rows):
        if other.position != position:
            other.position = position
            db.add(other)
    await db.commit()
    return [_view(other) for other in rows]


async def answer(*, db: AsyncSession, bus: EventBus, session: SessionIds, session_locale: str | None,
                 answer_id: int, client_msg_id: str | None = None) -> Answered:
    """A shopper tapped an instant answer: its question and its answer stored in one transaction and published.

    Only a question offered to this session's language exists for it (else NotFound). The same client_msg_id again
    returns the first pair and stores nothing. A blocked sender is refused (R4) before anything is read."""
    await refuse_if_blocked(db, session.customer_id)
    client_id = (clean_client_msg_id(client_msg_id.replace('\x00', '')) if client_msg_id is not None
                 else 'ia-' + secrets.token_hex(12))  # NUL: PostgreSQL refuses it in text
    repeated = await _stored_pair(db, session.id, client_id)
    if repeated is not None:
        return repeated
    row = await db.get(InstantAnswer, answer_id)
    if row is None or row.language != await offered_language(db, session_locale):
        raise NotFound(_('This instant answer does not exist.'))
    conversation = await db.get(Conversation, session.conversation_id)
    if conversation is None:
        raise NotFound(_('The conversation of this session no longer exists.'))
    now = utcnow()
    question = Message(conversation_id=session.conversation_id, session_id=session.id, author=Author.CUSTOMER,
                       kind=MessageKind.TEXT, body=row.question, client_msg_id=client_id, created_at=now,
                       payload={'instant_answer_id': row.id})
    db.add(question)
    try:
        await db.flush()
    except IntegrityError:  # the same client_msg_id raced in through another request
        await db.rollback()
        repeated = await _stored_pair(db, session.id, client_id)
        if repeated is None:
            raise
        return repeated
    reply = Message(conversation_id=session.conversation_id, session_id=session.id, author=Author.SYSTEM,
                    kind=MessageKind.AUTO, body=row.answer, created_at=now,
                    payload={'instant_answer_id': row.id, 'question_id': question.id})
    db.add(reply)
    await db.flush()
    question.payload = {'instant_answer_id': row.id, 'answer_id': reply.id}
    db.add(question)
    conversation.last_message_at = now
    conversation.last_message_preview = preview_of(row.question)
    conversation.last_message_author = Author.CUSTOMER
    conversation.unread = True
    conversation.status = ConversationStatus.OPEN  # like any shopper message, it reopens a closed conversation
    db.add(conversation)
    await db.commit()
    answered = Answered(question=to_view(question), answer=to_view(reply), created=True)
    bus.publish_message(answered.question)
    bus.publish_message(answered.answer)
    return answered


async def _stored_pair(db: AsyncSession, session_id: int, client_msg_id: str) -> Answered | None:
    question = (await db.exec(select(Message).where(Message.session_id == session_id,
                                                    Message.client_msg_id == client_msg_id))).first()
    if question is None:
        return None
    reply_id = (question.payload or {}).get('answer_id')
    reply = await db.get(Message, reply_id) if isinstance(reply_id, int) else None
    if reply is None or reply.session_id != session_id:
        raise Conflict(_('This client_msg_id was already used for another message.'), code='client_msg_id_used')
    return Answered(question=to_view(question), answer=to_view(reply), created=False)
