"""K2 satisfaction ratings: a close asks once (chat or a signed e-mailed link), one answer per close."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import ChatSession, Conversation, Customer, EmailOutbox, Message, Rating, RatingSurvey
from db.types import utcnow
from services import conversations, ratings, reports
from services.chat_sessions import SessionCreate, create_session
from services.customer_erasure import erase_in_session
from services.customer_export import collect
from services.customer_names import erased_email
from services.errors import Conflict, Invalid, NotFound
from services.events import EventBus
from services.mail.config import MailConfig
from services.mail.outbox import deliver_due
from services.report_csv import satisfaction_csv
from services.satisfaction import satisfaction
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


async def test_satisfaction_figures_by_the_close_that_asked(db: AsyncSession) -> None:
    """Hand-made: five surveys in the period (ratings 5, 4, 4, 1 and one unanswered), a survey of the day before
    (rated 3) and one the day after (rated 2, left out); the answer's own date does not matter."""
    shopper_row = Customer(email='k2@example.com')
    db.add(shopper_row)
    await db.commit()
    talk = Conversation(customer_id=shopper_row.id, status='closed')
    db.add(talk)
    await db.commit()
    assert talk.id is not None

    async def asked(at: datetime, score: int | None) -> None:
        message = Message(conversation_id=talk.id, author='system', kind='survey', created_at=at)
        db.add(message)
        await db.flush()
        assert message.id is not None
        survey = RatingSurvey(conversation_id=talk.id, message_id=message.id, channel='chat', created_at=at,
                              expires_at=at + ratings.SURVEY_LIFETIME)
        db.add(survey)
        await db.flush()
        if score is not None:
            assert survey.id is not None
            db.add(Rating(survey_id=survey.id, conversation_id=talk.id, rating=score, channel='chat',
                          created_at=at + timedelta(days=3)))
        await db.commit()

    day = datetime(2026, 6, 10, 12, tzinfo=UTC)
    for score in (5, 4, 4, 1, None):
        await asked(day, score)
    await asked(day - timedelta(days=1), 3)
    await asked(day + timedelta(days=1), 2)
    period = reports.period_for('custom', zone='UTC', first=date(2026, 6, 10), last=date(2026, 6, 10))
    now = await satisfaction(db, start=period.start, end=period.end)
    assert (now.surveys, now.ratings, now.distribution) == (5, 4, (1, 0, 0, 2, 1))
    assert now.average == pytest.approx(3.5) and now.share_answered == pytest.approx(0.8)
    owner = await add_staff(db, email='k2-owner@example.com', is_owner=True)
    report = await reports.build_report(db=db, staff=owner, period=period)
    assert report.satisfaction == now
    before = report.previous_satisfaction
    assert (before.surveys, before.ratings, before.average, before.share_answered) == (1, 1, 3.0, 1.0)
    empty = await satisfaction(db, start=period.start - timedelta(days=30), end=period.start - timedelta(days=29))
    assert (empty.surveys, empty.average, empty.share_answered) == (0, None, None)

    rows = satisfaction_csv(report).decode('utf-8-sig').splitlines()
    assert rows[0] == 'Figure,This period,Previous period'
    assert 'Share answered (%),80.0,100.0' in rows and 'Average rating,3.5,3.0' in rows and 'Rated 4,2,0' in rows


async def test_export_carries_the_ratings_and_erasure_removes_their_comments(db: AsyncSession) -> None:
    session = await shopper(db, online=True)
    await close(db, session.conversation_id)
    await ratings.rate_in_chat(db=db, bus=EventBus(), chat_session=session, rating=2, comment='Zyxwords were slow')
    document = await collect(db=db, customer_id=session.customer_id)
    assert [(r['rating'], r['comment'], r['channel']) for r in document['ratings']] == [
        (2, 'Zyxwords were slow', 'chat')]
    await erase_in_session(db=db, customer_id=session.customer_id)
    [kept] = (await db.exec(select(Rating).execution_options(populate_existing=True))).all()
    assert (kept.rating, kept.comment) == (2, '')
    texts = [(m.body, str(m.payload)) for m in (await db.exec(
        select(Message).execution_options(populate_existing=True))).all()]
    assert not any('Zyxwords' in body or 'Zyxwords' in payload for body, payload in texts)
