"""K2 satisfaction ratings: a close asks once (chat or a signed e-mailed link), one answer per close."""
from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import ChatSession, Conversation, EmailOutbox, Message, Rating, RatingSurvey
from db.types import utcnow
from services import conversations, ratings
from services.chat_sessions import SessionCreate, create_session
from services.customer_names import erased_email
from services.errors import Conflict, Invalid, NotFound
from services.events import EventBus
from services.mail.config import MailConfig
from services.mail.outbox import deliver_due
from services.views import MessageView
from tests.conftest import add_staff
from tests.shoppers import shopper_writes

SECRET = 'link-secret-' + 's' * 30


class Recorder:
    """A mail transport that keeps what it is given."""
    sends_mail = True

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def describe(self) -> str:
        return 'recorder'

    async def send(self, message: EmailMessage) -> str:
        self.sent.append(message)
        return '250 ok'


async def shopper(db: AsyncSession, *, online: bool, email: str = 'mia@example.com') -> ChatSession:
    session = (await create_session(db=db, session_in=SessionCreate(email=email, name='Mia'))).session
    await shopper_writes(db, session, 'Where is my parcel?')
    conversation = await db.get(Conversation, session.conversation_id)
    assert conversation is not None
    await db.refresh(conversation)
    conversation.customer_online = online
    db.add(conversation)
    await db.commit()
    return session


async def close(db: AsyncSession, conversation_id: int, bus: EventBus | None = None) -> None:
    staff = (await add_staff(db, email=f'staff{conversation_id}-{utcnow().timestamp()}@example.com'))
    await conversations.set_status(db=db, bus=bus or EventBus(), staff=staff, conversation_id=conversation_id,
                                   status='closed')


async def surveys(db: AsyncSession, conversation_id: int) -> list[RatingSurvey]:
    return list((await db.exec(select(RatingSurvey).where(RatingSurvey.conversation_id == conversation_id)
                               .order_by(col(RatingSurvey.id)).execution_options(populate_existing=True))).all())


async def test_closing_while_online_asks_in_the_chat_and_the_rating_is_stored_once(db: AsyncSession) -> None:
    session = await shopper(db, online=True)
    bus = EventBus()
    published: list[MessageView] = []
    bus.message_created.subscribe(published.append)
    await close(db, session.conversation_id, bus)
    [survey] = await surveys(db, session.conversation_id)
    assert survey.channel == 'chat' and survey.answered_at is None
    [asked] = published
    assert (asked.kind, asked.author, asked.delivery, asked.visible_to_customer) == ('survey', 'system', 'chat', True)
    assert asked.to_api()['answered'] is False and asked.session_id == session.id
    assert not (await db.exec(select(EmailOutbox))).all()

    rated = await ratings.rate_in_chat(db=db, bus=bus, chat_session=session, rating=4,
                                       comment='  Quick\x00 and kind  ')
    assert (rated.rating, rated.comment, rated.channel) == (4, 'Quick and kind', 'chat')
    with pytest.raises(Conflict) as again:
        await ratings.rate_in_chat(db=db, bus=bus, chat_session=session, rating=5)
    assert again.value.code == 'not_waiting'
    stored = (await db.exec(select(Rating))).all()
    assert [(r.rating, r.comment) for r in stored] == [(4, 'Quick and kind')]
    line = published[-1]
    assert (line.kind, line.author, line.visible_to_customer) == ('rating', 'system', False)
    assert ratings.rating_line(line) == 'Rated 4/5: Quick and kind'
    asked_row = await db.get(Message, survey.message_id, populate_existing=True)
    assert asked_row is not None and asked_row.payload['answered'] is True


