"""R3 typing: the in-memory tracker (throttle, expiry, a message ends it) with an injected clock, the public
endpoint and socket frame (token scoped, bad bodies 4xx, rate limited), and staff typing reaching the shopper."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
import websockets
from nicegui.testing import User

from services.chat_sessions import SessionCreate, create_session
from services.errors import PermissionDenied
from services.events import EventBus
from services.rate_limit import TYPING_LIMIT
from services.typing_commands import TypingCommands
from services.typing_status import EXPIRY_SECONDS, TypingTracker
from services.views import MessageView
from tests.conftest import App, add_staff, sign_in
from tests.list_view import list_shows
from tests.shoppers import shopper_says

Seen = list[tuple[int, str, bool]]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def tracked() -> tuple[TypingTracker, Clock, Seen]:
    bus, clock, seen = EventBus(), Clock(), []
    bus.typing_changed.subscribe(lambda cid, side, typing: seen.append((cid, side, typing)))
    return TypingTracker(bus=bus, clock=clock), clock, seen


def message(author: str, conversation_id: int = 7) -> MessageView:
    return MessageView(id=1, conversation_id=conversation_id, session_id=None, author=author, author_name='',
                       kind='text', body='hi', payload={}, created_at=datetime.now(UTC), delivery='chat', topic=None)


def test_frames_reach_the_bus_at_most_once_a_second_per_conversation_and_side() -> None:
    tracker, clock, seen = tracked()
    for _ in range(5):  # a fast typist: five frames in 0.4 s
        tracker.typed(7, 'shopper', True)
        clock.now += 0.1
    tracker.typed(8, 'shopper', True)  # another conversation is not throttled by the first
    tracker.typed(7, 'staff', True)  # nor the other side
    assert seen == [(7, 'shopper', True), (8, 'shopper', True), (7, 'staff', True)]
    clock.now += 0.6  # a second after the first frame
    assert tracker.typed(7, 'shopper', True)
    assert seen[-1] == (7, 'shopper', True) and len(seen) == 4


def test_typing_expires_four_seconds_after_the_last_frame_without_a_false() -> None:
    tracker, clock, seen = tracked()
    tracker.typed(7, 'shopper', True)
    clock.now += 3.0
    tracker.typed(7, 'shopper', True)  # still typing: the four seconds start again
    clock.now += EXPIRY_SECONDS - 0.1
    assert tracker.expire() == [] and tracker.is_typing(7, 'shopper')
    clock.now += 0.1
    assert tracker.expire() == [(7, 'shopper')]
    assert not tracker.is_typing(7, 'shopper')
    assert seen == [(7, 'shopper', True), (7, 'shopper', True), (7, 'shopper', False)]
    assert tracker.expire() == []  # ended once


def test_false_or_a_message_from_that_side_ends_it_and_only_what_was_on_is_ended() -> None:
    tracker, _clock, seen = tracked()
    assert not tracker.typed(7, 'shopper', False)  # nothing to end: nothing sent
    tracker.typed(7, 'shopper', True)
    tracker.typed(7, 'staff', True)
    tracker.message_stored(message('customer'))
    assert seen[-1] == (7, 'shopper', False) and tracker.is_typing(7, 'staff')
    tracker.typed(7, 'staff', False)
    assert seen[-1] == (7, 'staff', False)
    tracker.message_stored(message('staff'))
    assert len(seen) == 4


async def start_chat(app: App, email: str) -> dict:
    response = await app.http.post('/api/v1/chat/sessions', json={'email': email})
    assert response.status_code == 201, response.text
    return response.json()


def seen_on(app: App) -> Seen:
    seen: Seen = []
    app.runtime.bus.typing_changed.subscribe(lambda cid, side, typing: seen.append((cid, side, typing)))
    return seen


async def test_post_typing_is_204_and_reaches_staff_only_for_the_tokens_conversation(app: App) -> None:
    first, second = await start_chat(app, 'a@example.com'), await start_chat(app, 'b@example.com')
    seen = seen_on(app)
    auth = {'Authorization': f'Bearer {first["session_token"]}'}
    response = await app.http.post('/api/v1/chat/typing', json={'typing': True}, headers=auth)
    assert response.status_code == 204 and response.content == b''
    assert seen == [(first['conversation_id'], 'shopper', True)]
    assert not app.runtime.typing.is_typing(second['conversation_id'], 'shopper')
    await app.http.post('/api/v1/chat/typing', json={'typing': False}, headers=auth)
    assert seen[-1] == (first['conversation_id'], 'shopper', False)


@pytest.mark.parametrize('body', [{}, {'typing': 'yes'}, {'typing': 1}, {'typing': None}, [True]])
async def test_a_bad_typing_body_is_422_and_a_missing_token_401(app: App, body: object) -> None:
    chat = await start_chat(app, 'a@example.com')
    response = await app.http.post('/api/v1/chat/typing', json=body,
                                   headers={'Authorization': f'Bearer {chat["session_token"]}'})
    assert response.status_code == 422 and response.json()['error']['code']
    anonymous = await app.http.post('/api/v1/chat/typing', json={'typing': True})
    assert anonymous.status_code == 401


async def test_typing_is_rate_limited_per_session(app: App) -> None:
    chat = await start_chat(app, 'a@example.com')
    auth = {'Authorization': f'Bearer {chat["session_token"]}'}
    for _ in range(TYPING_LIMIT):
        assert (await app.http.post('/api/v1/chat/typing', json={'typing': True}, headers=auth)).status_code == 204
    refused = await app.http.post('/api/v1/chat/typing', json={'typing': True}, headers=auth)
    assert refused.status_code == 429 and refused.headers['Retry-After']


async def test_socket_frames_and_staff_typing_go_both_ways(app: App, live_server: str) -> None:
    mine, other = await start_chat(app, 'a@example.com'), await start_chat(app, 'b@example.com')
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
        viewer = await add_staff(db, email='viewer@example.com', can_chat=False)
    assert staff.id is not None and viewer.id is not None
    seen = seen_on(app)
    base = f'ws://{live_server}/api/v1/chat/ws?token='
    async with websockets.connect(base + mine['session_token']) as socket, \
            websockets.connect(base + other['session_token']) as bystander:
        await socket.send(json.dumps({'type': 'typing', 'typing': 'yes'}))  # not a bool: dropped
        await socket.send(json.dumps({'type': 'typing', 'typing': True}))
        await socket.send(json.dumps({'type': 'ping'}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {'type': 'pong'}  # the shopper's own: not echoed
        assert seen == [(mine['conversation_id'], 'shopper', True)]

        with pytest.raises(PermissionDenied):  # the chat permission is checked in the service
            await TypingCommands(app.runtime, staff_id=viewer.id).staff_typing(mine['conversation_id'], True)
        commands = TypingCommands(app.runtime, staff_id=staff.id)
        await commands.staff_typing(mine['conversation_id'], True)
        assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {'type': 'typing', 'typing': True}
        await commands.staff_typing(mine['conversation_id'], False)
        assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {'type': 'typing', 'typing': False}
        await bystander.send(json.dumps({'type': 'ping'}))
        assert json.loads(await asyncio.wait_for(bystander.recv(), 5)) == {'type': 'pong'}  # nothing else came


async def test_staff_see_typing_in_the_thread_and_the_row_until_the_message_comes(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        created = await create_session(db=db, session_in=SessionCreate(email='sara@example.com', name='Sara Lind'))
    await shopper_says(app.runtime.shopper_messages, created.session, 'Hello?', client_msg_id='m1')
    conversation_id = created.session.conversation_id
    await sign_in(user)
    await user.open(f'/inbox/{conversation_id}')
    await user.should_see('Hello?')
    app.runtime.typing.typed(conversation_id, 'shopper', True)
    await user.should_see('Sara Lind is typing…')
    await list_shows(user, lambda rows: rows[0]['preview'] == 'typing…')
    await shopper_says(app.runtime.shopper_messages, created.session, 'Do you ship to Oslo?', client_msg_id='m2')
    await user.should_see('Do you ship to Oslo?')
    await user.should_not_see('Sara Lind is typing…')
    await list_shows(user, lambda rows: rows[0]['preview'] == 'Do you ship to Oslo?')
