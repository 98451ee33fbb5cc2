"""K2 satisfaction ratings: closing a conversation asks the shopper to rate it, once per close.

- Asking. `ask_for_rating` runs inside the close (services/conversations.py: set_status) and adds, in the same
  transaction, a survey message (kind `survey`, author `system`) and its `rating_survey` row. While the shopper is
  online in the chat the message goes to their chat (delivery `chat`); when they are not and we have their e-mail,
  the message gets an outbox row (delivery `email_pending`), so the e-mail is durable and sent once like any reply
  (services/mail/outbox.py); it carries a signed link to `/rate/<token>` (services/rating_links.py).
- Waiting. A conversation waits for a rating while its newest survey is unanswered, younger than
  `SURVEY_LIFETIME` and the conversation is still closed. Reopening ends the wait; closing again asks again.
- Answering. Each survey is answered at most once (a conditional UPDATE of `answered_at`, and `rating.survey_id`
  is unique). One rating per close: every answered survey counts in Reports (a conversation closed twice may be
  rated twice); the thread shows each rating as a system line.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation, Customer, EmailOutbox, Message, Rating, RatingSurvey, Store
from db.states import Author, Channel, ConversationStatus, Delivery, MessageKind
from db.types import utcnow
from services import rating_links
from services.customer_names import is_erased
from services.errors import Conflict, Invalid, NotFound
from services.events import EventBus
from services.i18n import _, language
from services.mail.compose import mail_language, subject_for
from services.messages import reply_address, reply_session_id, to_view
from services.views import MessageView
from services.webhook_events import record_event

SURVEY_LIFETIME = timedelta(days=14)
MAX_COMMENT = 1000
SCALE = range(1, 6)


@dataclass(frozen=True)
class RatingView:
    id: int
    conversation_id: int
    rating: int
    comment: str
    channel: str
    created_at: datetime


def clean_rating(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
        raise Invalid(_('The rating must be a whole number from 1 to 5.'), code='invalid_rating')
    return value


def clean_comment(raw: str | None) -> str:
    """Trimmed, NUL characters removed (PostgreSQL refuses them), at most MAX_COMMENT characters."""
    comment = (raw or '').replace('\x00', '').strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(_('The comment can be at most {max} characters.', max=MAX_COMMENT), code='comment_too_long')
    return comment


def survey_prompt() -> str:
    return _('How did we do? Please rate this conversation from 1 to 5.')


async def ask_for_rating(db: AsyncSession, conversation: Conversation, *, mail_domain: str = 'localhost',
                         now: datetime | None = None) -> Message | None:
    """Add the survey of a close to `db` (the caller commits, then publishes the returned message); None when the
    shopper can be reached neither in the chat nor by e-mail."""
    assert conversation.id is not None
    moment = now or utcnow()
    session_id = await reply_session_id(db, conversation.id)
    live = conversation.channel == Channel.CHAT and conversation.customer_online
    to_address = '' if live else await reply_address(db, conversation.id, session_id)
    if not live and (not to_address or is_erased(to_address)):
        return None
    customer = await db.get(Customer, conversation.customer_id)
    with language(await mail_language(db, conversation, customer)):
        prompt = survey_prompt()
    channel = Channel.CHAT if live else Channel.EMAIL
    message = Message(conversation_id=conversation.id, session_id=session_id, author=Author.SYSTEM,
                      kind=MessageKind.SURVEY, body=prompt, created_at=moment,
                      delivery=Delivery.CHAT if live else Delivery.EMAIL_PENDING)
    db.add(message)
    await db.flush()
    assert message.id is not None
    survey = RatingSurvey(conversation_id=conversation.id, message_id=message.id, session_id=session_id,
                          channel=channel, created_at=moment, expires_at=moment + SURVEY_LIFETIME)
    db.add(survey)
    await db.flush()
    message.payload = {'survey_id': survey.id, 'channel': str(channel)}
    db.add(message)
    if not live:
        store_name = await _store_name(db)
        db.add(EmailOutbox(message_id=message.id, conversation_id=conversation.id, to_address=to_address,
                           subject=subject_for(store_name), message_id_header=f'<rating-{survey.id}.{message.id}'
                                                                               f'@{mail_domain}>'))
    return message


async def _store_name(db: AsyncSession) -> str:
    store = await db.get(Store, 1)
    return store.name if store else 'Our store'


async def waiting_survey(db: AsyncSession, conversation_id: int, *, now: datetime | None = None) -> RatingSurvey | None:
    """The survey the conversation waits an answer to, if any (see the module's rules)."""
    conversation = await db.get(Conversation, conversation_id)
    if conversation is None or conversation.status != ConversationStatus.CLOSED:
        return None
    survey = (await db.exec(select(RatingSurvey).where(RatingSurvey.conversation_id == conversation_id)
                            .order_by(col(RatingSurvey.id).desc()).limit(1))).first()
    if survey is None or survey.answered_at is not None or survey.expires_at <= (now or utcnow()):
        return None
    return survey


def _not_waiting() -> Conflict:
    return Conflict(_('This conversation is not waiting for a rating.'), code='not_waiting')


async def rate_in_chat(*, db: AsyncSession, bus: EventBus, chat_session: ChatSession, rating: object,
                       comment: str | None = None, now: datetime | None = None) -> RatingView:
    """POST /chat/rating: the session's conversation must wait for a rating; an unverified session answers only
    the survey sent to itself."""
    value, text = clean_rating(rating), clean_comment(comment)
    survey = await waiting_survey(db, chat_session.conversation_id, now=now)
    if survey is None or (not chat_session.identity_verified and survey.session_id not in (None, chat_session.id)):
        raise _not_waiting()
    return await _answer(db=db, bus=bus, survey=survey, rating=value, comment=text, channel=Channel.CHAT, now=now)


async def survey_for_link(*, db: AsyncSession, secret: str, token: str, now: datetime | None = None) -> RatingSurvey:
    """The survey an e-mailed link may still answer. NotFound (`link_invalid`) for a changed or expired link,
    Conflict (`not_waiting`) once it was used or the conversation was reopened or asked again."""
    moment = now or utcnow()
    claim = rating_links.verify(secret, token, now=moment)
    if claim is None:
        raise NotFound(_('This rating link is not valid any more.'), code='link_invalid')
    survey = await db.get(RatingSurvey, claim.survey_id)
    if survey is None:
        raise NotFound(_('This rating link is not valid any more.'), code='link_invalid')
    waiting = await waiting_survey(db, survey.conversation_id, now=moment)
    if waiting is None or waiting.id != survey.id:
        raise _not_waiting()
    return survey


async def rate_by_link(*, db: AsyncSession, bus: EventBus, secret: str, token: str, rating: object,
                       comment: str | None = None, now: datetime | None = None) -> RatingView:
    value, text = clean_rating(rating), clean_comment(comment)
    survey = await survey_for_link(db=db, secret=secret, token=token, now=now)
    return await _answer(db=db, bus=bus, survey=survey, rating=value, comment=text, channel=Channel.EMAIL, now=now)


def link_for(survey: RatingSurvey, *, secret: str, public_url: str) -> str:
    assert survey.id is not None
    return rating_links.link(public_url, rating_links.sign(secret, survey_id=survey.id, expires_at=survey.expires_at))


async def _answer(*, db: AsyncSession, bus: EventBus, survey: RatingSurvey, rating: int, comment: str,
                  channel: str, now: datetime | None) -> RatingView:
    moment = now or utcnow()
    claimed = await db.exec(update(RatingSurvey).where(col(RatingSurvey.id) == survey.id,
                                                       col(RatingSurvey.answered_at).is_(None))
                            .values(answered_at=moment))
    if claimed.rowcount != 1:  # answered meanwhile (another tab, the link and the chat at once)
        await db.rollback()
        raise _not_waiting()
    assert survey.id is not None
    row = Rating(survey_id=survey.id, conversation_id=survey.conversation_id, rating=rating, comment=comment,
                 channel=channel, created_at=moment)
    db.add(row)
    line = Message(conversation_id=survey.conversation_id, author=Author.SYSTEM, kind=MessageKind.RATING,
                   body=comment, created_at=moment,
                   payload={'rating': rating, 'comment': comment, 'channel': channel, 'survey_id': survey.id})
    db.add(line)
    asked = await db.get(Message, survey.message_id)
    if asked is not None:
        asked.payload = {**dict(asked.payload or {}), 'answered': True}
        db.add(asked)
    await record_event(db, 'rating.created', {'conversation_id': survey.conversation_id, 'rating': {  # W1
        'rating': rating, 'comment': comment, 'channel': channel, 'created_at': moment.isoformat()}}, now=moment)
    await db.commit()
    assert row.id is not None
    bus.publish_message(to_view(line))
    return RatingView(id=row.id, conversation_id=row.conversation_id, rating=rating, comment=comment,
                      channel=channel, created_at=moment)


def rating_line(view: MessageView) -> str:
    """The staff thread's line for a rating, in the viewer's language."""
    rating = view.payload.get('rating', '?')
    comment = str(view.payload.get('comment', '') or '')
    if comment:
        return _('Rated {rating}/5: {comment}', rating=rating, comment=comment)
    return _('Rated {rating}/5', rating=rating)


def survey_line(view: MessageView) -> str:
    """The staff thread's line for an asked survey."""
    if view.payload.get('channel') == Channel.EMAIL:
        return _('Asked for a rating by e-mail')
    return _('Asked for a rating in the chat')
