"""The shopper chat endpoints of API.md: sessions, messages, instant answers, the socket, presence and typing."""

import asyncio
import contextlib
import json
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool

from pages.api.chat_socket import ShopperSocket, SocketHub
from pages.api.deps import MAX_ID, bearer_token, client_address, session_dependency
from services import blocking, chat_sessions, instant_answers, messages, ratings, verification
from services import store as store_service
from services.chat_sessions import ChatSession
from services.errors import ServiceError, Unauthorized
from services.i18n import _
from services.mail.transport import MailError, transport_for
from services.messages import Received
from services.runtime import Runtime
from services.views import SessionIds


class SessionIn(BaseModel):
    email: str = Field(max_length=320, description='The shopper\'s e-mail address (required, valid).')
    name: str | None = Field(default=None, max_length=200)
    locale: str | None = Field(default=None, max_length=20)
    timezone: str | None = Field(default=None, max_length=64, description='IANA time zone, e.g. Europe/Copenhagen.')
    identity_hmac: str | None = Field(default=None, max_length=128)


class SessionOut(BaseModel):
    session_token: str
    conversation_id: int
    customer_id: int
    presence_interval_seconds: float = Field(description='How often a page without a socket should send a heartbeat.')
    verified: bool = Field(default=False, description='The e-mail is proven (identity_hmac or a mailed code, V1): '
                                                       'the session reads the whole conversation.')


class MessageIn(BaseModel):
    body: str = Field(description='1 to 5000 characters after trimming.')
    client_msg_id: str = Field(description='1 to 64 characters; repeating it returns the first message.')


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    author: str
    kind: str
    body: str
    created_at: str
    author_name: str | None = None
    products: list[dict[str, Any]] | None = None
    code: str | None = None
    url: str | None = None
    answered: bool | None = Field(default=None, description='kind "survey" (K2): the shopper already rated.')
    instant_answer_id: int | None = Field(default=None, description='kind "auto" (A2): the instant answer tapped; '
                                                                      'absent for the away message (A1).')


class MessagesOut(BaseModel):
    messages: list[MessageOut]


class PresenceIn(BaseModel):
    state: Literal['online', 'offline']


class TypingIn(BaseModel):
    typing: StrictBool = Field(description='true while the shopper types (at most once a second), false on send or '
                                           'when the box loses focus.')


class InstantAnswerTapIn(BaseModel):
    client_msg_id: str | None = Field(default=None, max_length=64, description=(
        'Optional, 1 to 64 characters: repeating it returns the first pair (200) and stores nothing.'))


class VerifyConfirmIn(BaseModel):
    code: str = Field(max_length=20, description='The 6-digit code from the e-mail.')


class VerifiedOut(BaseModel):
    verified: bool


class RatingIn(BaseModel):
    rating: int = Field(ge=1, le=5, strict=True, description='1 (poor) to 5 (excellent), a whole number.')
    comment: str | None = Field(default=None, max_length=4000,
                                description='Optional; trimmed, at most 1000 characters kept as written.')

    model_config = {'json_schema_extra': {'examples': [{'rating': 4, 'comment': 'Quick and friendly, thanks!'}]}}


class RatingOut(BaseModel):
    id: int
    conversation_id: int
    rating: int
    comment: str
    created_at: str


async def accept_message(runtime: Runtime, *, token: str | None, address: str, message_in: MessageIn) -> Received:
    """What POST /chat/messages does once its body is read, in either front (pages/api/message_lane.py, which
    answers it, and FastAPI's route, which documents it): hand it to the one door for shopper messages."""
    return await runtime.shopper_messages.receive(token=token, address=address, body=message_in.body,
                                                  client_msg_id=message_in.client_msg_id)


MAX_SHOPPER_FRAME = 1024
"""Characters in one frame from a shopper's socket: they only send {"type": "ping"} and R3's typing frames."""

log = logging.getLogger('inbox.api')


class ServiceUnavailable(ServiceError):
    status = 503
    code = 'unavailable'


