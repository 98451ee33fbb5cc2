"""K2 through the real app: POST /api/v1/chat/rating and the e-mailed link's page /rate/<token>."""
from __future__ import annotations

from sqlmodel import select

from db.models import Conversation, RatingSurvey
from services import conversations, ratings
from tests.conftest import App, add_staff


def bearer(token: str) -> dict[str, str]:
    return {'Authorization': f'Bearer {token}'}


async def chat_then_close(app: App, *, online: bool, email: str = 'lea@example.com') -> dict:
    started = (await app.http.post('/api/v1/chat/sessions', json={'email': email})).json()
    sent = await app.http.post('/api/v1/chat/messages', json={'body': 'Hi!', 'client_msg_id': 'm1'},
                               headers=bearer(started['session_token']))
    assert sent.status_code == 201
    async with app.runtime.db.sessions() as db:
        conversation = await db.get(Conversation, started['conversation_id'])
        assert conversation is not None
        conversation.customer_online = online
        db.add(conversation)
        await db.commit()
        staff = await add_staff(db, email=f'closer-{email}')
        await conversations.set_status(db=db, bus=app.runtime.bus, staff=staff,
                                       conversation_id=started['conversation_id'], status='closed')
    return started


async def test_chat_rating_201_then_409_and_422_on_bad_values(app: App) -> None:
    early = (await app.http.post('/api/v1/chat/sessions', json={'email': 'early@example.com'})).json()
    not_asked = await app.http.post('/api/v1/chat/rating', json={'rating': 4}, headers=bearer(early['session_token']))
    assert not_asked.status_code == 409 and not_asked.json()['error']['code'] == 'not_waiting'

    started = await chat_then_close(app, online=True)
    auth = bearer(started['session_token'])
    listed = (await app.http.get('/api/v1/chat/messages', headers=auth)).json()['messages']
    survey = listed[-1]
    assert (survey['kind'], survey['author'], survey['answered']) == ('survey', 'system', False)
    assert survey['body'].startswith('How did we do?')
    bad_bodies = ({'rating': 0}, {'rating': 6}, {'rating': '4'}, {'rating': 3.5}, {},
                  {'rating': 3, 'comment': 'x' * 1001})
    for bad in bad_bodies:
        refused = await app.http.post('/api/v1/chat/rating', json=bad, headers=auth)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()['error']['code']
    rated = await app.http.post('/api/v1/chat/rating', json={'rating': 4, 'comment': 'Quick!'}, headers=auth)
    assert rated.status_code == 201, rated.text
    assert {k: rated.json()[k] for k in ('rating', 'comment')} == {'rating': 4, 'comment': 'Quick!'}
    again = await app.http.post('/api/v1/chat/rating', json={'rating': 5}, headers=auth)
    assert again.status_code == 409
    listed = (await app.http.get('/api/v1/chat/messages', headers=auth)).json()['messages']
    assert listed[-1]['kind'] == 'survey' and listed[-1]['answered'] is True  # the rating line is staff-only
    assert (await app.http.post('/api/v1/chat/rating', json={'rating': 4})).status_code == 401
    document = (await app.http.get('/api/v1/openapi.json')).json()
    operation = document['paths']['/api/v1/chat/rating']['post']
    assert operation['description'] and {'201', '409', '422'} <= set(operation['responses'])


async def test_chat_ratings_are_rate_limited(app: App) -> None:
    started = await chat_then_close(app, online=True)
    codes = [(await app.http.post('/api/v1/chat/rating', json={'rating': 4},
                                  headers=bearer(started['session_token']))).status_code for _ in range(25)]
    assert codes[:2] == [201, 409] and codes[-1] == 429


async def test_the_link_page_takes_one_answer_and_refuses_changed_links(app: App) -> None:
    started = await chat_then_close(app, online=False)
    async with app.runtime.db.sessions() as db:
        survey = (await db.exec(select(RatingSurvey).where(
            RatingSurvey.conversation_id == started['conversation_id']))).one()
    mail = app.runtime.config.mail
    path = ratings.link_for(survey, secret=mail.link_secret, public_url='')
    form = await app.http.get(path)
    assert form.status_code == 200 and form.text.count('type="radio"') == 5
    assert "default-src 'none'" in form.headers['content-security-policy']
    tampered = path[:-1] + ('0' if path[-1] != '0' else '1')
    refused = await app.http.get(tampered)
    assert refused.status_code == 404 and 'not valid any more' in refused.text
    missing = await app.http.post(path, data={'comment': 'no stars'})
    assert missing.status_code == 422 and 'whole number from 1 to 5' in missing.text and 'no stars' in missing.text
    thanked = await app.http.post(path, data={'rating': '4', 'comment': '<b>Nice</b>'})
    assert thanked.status_code == 200 and 'Thank you for your rating!' in thanked.text
    reused = await app.http.post(path, data={'rating': '1'})
    assert reused.status_code == 409 and 'already rated' in reused.text
    german = await app.http.get(path, headers={'Accept-Language': 'de'})
    assert 'bereits bewertet' in german.text or 'schon bewertet' in german.text
