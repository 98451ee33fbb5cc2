"""The demo store's past: eight weeks of closed conversations, so that Reports (K1, K2) have something to say on a
freshly loaded demo (issue: "demo data should hold enough history to make the charts say something").

Planned first, written after the orders (app/demo.py): a plan decides who wrote when, in which language and channel,
about which topic, how fast which staff member answered, when it was closed, whether the shopper was asked for a
rating and what they gave, and whether an order followed. The orders that follow are handed to the demo's order
list, so order numbers stay in time order. All of it comes from its own `random.Random`, so the rest of the demo
is the same with or without it; the K1 columns are filled from the messages afterwards, as for the hand-written
conversations (db/report_backfill.py).

What it shows: a busier last few weeks, evening and midday peaks in the heat map, the owner slower than Ana, a
slowly improving first response, most conversations tagged with the topic their question is about, some never
answered, about a third followed by an order within the week (a few on day 8, which does not count), and ratings
mostly 4 and 5 with some comments.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from app.demo_history_lines import COMMENTS, QUESTIONS, THANKS
from db.models import ChatSession, Conversation, Customer, Message, Rating, RatingSurvey, Staff
from db.states import Author, Channel, ConversationStatus, Delivery, MessageKind
from services import chat_sessions, messages
from services.i18n import language
from services.ratings import SURVEY_LIFETIME, survey_prompt

Key = TypeVar('Key', str, int)
HISTORY_DAYS = 56
NEWEST_HOURS_AGO = 80.0
"""The newest history conversation ends this long ago: below the hand-written ones in the lists."""
CUSTOMER_COUNT = 120

# language: first names, last names, (city, country, zone, phone prefix, locale) places, e-mail domain
PEOPLE: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str, str, str, str], ...], str]] = {
    'en': (('Amelia', 'Oliver', 'Grace', 'Harry', 'Chloe', 'Jack', 'Ella', 'Leo', 'Ruby', 'Ethan', 'Mia', 'Owen'),
           ('Smith', 'Brown', 'Taylor', 'Wilson', 'Evans', 'Walker', 'Hughes', 'Clarke', 'Baker', 'Reid'),
           (('London', 'United Kingdom', 'Europe/London', '+44 7700 9', 'en-GB'),
            ('Manchester', 'United Kingdom', 'Europe/London', '+44 7700 9', 'en-GB'),
            ('Seattle', 'United States', 'America/Los_Angeles', '+1 206 555 0', 'en-US'),
            ('Denver', 'United States', 'America/Denver', '+1 303 555 0', 'en-US'),
            ('Toronto', 'Canada', 'America/Toronto', '+1 416 555 0', 'en-CA')), 'example.com'),
    'da': (('Sofie', 'Anders', 'Ida', 'Rasmus', 'Mette', 'Jonas', 'Louise', 'Kasper', 'Nanna', 'Frederik'),
           ('Nielsen', 'Jensen', 'Hansen', 'Pedersen', 'Andersen', 'Larsen', 'Sørensen', 'Rasmussen'),
           (('Copenhagen', 'Denmark', 'Europe/Copenhagen', '+45 2', 'da'),
            ('Aalborg', 'Denmark', 'Europe/Copenhagen', '+45 4', 'da'),
            ('Esbjerg', 'Denmark', 'Europe/Copenhagen', '+45 6', 'da')), 'example.dk'),
    'de': (('Anna', 'Felix', 'Lena', 'Jonas', 'Marie', 'Paul', 'Clara', 'Max', 'Sophie', 'Tim'),
           ('Müller', 'Schmidt', 'Fischer', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter'),
           (('Hamburg', 'Germany', 'Europe/Berlin', '+49 151 ', 'de'),
            ('Cologne', 'Germany', 'Europe/Berlin', '+49 160 ', 'de'),
            ('Vienna', 'Austria', 'Europe/Vienna', '+43 664 ', 'de-AT')), 'example.de'),
    'fi': (('Emilia', 'Eero', 'Venla', 'Onni', 'Helmi', 'Leevi', 'Aada', 'Väinö', 'Sara', 'Niilo'),
           ('Mäkinen', 'Nieminen', 'Hämäläinen', 'Heikkinen', 'Koskinen', 'Järvinen', 'Lehtonen'),
           (('Espoo', 'Finland', 'Europe/Helsinki', '+358 40 ', 'fi'),
            ('Turku', 'Finland', 'Europe/Helsinki', '+358 50 ', 'fi')), 'example.fi'),
    'nl': (('Emma', 'Daan', 'Julia', 'Sem', 'Tess', 'Lucas', 'Fleur', 'Bram', 'Noor', 'Thijs'),
           ('de Jong', 'Visser', 'Smit', 'Meijer', 'Mulder', 'de Boer', 'Bos', 'Vos'),
           (('Haarlem', 'Netherlands', 'Europe/Amsterdam', '+31 6 2', 'nl'),
            ('Eindhoven', 'Netherlands', 'Europe/Amsterdam', '+31 6 3', 'nl'),
            ('Ghent', 'Belgium', 'Europe/Brussels', '+32 470 ', 'nl-BE')), 'example.nl'),
    'it': (('Giulia', 'Marco', 'Chiara', 'Matteo', 'Sara', 'Andrea', 'Elena', 'Davide', 'Alice', 'Paolo'),
           ('Rossi', 'Russo', 'Ferrari', 'Esposito', 'Romano', 'Colombo', 'Ricci', 'Marino'),
           (('Turin', 'Italy', 'Europe/Rome', '+39 333 ', 'it'),
            ('Bologna', 'Italy', 'Europe/Rome', '+39 347 ', 'it'),
            ('Naples', 'Italy', 'Europe/Rome', '+39 320 ', 'it')), 'example.it'),
}
LANGUAGE_WEIGHTS = {'en': 30, 'da': 20, 'de': 16, 'nl': 12, 'it': 12, 'fi': 10}
TOPIC_WEIGHTS = {'order_status': 20, 'shipping': 15, 'returns': 12, 'product_details': 13, 'product_interest': 10,
                 'pricing_discounts': 9, 'checkout': 7, 'edit_order': 6, 'store_info': 5, 'wholesale': 3}
BUYING_TOPICS = frozenset({'product_details', 'product_interest', 'pricing_discounts', 'checkout', 'shipping'})
# the store's local hour a conversation starts in: midday and evening peaks
HOUR_WEIGHTS = (1, 1, 0, 0, 0, 1, 2, 4, 6, 8, 10, 11, 12, 10, 8, 7, 7, 8, 10, 12, 13, 11, 7, 3)
RATING_WEIGHTS = {5: 55, 4: 25, 3: 9, 2: 6, 1: 5}


@dataclass
class PlannedChat:
    customer: Customer
    lang: str
    topic: str
    channel: str
    started: datetime
    lines: list[tuple[str, str, datetime]]
    """(who, text, when) with who = customer or a staff key."""
    closed: datetime
    assignee: str
    survey: tuple[str, datetime, datetime | None, int, str] | None = None
    """(channel, asked at, answered at or None, rating, comment)."""


@dataclass
class History:
    customers: list[Customer]
    chats: list[PlannedChat]
    orders: list[tuple[datetime, Customer]]
    """Orders to place (when, who): handed to the demo's order list before the numbers are given."""


