"""POST /api/v1/chat/messages is answered by pages/api/message_lane.py, not by FastAPI's route: both
must give shoppers the same answers, for good requests and for every kind of bad one."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from nicegui import core

from tests.conftest import App
from tests.test_api_chat import bearer, start_chat

JSON = {'content-type': 'application/json'}


@contextmanager
def through_fastapi(app: App) -> Iterator[None]:
    """With the lane turned off, FastAPI's route answers (the same door behind it)."""
    lane = core.app.state.inbox_message_lane
    lane.enabled = False
    try:
        yield
    finally:
        lane.enabled = True


def answer_of(response: httpx.Response) -> tuple[int, object, dict[str, str]]:
    kept = {name: response.headers[name] for name in ('content-type', 'access-control-allow-origin', 'retry-after')
            if name in response.headers}
    body = response.json()
    if body.get('error', {}).get('code') in ('invalid_json', 'invalid_request'):  # pydantic's words, not ours:
        body = {'error': {'code': body['error']['code'], 'message': bool(body['error']['message'])}}  # said at all
    if 'id' in body:  # a stored message: the same shape; its own ids and time
        body = {key: value for key, value in body.items() if key not in ('id', 'conversation_id', 'created_at')}
    return response.status_code, body, kept


def cases(token: str) -> list[tuple[str, dict[str, str], bytes]]:
    auth = {**bearer(token), **JSON}
    return [
        ('a message', auth, b'{"body": "Is the scarf wool?", "client_msg_id": "m1"}'),
        ('the same client_msg_id again', auth, b'{"body": "Is the scarf wool?", "client_msg_id": "m1"}'),
        ('from another origin', {**auth, 'origin': 'https://shop.example.com'},
         b'{"body": "Hello", "client_msg_id": "m2"}'),
        ('broken JSON', auth, b'{"body": '),
        ('not UTF-8', auth, b'{"body": "\xff\xfe", "client_msg_id": "m3"}'),
        ('a JSON list', auth, b'[]'),
        ('no client_msg_id', auth, b'{"body": "Hello"}'),
        ('a number for the body', auth, b'{"body": 5, "client_msg_id": "m4"}'),
        ('an empty request', auth, b''),
        ('not sent as JSON', {**bearer(token), 'content-type': 'text/plain'}, b'{"body": "Hi", "client_msg_id": "m5"}'),
        ('no content type', bearer(token), b'{"body": "Hi", "client_msg_id": "m6"}'),
        ('only spaces', auth, b'{"body": "   ", "client_msg_id": "m7"}'),
        ('too long a body', auth, json.dumps({'body': 'x' * 5001, 'client_msg_id': 'm8'}).encode()),
        ('too long a client_msg_id', auth, json.dumps({'body': 'Hi', 'client_msg_id': 'x' * 65}).encode()),
        ('over 64 KiB', auth, json.dumps({'body': 'x' * 70_000, 'client_msg_id': 'm9'}).encode()),
        ('no token', JSON, b'{"body": "Hi", "client_msg_id": "m10"}'),
        ('a forged token', {**bearer('x' * 43), **JSON}, b'{"body": "Hi", "client_msg_id": "m11"}'),
        ('not a bearer token', {'authorization': f'Basic {token}', **JSON}, b'{"body": "Hi", "client_msg_id": "m12"}'),
        ('in German', {**auth, 'accept-language': 'de-DE,de;q=0.9'}, b'{"body": "  ", "client_msg_id": "m13"}'),
    ]


async def test_the_message_lane_answers_as_fastapis_route_does(app: App) -> None:
    lane_token = (await start_chat(app, email='lane@example.com'))['session_token']
    route_token = (await start_chat(app, email='route@example.com'))['session_token']
    by_lane = [answer_of(await app.http.post('/api/v1/chat/messages', headers=headers, content=content))
               for _name, headers, content in cases(lane_token)]
    with through_fastapi(app):
        by_route = [answer_of(await app.http.post('/api/v1/chat/messages', headers=headers, content=content))
                    for _name, headers, content in cases(route_token)]
    for (name, _h, _c), lane, route in zip(cases(lane_token), by_lane, by_route, strict=True):
        if name == 'not UTF-8':  # FastAPI: 400 "error parsing the body"; the lane says what is wrong, as JSON errors
            assert route[0] == 400 and lane[:2] == (422, {'error': {'code': 'invalid_json', 'message': True}})
            continue
        assert lane == route, name
    assert [status for status, _b, _h in by_lane[:3]] == [201, 200, 201]  # the comparison is not of two failures


async def test_a_rate_limited_shopper_gets_the_same_429_from_both(app: App) -> None:
    token = (await start_chat(app))['session_token']
    for number in range(20):
        assert (await app.http.post('/api/v1/chat/messages', headers=bearer(token),
                                    json={'body': 'Hi', 'client_msg_id': f'{number}'})).status_code == 201
    by_lane = answer_of(await app.http.post('/api/v1/chat/messages', headers=bearer(token),
                                            json={'body': 'Hi', 'client_msg_id': 'over'}))
    with through_fastapi(app):
        by_route = answer_of(await app.http.post('/api/v1/chat/messages', headers=bearer(token),
                                                 json={'body': 'Hi', 'client_msg_id': 'over'}))
    assert by_lane[0] == 429 and by_lane[1] == by_route[1] and by_lane[2].keys() == by_route[2].keys()


@pytest.mark.parametrize('method', ['GET', 'OPTIONS'])
async def test_other_methods_on_the_path_still_reach_fastapi(app: App, method: str) -> None:
    token = (await start_chat(app))['session_token']
    response = await app.http.request(method, '/api/v1/chat/messages', headers={
        **bearer(token), 'origin': 'https://shop.example.com', 'access-control-request-method': 'POST'})
    assert response.status_code == 200
    assert response.headers['access-control-allow-origin'] == '*'