async def test_409_when_not_waiting_and_422_for_bad_values(db: AsyncSession) -> None:
    session = await shopper(db, online=True)
    with pytest.raises(Conflict):  # still open: never asked
        await ratings.rate_in_chat(db=db, bus=EventBus(), chat_session=session, rating=3)
    await close(db, session.conversation_id)
    for bad in (0, 6, 2.5, True, '4', None):
        with pytest.raises(Invalid):
            await ratings.rate_in_chat(db=db, bus=EventBus(), chat_session=session, rating=bad)
    with pytest.raises(Invalid):
        await ratings.rate_in_chat(db=db, bus=EventBus(), chat_session=session, rating=3, comment='x' * 1001)
    staff = await add_staff(db, email='reopen@example.com')
    await conversations.set_status(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id,
                                   status='open')
    with pytest.raises(Conflict):  # reopened: no longer waiting
        await ratings.rate_in_chat(db=db, bus=EventBus(), chat_session=session, rating=3)
    # closed again: asked again, and this close takes its own answer
    await conversations.set_status(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id,
                                   status='closed')
    assert len(await surveys(db, session.conversation_id)) == 2
    assert (await ratings.rate_in_chat(db=db, bus=EventBus(), chat_session=session, rating=2)).rating == 2


async def test_an_expired_chat_survey_is_not_waiting(db: AsyncSession) -> None:
    session = await shopper(db, online=True)
    await close(db, session.conversation_id)
    later = utcnow() + ratings.SURVEY_LIFETIME + timedelta(minutes=1)
    with pytest.raises(Conflict):
        await ratings.rate_in_chat(db=db, bus=EventBus(), chat_session=session, rating=5, now=later)


async def test_offline_close_mails_a_signed_link_once_which_works_once(db: AsyncSession, database: Database) -> None:
    session = await shopper(db, online=False)
    await close(db, session.conversation_id)
    [survey] = await surveys(db, session.conversation_id)
    assert survey.channel == 'email'
    [row] = (await db.exec(select(EmailOutbox))).all()
    assert row.to_address == 'mia@example.com'
    mail = MailConfig(public_url='https://shop.test', link_secret=SECRET, reply_domain='shop.test')
    transport = Recorder()
    assert await deliver_due(sessions=database.sessions, transport=transport, bus=EventBus(), mail=mail) == 1
    assert await deliver_due(sessions=database.sessions, transport=transport, bus=EventBus(), mail=mail) == 0
    [email] = transport.sent
    text = email.get_body(preferencelist=('plain',)).get_content()
    found = re.search(r'https://shop\.test/rate/(\S+)', text)
    assert found and 'How did we do?' in text
    token = found.group(1)
    markup = email.get_body(preferencelist=('html',)).get_content()
    assert f'href="https://shop.test/rate/{token}"' in markup

    survey_id, expires, signature = token.split('.')
    tampered = [f'{int(survey_id) + 1}.{expires}.{signature}', f'{survey_id}.{int(expires) + 86400}.{signature}',
                f'{survey_id}.{expires}.{signature[:-1]}{"0" if signature[-1] != "0" else "1"}', '', 'x' * 300]
    for bad in tampered:
        with pytest.raises(NotFound) as refused:
            await ratings.rate_by_link(db=db, bus=EventBus(), secret=SECRET, token=bad, rating=5)
        assert refused.value.code == 'link_invalid'
    with pytest.raises(NotFound):  # signed with another secret
        await ratings.rate_by_link(db=db, bus=EventBus(), secret='other-' + SECRET, token=token, rating=5)
    with pytest.raises(NotFound):  # expired
        await ratings.rate_by_link(db=db, bus=EventBus(), secret=SECRET, token=token, rating=5,
                                   now=utcnow() + ratings.SURVEY_LIFETIME + timedelta(seconds=1))

    rated = await ratings.rate_by_link(db=db, bus=EventBus(), secret=SECRET, token=token, rating=5, comment='Great')
    assert (rated.rating, rated.channel) == (5, 'email')
    with pytest.raises(Conflict):  # reused
        await ratings.rate_by_link(db=db, bus=EventBus(), secret=SECRET, token=token, rating=1)
    assert [(r.rating, r.comment) for r in (await db.exec(select(Rating))).all()] == [(5, 'Great')]


async def test_no_survey_for_an_erased_or_unreachable_shopper(db: AsyncSession) -> None:
    session = await shopper(db, online=False)
    session.email = erased_email(session.customer_id)  # as G1 leaves it
    db.add(session)
    await db.commit()
    await close(db, session.conversation_id)
    assert await surveys(db, session.conversation_id) == []