def _ascii(text: str) -> str:
    flat = unicodedata.normalize('NFKD', text.replace('ø', 'o').replace('æ', 'ae'))
    return ''.join(c for c in flat if c.isascii()).lower().replace(' ', '')


def _weighted(rng: random.Random, weights: dict[Key, int]) -> Key:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def _customers(rng: random.Random, now: datetime) -> list[tuple[str, Customer]]:
    made: list[tuple[str, Customer]] = []
    taken: set[str] = set()
    while len(made) < CUSTOMER_COUNT:
        lang = _weighted(rng, LANGUAGE_WEIGHTS)
        firsts, lasts, places, domain = PEOPLE[lang]
        first, last = rng.choice(firsts), rng.choice(lasts)
        if f'{first} {last}' in taken:
            continue
        taken.add(f'{first} {last}')
        city, country, zone, prefix, locale = rng.choice(places)
        digits = ''.join(str(rng.randint(0, 9)) for _ in range(11 - sum(c.isdigit() for c in prefix)))
        customer = Customer(
            email=chat_sessions.normalize_email(f'{_ascii(first)}.{_ascii(last)}@{domain}'), name=f'{first} {last}',
            phone=prefix + digits, city=city, country=country, timezone=chat_sessions.check_timezone(zone),
            locale=locale, accepts_email_marketing=rng.random() < 0.4, accepts_sms_marketing=rng.random() < 0.1,
            created_at=now - timedelta(days=rng.randint(HISTORY_DAYS + 5, 700), minutes=rng.randint(0, 1439)))
        made.append((lang, customer))
    return made


def _open_at(local: datetime) -> bool:
    """The demo's opening hours (app/demo.py: demo_hours): weekdays 8-20, weekends 10-16."""
    start, end = (8, 20) if local.weekday() < 5 else (10, 16)
    return start <= local.hour < end


