"""POST /api/v1/chat/messages, answered without FastAPI's routing and dependency machinery.

Profiled with 50 concurrent shoppers (README, Benchmarks: ingest), the exception middleware, routing and
dependency solving around this one route took more CPU than storing the message did. This lane takes exactly this
route behind the API's own CORS, body-size and language middleware (pages/api: api_middleware), validates the body
with the same model and hands it to the same `accept_message` as FastAPI's route; its answers are tested against
that route's (tests/test_message_lane.py, which turns the lane off with `enabled`). Everything else, preflight
OPTIONS included, still goes to FastAPI.
"""
from __future__ import annotations

from email.message import Message as MimeHeader
from functools import lru_cache

from pydantic import ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from pages.api.chat import MessageIn, accept_message
from pages.api.deps import bearer_token, client_address
from pages.api.errors import service_error_response, validation_error_response
from services.errors import ServiceError
from services.runtime import Runtime

PATH = '/api/v1/chat/messages'


class MessageLane:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.enabled = True

    def takes(self, scope: Scope) -> bool:
        return self.enabled and scope['type'] == 'http' and scope['path'] == PATH and scope['method'] == 'POST'


    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._answer(request)
        except ClientDisconnect:
            return
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> JSONResponse:
        try:
            message_in = _message_in(await request.body(), request.headers.get('content-type'))
            received = await accept_message(self.runtime, token=bearer_token(request.headers.get('authorization')),
                                            address=client_address(request), message_in=message_in)
        except ValidationError as error:
            return validation_error_response(list(error.errors()))
        except ServiceError as error:
            return service_error_response(error)
        return JSONResponse(received.message.to_api(), status_code=201 if received.created else 200)


def _message_in(body: bytes, content_type: str | None) -> MessageIn:
    """As FastAPI reads a JSON body model: an empty body is a missing one, a body not declared as JSON is
    validated as it is (and fails), and the rest is parsed as JSON."""
    if not body:
        raise ValidationError.from_exception_data('MessageIn', [{'type': 'missing', 'loc': ('body',), 'input': None}])
    if not content_type or not _is_json(content_type):
        return MessageIn.model_validate(body)
    return MessageIn.model_validate_json(body)


@lru_cache(maxsize=64)
def _is_json(content_type: str) -> bool:
    header = MimeHeader()
    header['content-type'] = content_type
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == 'application' and (subtype == 'json' or subtype.endswith('+json'))

