"""A1 through the public API: GET /chat/config, and the away message posted once per conversation and away period."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
import websockets
from sqlmodel import func, select

from db.models import AwayNotice, ChatSession
from services import availability, away_notices, instant_answers
from services.availability import AvailabilitySettings, Texts
from services.instant_answers import InstantAnswerIn
from services.opening_hours import Range
from services.views import SessionIds
from tests.conftest import App, add_staff


def bearer(token: str) -> dict[str, str]:
    return {'Authorization': f'Bearer {token}'}


async def close_the_store_today(app: App, **texts: Texts) -> None:
    """Hours only on tomorrow's weekday (UTC): closed for the whole of today."""
    tomorrow = (datetime.now(UTC).weekday() + 1) % 7
    async with app.runtime.db.sessions() as db:
        owner = await add_staff(db, email='owner@example.com', is_owner=True)
        await availability.save_settings(db=db, staff=owner, settings=AvailabilitySettings(
            ranges=(Range(tomorrow, 9 * 60, 17 * 60),), texts=dict(texts), reply_time='day'))
    app.runtime.away_notices.forget()


async def test_config_without_hours_is_available_in_the_asked_or_browser_language(app: App) -> None:
    response = await app.http.get('/api/v1/chat/config')
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {'store', 'greeting', 'available', 'back_at', 'reply_time', 'away_message',
                         'instant_answers', 'colour'}
    assert body['available'] is True and body['back_at'] is None and body['away_message'] is None
    assert body['greeting'] == availability.DEFAULT_GREETING and body['instant_answers'] == []
    assert body['store']['name'] and body['colour'].startswith('#')
    assert 'max-age=' in response.headers['cache-control']
    german = (await app.http.get('/api/v1/chat/config?lang=de')).json()
    finnish = (await app.http.get('/api/v1/chat/config', headers={'Accept-Language': 'fi-FI,fi;q=0.9'})).json()
    assert german['language'] == 'de' and finnish['language'] == 'fi'
    assert german['greeting'] != body['greeting'] and finnish['reply_time'] != body['reply_time']
    unknown = await app.http.get('/api/v1/chat/config?lang=xx', headers={'Accept-Language': 'nl'})
    assert unknown.json()['language'] == 'nl'
    assert (await app.http.get('/api/v1/chat/config?lang=' + 'x' * 30)).status_code == 422


async def test_config_while_closed_says_when_the_team_is_back(app: App) -> None:
    await close_the_store_today(app, en=Texts('Welcome!', 'Closed today, back tomorrow.'))
    body = (await app.http.get('/api/v1/chat/config?lang=en')).json()
    assert body['available'] is False and body['greeting'] == 'Welcome!'
    assert body['away_message'] == 'Closed today, back tomorrow.'
    back_at = datetime.fromisoformat(body['back_at'])
    assert back_at > datetime.now(UTC) and (back_at.hour, back_at.minute) == (9, 0)
    assert body['reply_time'] == 'We usually reply within a day'


async def test_away_message_is_posted_once_per_conversation_while_away(app: App) -> None:
    await close_the_store_today(app, en=Texts('', 'We are closed.'), de=Texts('', 'Wir haben geschlossen.'))
    session = (await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com', 'locale': 'de-DE'})
               ).json()
    token = session['session_token']
    for number in (1, 2, 2):  # the third repeats the second's client_msg_id
        response = await app.http.post('/api/v1/chat/messages', json={'body': f'Hallo {number}',
                                                                      'client_msg_id': f'm{number}'},
                                       headers=bearer(token))
        assert response.status_code in (200, 201)
    messages = (await app.http.get('/api/v1/chat/messages', headers=bearer(token))).json()['messages']
    assert [(m['author'], m['kind']) for m in messages] == [('customer', 'text'), ('system', 'auto'),
                                                            ('customer', 'text')]
    assert messages[1]['body'] == 'Wir haben geschlossen.'  # the session's language
    other = (await app.http.post('/api/v1/chat/sessions', json={'email': 'ole@example.com'})).json()
    await app.http.post('/api/v1/chat/messages', json={'body': 'Hi', 'client_msg_id': 'x'},
                        headers=bearer(other['session_token']))
    theirs = (await app.http.get('/api/v1/chat/messages', headers=bearer(other['session_token']))).json()['messages']
    assert [m['body'] for m in theirs] == ['Hi', 'We are closed.']  # every conversation gets its own, once
    async with app.runtime.db.sessions() as db:
        assert (await db.exec(select(func.count()).select_from(AwayNotice))).one() == 2