def _next_opening(local: datetime) -> datetime:
    moment = local
    while not _open_at(moment):
        moment = (moment + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return moment


def _first_response(rng: random.Random, started_local: datetime, channel: str, responder: str,
                    weeks_ago: float) -> timedelta:
    """Ana answers faster than the owner; both got faster over the weeks; outside hours it waits for the opening."""
    base = rng.lognormvariate(1.6, 0.7) * (1.8 if responder == 'olivia' else 1.0) * (1 + weeks_ago / 10)
    minutes = base if channel == Channel.CHAT else base * 12
    opening = _next_opening(started_local)
    return (opening - started_local) + timedelta(minutes=min(minutes, 600), seconds=rng.randint(0, 59))


def plan_history(*, seed: int, now: datetime, zone: str) -> History:
    rng = random.Random(seed * 7919 + 1)
    tz = ZoneInfo(zone)
    people = _customers(rng, now)
    chats: list[PlannedChat] = []
    orders: list[tuple[datetime, Customer]] = []
    newest = now - timedelta(hours=NEWEST_HOURS_AGO)
    for days_ago in range(HISTORY_DAYS, 2, -1):
        day = (now - timedelta(days=days_ago)).astimezone(tz).date()
        weekend = day.weekday() >= 5
        busy = 1.0 + (HISTORY_DAYS - days_ago) / HISTORY_DAYS  # the last weeks are about twice as busy
        for _ in range(round(rng.uniform(3, 6) * busy * (0.7 if weekend else 1.0))):
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            started_local = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59),
                                     tzinfo=tz)
            started = started_local.astimezone(now.tzinfo)
            if started > newest - timedelta(hours=24):
                continue
            lang, customer = rng.choice(people)
            chats.append(_plan_one(rng, customer=customer, lang=lang, started=started, tz=tz, orders=orders,
                                   weeks_ago=days_ago / 7))
    return History(customers=[customer for _lang, customer in people], chats=chats, orders=orders)


def _plan_one(rng: random.Random, *, customer: Customer, lang: str, started: datetime, tz: ZoneInfo,
              orders: list[tuple[datetime, Customer]], weeks_ago: float) -> PlannedChat:
    topic = _weighted(rng, TOPIC_WEIGHTS)
    channel = Channel.EMAIL if rng.random() < 0.2 else Channel.CHAT
    questions, answer = QUESTIONS[lang][topic]
    lines: list[tuple[str, str, datetime]] = [('customer', rng.choice(questions), started)]
    responder = 'ana' if rng.random() < 0.6 else 'olivia'
    replied = rng.random() < 0.93
    if replied:
        answered = started + _first_response(rng, started.astimezone(tz), channel, responder, weeks_ago)
        lines.append((responder, answer, answered))
        if rng.random() < 0.5:
            chat_gap, mail_gap = timedelta(minutes=rng.randint(1, 6)), timedelta(hours=rng.randint(1, 9))
            gap = chat_gap if channel == Channel.CHAT else mail_gap
            lines.append(('customer', rng.choice(THANKS[lang]), answered + gap))
    last = lines[-1][2]
    closed = last + timedelta(minutes=rng.randint(2, 30)) if rng.random() < 0.7 else last + timedelta(
        hours=rng.uniform(2, 30))
    chat = PlannedChat(customer=customer, lang=lang, topic=topic, channel=channel, started=started, lines=lines,
                       closed=closed, assignee=responder if replied and rng.random() < 0.7 else '')
    if replied and rng.random() < 0.75:
        asked_in_chat = channel == Channel.CHAT and closed - last < timedelta(minutes=30) and rng.random() < 0.7
        survey_channel = Channel.CHAT if asked_in_chat else Channel.EMAIL
        answered_at = None
        if rng.random() < (0.65 if asked_in_chat else 0.35):
            answered_at = closed + (timedelta(seconds=rng.randint(20, 240)) if asked_in_chat
                                    else timedelta(hours=rng.uniform(1, 30)))
        rating = _weighted(rng, RATING_WEIGHTS)
        good, bad = COMMENTS[lang]
        comment = rng.choice(good if rating >= 4 else bad) if rng.random() < 0.35 else ''
        chat.survey = (survey_channel, closed, answered_at, rating, comment)
    if topic in BUYING_TOPICS and rng.random() < 0.45:
        orders.append((started + timedelta(hours=rng.uniform(1, 6.5 * 24)), customer))
    elif rng.random() < 0.04:
        orders.append((started + timedelta(days=8, hours=rng.uniform(0, 12)), customer))  # too late to count
    return chat


