"""POST /api/v1/chat/messages on SQLite, answered without FastAPI's request machinery.

Profiled with 50 concurrent shoppers (README, Benchmarks: ingest), the CORS, exception and body-size middleware,
routing and dependency solving around this one route took more CPU than storing the message did. This lane takes
exactly this route, reads the body with the same 64 KiB cap, validates it with the same model and hands it to the
same `accept_message` as FastAPI's route; its answers are tested against that route's (tests/test_message_lane.py).
Everything else, preflight OPTIONS included, still goes to FastAPI, and so does this route where there is no
message writer (PostgreSQL).
"""
from __future__ import annotations

import logging
from email.message import Message as MimeHeader
from functools import lru_cache

from pydantic import ValidationError
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from pages.api.chat import MessageIn, accept_message
from pages.api.deps import bearer_token
from pages.api.errors import (MAX_BODY_BYTES, body_too_large_response, error_response, service_error_response,
                              validation_error_response)
from services import i18n
from services.errors import ServiceError
from services.runtime import Runtime

log = logging.getLogger('inbox.api')
PATH = '/api/v1/chat/messages'


class _TooLarge(Exception):
    pass


class _ClientGone(Exception):
    pass


class MessageLane:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def takes(self, scope: Scope) -> bool:
        return (scope['type'] == 'http' and scope['path'] == PATH and scope['method'] == 'POST'
                and self.runtime.message_writer is not None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope['headers'])
        i18n.set_request_language(_language(headers.get(b'accept-language', b'')))
        try:
            response = await self._answer(scope, receive, headers)
        except _ClientGone:
            return
        if b'origin' in headers:  # what the API's CORSMiddleware adds for any origin
            response.headers['access-control-allow-origin'] = '*'
        await response(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, headers: dict[bytes, bytes]) -> JSONResponse:
        try:
            message_in = _message_in(await _read_body(receive, headers), headers.get(b'content-type'))
            received = await accept_message(
                self.runtime, token=bearer_token(headers.get(b'authorization', b'').decode('latin-1') or None),
                address=scope['client'][0] if scope.get('client') else 'unknown', message_in=message_in)
        except _TooLarge:
            return body_too_large_response(MAX_BODY_BYTES)
        except _ClientGone:
            raise
        except ValidationError as error:
            return validation_error_response(list(error.errors()))
        except ServiceError as error:
            return service_error_response(error)
        except Exception:
            log.exception('POST %s failed', PATH)
            return error_response(500, 'internal_error', 'Something went wrong on our side; please try again.')
        return JSONResponse(received.message.to_api(), status_code=201 if received.created else 200)


async def _read_body(receive: Receive, headers: dict[bytes, bytes]) -> bytes:
    declared = headers.get(b'content-length', b'')
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLarge()
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message['type'] != 'http.request':  # the client went away
            raise _ClientGone()
        chunk = message.get('body', b'')
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge()
        chunks.append(chunk)
        if not message.get('more_body', False):
            return b''.join(chunks)


def _message_in(body: bytes, content_type: bytes | None) -> MessageIn:
    """As FastAPI reads a JSON body model: an empty body is a missing one, a body not declared as JSON is
    validated as it is (and fails), and the rest is parsed as JSON."""
    if not body:
        raise ValidationError.from_exception_data('MessageIn', [{'type': 'missing', 'loc': ('body',), 'input': None}])
    if not content_type or not _is_json(content_type):
        return MessageIn.model_validate(body)
    return MessageIn.model_validate_json(body)


@lru_cache(maxsize=64)
def _is_json(content_type: bytes) -> bool:
    header = MimeHeader()
    header['content-type'] = content_type.decode('latin-1')
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == 'application' and (subtype == 'json' or subtype.endswith('+json'))


@lru_cache(maxsize=64)
def _language(accept_language: bytes) -> str | None:
    return i18n.negotiate(accept_language.decode('latin-1')[:500])