async def test_no_away_message_while_available(app: App) -> None:
    session = (await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com'})).json()
    await app.http.post('/api/v1/chat/messages', json={'body': 'Hello', 'client_msg_id': 'm1'},
                        headers=bearer(session['session_token']))
    messages = (await app.http.get('/api/v1/chat/messages', headers=bearer(session['session_token']))).json()
    assert [m['kind'] for m in messages['messages']] == ['text']


async def test_openapi_describes_the_config_route_with_an_example(app: App) -> None:
    document = (await app.http.get('/api/v1/openapi.json')).json()
    route = document['paths']['/api/v1/chat/config']['get']
    assert route['description'] and route['responses']['200']['content']['application/json']['example']


async def test_the_away_message_is_pushed_on_the_shoppers_socket(app: App, live_server: str) -> None:
    await close_the_store_today(app, en=Texts('', 'Away until tomorrow.'))
    session = (await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com'})).json()
    async with websockets.connect(f'ws://{live_server}/api/v1/chat/ws?token={session["session_token"]}') as socket:
        await socket.send(json.dumps({'type': 'ping'}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {'type': 'pong'}
        await app.http.post('/api/v1/chat/messages', json={'body': 'Hello?', 'client_msg_id': 'm1'},
                            headers=bearer(session['session_token']))
        pushed = [json.loads(await asyncio.wait_for(socket.recv(), 5))['message'] for _ in range(2)]
    assert [(m['author'], m['kind'], m['body']) for m in pushed] == [('customer', 'text', 'Hello?'),
                                                                      ('system', 'auto', 'Away until tomorrow.')]


async def test_a_later_away_period_posts_the_away_message_again(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    async with app.runtime.db.sessions() as db:
        owner = await add_staff(db, email='owner@example.com', is_owner=True)
        await availability.save_settings(db=db, staff=owner, settings=AvailabilitySettings(
            ranges=(Range(0, 9 * 60, 17 * 60),), texts={'en': Texts('', 'Closed.')}))  # Mondays 09-17 UTC
    chat = (await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com'})).json()
    async with app.runtime.db.sessions() as db:
        session_id = (await db.exec(select(ChatSession.id).where(
            ChatSession.conversation_id == chat['conversation_id']))).one()
    session = SessionIds(id=session_id, conversation_id=chat['conversation_id'], customer_id=chat['customer_id'])
    door = app.runtime.away_notices
    posted = []
    for moment in ('2026-12-05T10:00Z', '2026-12-06T22:00Z', '2026-12-07T10:00Z', '2026-12-07T18:00Z'):
        monkeypatch.setattr(away_notices, 'utcnow', lambda moment=moment: datetime.fromisoformat(moment))
        door.forget()
        posted.append(await door.after_shopper_message(session, None) is not None)  # type: ignore[arg-type]
    # Saturday: posted; Sunday night: same closed stretch; Monday 10:00: open; Monday 18:00: the next stretch
    assert posted == [True, False, False, True]


async def test_config_offers_the_instant_answers_of_the_shoppers_language(app: App) -> None:
    """A2's buttons come from A1's config: the questions (never the answers) in the asked language, else English."""
    async with app.runtime.db.sessions() as db:
        owner = await add_staff(db, email='owner@example.com', name='Olga Owner', is_owner=True)
        for language, question in (('en', 'Do you ship abroad?'), ('de', 'Liefert ihr ins Ausland?')):
            await instant_answers.save_answer(db=db, staff=owner, answer_in=InstantAnswerIn(
                language=language, question=question, answer='Yes, to all of the EU.'))
    german = (await app.http.get('/api/v1/chat/config?lang=de')).json()['instant_answers']
    finnish = (await app.http.get('/api/v1/chat/config?lang=fi')).json()['instant_answers']
    assert [answer['question'] for answer in german] == ['Liefert ihr ins Ausland?']
    assert [answer['question'] for answer in finnish] == ['Do you ship abroad?']
    assert set(german[0]) == {'id', 'question'}