def orders_before(history: History, now: datetime) -> list[tuple[datetime, Customer]]:
    """The planned orders that fall before `now` (an order after the newest conversations may not have happened)."""
    return [(when, customer) for when, customer in history.orders if when < now - timedelta(hours=1)]


async def write_history(db: AsyncSession, history: History, staff: dict[str, Staff], *,
                        now: datetime) -> dict[int, str]:
    """Write the planned conversations (the customers were added and flushed before the orders); returns the chat
    sessions' tokens by session id, as the hand-written conversations do."""
    tokens: dict[int, str] = {}
    for number, chat in enumerate(sorted(history.chats, key=lambda planned: planned.started)):
        customer = chat.customer
        assert customer.id is not None
        texts = chat.lines
        conversation = Conversation(
            customer_id=customer.id, channel=chat.channel, status=ConversationStatus.CLOSED, unread=False,
            customer_online=False, assignee_id=staff[chat.assignee].id if chat.assignee else None,
            started_at=chat.started, last_message_at=texts[-1][2], closed_at=chat.closed,
            last_message_preview=messages.preview_of(texts[-1][1]),
            last_message_author='customer' if texts[-1][0] == 'customer' else 'staff', topics=[chat.topic])
        db.add(conversation)
        await db.flush()
        assert conversation.id is not None
        session: ChatSession | None = None
        if chat.channel == Channel.CHAT:
            created = chat_sessions.new_chat_session(customer_id=customer.id, conversation_id=conversation.id,
                                                     email=customer.email, name=customer.name,
                                                     locale=customer.locale, timezone=customer.timezone)
            session = created.session
            session.online, session.created_at = False, chat.started
            session.last_seen_at = session.token_used_at = min(texts[-1][2] + timedelta(minutes=2), now)
            db.add(session)
            await db.flush()
            assert session.id is not None
            tokens[session.id] = created.token
        session_id = session.id if session else None
        for index, (who, body, when) in enumerate(texts):
            if who == 'customer':
                clean = messages.clean_message(body=body, client_msg_id=f'history-{number}-{index}')
                db.add(Message(conversation_id=conversation.id, session_id=session_id, author=Author.CUSTOMER,
                               kind=MessageKind.TEXT, body=clean.body,
                               client_msg_id=clean.client_msg_id if session_id else None, created_at=when,
                               topic=chat.topic if index == 0 else None, topic_confidence=0.97 if index == 0 else None,
                               payload={} if session_id else {'via': 'email'}))
            else:
                db.add(Message(conversation_id=conversation.id, session_id=session_id, author=Author.STAFF,
                               staff_id=staff[who].id, kind=MessageKind.TEXT, body=messages.clean_body(body),
                               delivery=Delivery.CHAT if session_id else Delivery.EMAILED, created_at=when))
        if chat.survey is not None:
            await _survey(db, chat, conversation.id, session_id)
    await db.flush()
    return tokens


async def _survey(db: AsyncSession, chat: PlannedChat, conversation_id: int, session_id: int | None) -> None:
    """K2 as services/ratings.py leaves it: the survey message and row, and when answered the rating and its line."""
    assert chat.survey is not None
    channel, asked, answered, rating, comment = chat.survey
    with language(chat.lang):
        prompt = survey_prompt()
    message = Message(conversation_id=conversation_id, session_id=session_id, author=Author.SYSTEM,
                      kind=MessageKind.SURVEY, body=prompt, created_at=asked,
                      delivery=Delivery.CHAT if channel == Channel.CHAT else Delivery.EMAILED)
    db.add(message)
    await db.flush()
    assert message.id is not None
    survey = RatingSurvey(conversation_id=conversation_id, message_id=message.id, session_id=session_id,
                          channel=channel, created_at=asked, expires_at=asked + SURVEY_LIFETIME, answered_at=answered)
    db.add(survey)
    await db.flush()
    assert survey.id is not None
    message.payload = {'survey_id': survey.id, 'channel': str(channel), **({'answered': True} if answered else {})}
    db.add(message)
    if answered is not None:
        db.add(Rating(survey_id=survey.id, conversation_id=conversation_id, rating=rating, comment=comment,
                      channel=channel, created_at=answered))
        db.add(Message(conversation_id=conversation_id, author=Author.SYSTEM, kind=MessageKind.RATING, body=comment,
                       created_at=answered, payload={'rating': rating, 'comment': comment, 'channel': str(channel),
                                                     'survey_id': survey.id}))