class MailNotSent(ServiceError):
    status = 502
    code = 'mail_failed'


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {'description': 'Missing or invalid session token; `session_expired` when it went unused for '
                         'INBOX_SHOPPER_TOKEN_DAYS (default 30)'},
    422: {'description': 'Invalid input: {"error": {"code", "message"}}'},
    429: {'description': 'Rate limited; see Retry-After'},
}
BLOCKED: dict[int | str, dict[str, Any]] = {
    403: {'description': 'The store blocked this sender (R4): {"error": {"code": "sender_blocked"}}, nothing stored'},
}


def build_chat_router(runtime: Runtime, hub: SocketHub) -> APIRouter:
    router = APIRouter(prefix='/chat', tags=['chat'])

    current_session = session_dependency(runtime)

    SessionDep = Annotated[ChatSession, Depends(current_session)]

    @router.post('/sessions', status_code=201, response_model=SessionOut, responses={**ERRORS, **BLOCKED})
    async def create_session(session_in: SessionIn, request: Request) -> SessionOut:
        runtime.limits.check_new_session(address=client_address(request))
        async with runtime.db.sessions() as db:
            created = await chat_sessions.create_session(db=db, session_in=chat_sessions.SessionCreate(
                email=session_in.email, name=session_in.name or '', locale=session_in.locale or '',
                timezone=session_in.timezone or '', identity_hmac=session_in.identity_hmac or ''))
        chat_session = created.session
        assert chat_session.id is not None
        return SessionOut(session_token=created.token, conversation_id=chat_session.conversation_id,
                          customer_id=chat_session.customer_id,
                          presence_interval_seconds=round(runtime.config.presence_grace_seconds / 3, 2),
                          verified=chat_session.identity_verified)

    @router.post('/messages', status_code=201, response_model=MessageOut, responses={
        **ERRORS, **BLOCKED, 200: {'description': 'Repeated client_msg_id: the first message, nothing stored'},
        413: {'description': 'Body longer than 5000 characters, or request over 64 KiB'}})
    async def post_message(message_in: MessageIn, request: Request,
                           authorization: Annotated[str | None, Header()] = None) -> Any:
        # pages/api/message_lane.py answers this route before FastAPI sees it; this declaration documents it in the
        # OpenAPI document and is the reference that the lane's answers are tested against.
        received = await accept_message(runtime, token=bearer_token(authorization), address=client_address(request),
                                        message_in=message_in)
        return JSONResponse(received.message.to_api(), status_code=201 if received.created else 200)

    @router.post('/instant-answers/{answer_id}', status_code=201, response_model=MessagesOut, responses={
        **ERRORS, **BLOCKED, 200: {'description': 'Repeated client_msg_id: the first pair, nothing stored'},
        404: {'description': 'No such instant answer for this session\'s language: {"error": {"code": "not_found"}}'},
        409: {'description': 'The client_msg_id was used for another message: '
                           '{"error": {"code": "client_msg_id_used"}}'},
        201: {'description': 'The question (author customer, kind text) and its answer (author system, kind auto), '
                             'both stored and pushed on the session\'s sockets',
              'content': {'application/json': {'example': {'messages': [
                  {'id': 41, 'conversation_id': 7, 'author': 'customer', 'kind': 'text',
                   'body': 'How long does shipping take?', 'created_at': '2026-12-04T09:30:00+00:00'},
                  {'id': 42, 'conversation_id': 7, 'author': 'system', 'kind': 'auto',
                   'body': 'Orders leave our workshop within two working days.',
                   'created_at': '2026-12-04T09:30:00+00:00'}]}}}}})
    async def ask_instant_answer(chat_session: SessionDep, request: Request,
                                 answer_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                                 tap_in: InstantAnswerTapIn | None = None) -> Any:
        """A2: the shopper tapped one of the questions of `GET /chat/config` (`instant_answers`); the question and
        the store's answer are stored together and pushed on the session's sockets and to staff, like messages.
        Rate-limited as messages. The body may be `{}`; with a `client_msg_id` a retried tap stores nothing new."""
        assert chat_session.id is not None
        runtime.limits.check_message(session_id=chat_session.id, address=client_address(request))
        session = SessionIds(id=chat_session.id, conversation_id=chat_session.conversation_id,
                             customer_id=chat_session.customer_id)
        async with runtime.db.sessions() as db:
            answered = await instant_answers.answer(db=db, bus=runtime.bus, session=session,
                                                    session_locale=chat_session.locale, answer_id=answer_id,
                                                    client_msg_id=tap_in.client_msg_id if tap_in else None)
        return JSONResponse({'messages': [answered.question.to_api(), answered.answer.to_api()]},
                            status_code=201 if answered.created else 200)

    @router.get('/messages', response_model=MessagesOut, responses=ERRORS)
    async def get_messages(chat_session: SessionDep, after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
                           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
        assert chat_session.id is not None
        runtime.limits.check_read(session_id=chat_session.id)
        async with runtime.db.sessions() as db:
            views = await messages.list_for_session(db=db, chat_session=chat_session, after=after, limit=limit)
        return {'messages': [view.to_api() for view in views]}

    @router.post('/verify', status_code=202, response_class=Response, responses={
        202: {'description': 'The code is on its way to the session\'s e-mail (no body)'},
        **ERRORS, 502: {'description': 'The mail server did not take the e-mail; nothing changed, ask again'},
        503: {'description': 'This store sends no e-mail (no mail server is set up)'}})
    async def ask_for_code(chat_session: SessionDep) -> Response:
        """Mail a 6-digit code to the session's e-mail (V1); typing it in verifies the session."""
        assert chat_session.id is not None
        runtime.limits.check_verify_request(session_id=chat_session.id)
        transport = transport_for(runtime.config.mail)
        if not transport.sends_mail:
            raise ServiceUnavailable(_('This store cannot send e-mail yet, so it cannot send you a code.'),
                                     code='verification_unavailable')
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            session, code = await verification.new_code(db=db, session_id=chat_session.id)
        message = verification.compose_code_message(mail=runtime.config.mail, store_name=store.name,
                                                    chat_session=session, code=code)
        try:
            await transport.send(message)
        except MailError as error:
            log.warning('verification code for session %s not sent: %s', chat_session.id, error)
            raise MailNotSent(_('We could not send the e-mail just now. Please try again.'), code='mail_failed') \
                from error
        return Response(status_code=202)

    @router.post('/verify/confirm', response_model=VerifiedOut, responses={
        **ERRORS, 422: {'description': 'Not the code we sent, or it expired: {"error": {"code": "code_invalid"}}'},
        429: {'description': 'Five wrong codes: ask for a new one'}})
    async def confirm_code(confirm_in: VerifyConfirmIn, chat_session: SessionDep) -> VerifiedOut:
        assert chat_session.id is not None
        async with runtime.db.sessions() as db:
            session = await verification.confirm_code(db=db, session_id=chat_session.id, code=confirm_in.code)
        hub.mark_verified(session.id or 0)  # its open sockets now get the whole conversation
        runtime.bus.conversation_changed.emit(session.conversation_id)  # staff see the "Unverified" mark go
        return VerifiedOut(verified=session.identity_verified)

    @router.post('/rating', status_code=201, response_model=RatingOut, responses={
        **ERRORS, 409: {'description': 'This conversation is not waiting for a rating (never asked, already rated, '
                                       'reopened, or asked 14 days ago): {"error": {"code": "not_waiting"}}'},
        422: {'description': 'rating not a whole number from 1 to 5, or a comment over 1000 characters'}})
    async def post_rating(rating_in: RatingIn, chat_session: SessionDep, request: Request) -> RatingOut:
        """K2: the shopper's answer to the survey (`kind: "survey"`) sent when staff closed the conversation. Each
        close asks once and takes one answer."""
        assert chat_session.id is not None
        runtime.limits.check_rating(session_id=chat_session.id, address=client_address(request))
        async with runtime.db.sessions() as db:
            rated = await ratings.rate_in_chat(db=db, bus=runtime.bus, chat_session=chat_session,
                                               rating=rating_in.rating, comment=rating_in.comment)
        return RatingOut(id=rated.id, conversation_id=rated.conversation_id, rating=rated.rating,
                         comment=rated.comment, created_at=rated.created_at.isoformat())

    @router.post('/presence', status_code=204, responses=ERRORS)
    async def post_presence(presence_in: PresenceIn, chat_session: SessionDep) -> Response:
        assert chat_session.id is not None
        runtime.limits.check_presence(session_id=chat_session.id)
        async with runtime.db.sessions() as db:
            if presence_in.state == 'online':
                await runtime.presence.heartbeat(db, chat_session)
            else:
                await runtime.presence.leaving(db, chat_session)
        return Response(status_code=204)

    @router.post('/typing', status_code=204, response_class=Response, responses={
        204: {'description': 'Passed on: staff see "typing…" in this conversation until 4 s after the last '
                             '`true` (R3); nothing is stored'}, **ERRORS, **BLOCKED})
    async def post_typing(typing_in: TypingIn, chat_session: SessionDep) -> Response:
        """The shopper is typing (R3); the socket frame `{"type": "typing", "typing": bool}` does the same."""
        assert chat_session.id is not None
        runtime.limits.check_typing(session_id=chat_session.id)
        async with runtime.db.sessions() as db:
            if await blocking.is_blocked(db, chat_session.customer_id):
                raise blocking.sender_blocked()
        runtime.typing.typed(chat_session.conversation_id, 'shopper', typing_in.typing)
        return Response(status_code=204)

    @router.websocket('/ws')
    async def chat_socket(websocket: WebSocket, token: str = '') -> None:
        address = websocket.client.host if websocket.client else 'unknown'
        if runtime.limits.socket_logins_refused(address=address):  # too many wrong tokens from here lately
            await websocket.accept()  # accepted to say why: a close before accepting reaches the page as a bare 403
            await websocket.close(code=4429, reason='too many failed attempts; try again later')
            return
        try:
            async with runtime.db.sessions() as db:
                chat_session = await chat_sessions.authenticate(db=db, token=token,
                                                                lifetime=runtime.config.shopper_token_lifetime)
        except Unauthorized as refused:
            if refused.code != 'session_expired':  # an expired token is a real one, not a guess to throttle
                runtime.limits.socket_login_failed(address=address)
            await websocket.close(code=4401, reason='invalid session token')
            return
        assert chat_session.id is not None
        async with runtime.db.sessions() as db:
            blocked = await blocking.is_blocked(db, chat_session.customer_id)
        if blocked:  # R4: accepted to say why (a close before accepting reaches the page as a bare 403)
            await websocket.accept()
            await websocket.close(code=4403, reason='sender_blocked')
            return
        socket = ShopperSocket(session_id=chat_session.id, conversation_id=chat_session.conversation_id,
                               verified=chat_session.identity_verified, address=address)
        if not hub.admits(socket):
            await websocket.accept()
            await websocket.close(code=4429, reason='too many open sockets')
            return
        await websocket.accept()
        hub.register(socket)
        async with runtime.db.sessions() as db:
            await runtime.presence.socket_opened(db, chat_session)

        async def pump() -> None:
            while True:
                item = await socket.queue.get()
                if item is None:  # too slow (4408), or the sender was blocked (4403)
                    await websocket.close(code=socket.close_with[0], reason=socket.close_with[1])
                    return
                await websocket.send_text(json.dumps(item))

        sender = asyncio.create_task(pump())

        def shopper_typing(socket: ShopperSocket, typing: object) -> None:
            """R3's socket frame: a bool, within the session's typing limit, or it is dropped."""
            if isinstance(typing, bool) and runtime.limits.typing_allowed(session_id=socket.session_id):
                runtime.typing.typed(socket.conversation_id, 'shopper', typing)
        try:
            while True:
                frame = await websocket.receive()
                if frame['type'] == 'websocket.disconnect':
                    break
                text = frame.get('text') or ''
                if len(text) > MAX_SHOPPER_FRAME or frame.get('bytes'):  # shoppers only ever send a ping
                    await websocket.close(code=1009, reason='frames are at most 1 KiB of text')
                    break
                with contextlib.suppress(ValueError, TypeError, AttributeError):
                    data = json.loads(text)
                    if data.get('type') == 'ping':
                        await websocket.send_text('{"type": "pong"}')
                    elif data.get('type') == 'typing':
                        shopper_typing(socket, data.get('typing'))
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            hub.unregister(socket)
            async with runtime.db.sessions() as db:
                await runtime.presence.socket_closed(db, chat_session.id)

    return router
