"""The API's error shape, its body-size cap, and handlers that keep bad input at 4xx."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.errors import RateLimited, ServiceError
from services.i18n import _

log = logging.getLogger('inbox.api')

API_PREFIX = '/api/'
MAX_BODY_BYTES = 64 * 1024
LARGER_BODIES = {'/api/v1/inbound/email': 10 * 1024 * 1024}  # whole e-mails with quoted history and images


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({'error': {'code': code, 'message': message}}, status_code=status, headers=headers)


def service_error_response(error: ServiceError) -> JSONResponse:
    headers = {'Retry-After': str(error.retry_after)} if isinstance(error, RateLimited) else None
    return error_response(error.status, error.code, error.message, headers)


def validation_error_response(errors: list[dict[str, Any]]) -> JSONResponse:
    code = 'invalid_json' if any(e.get('type') == 'json_invalid' for e in errors) else 'invalid_request'
    return error_response(422, code, _describe(errors))


def body_too_large_response(limit: int) -> JSONResponse:
    return error_response(413, 'body_too_large', f'Request bodies are limited to {limit // 1024} KiB.')


async def _service_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    return service_error_response(error)


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for item in errors[:5]:
        where = '.'.join(str(p) for p in item.get('loc', ()) if p != 'body')
        parts.append(f'{where}: {item.get("msg", "invalid")}' if where else str(item.get('msg', 'invalid')))
    return '; '.join(parts) or 'The request is not valid.'


async def _validation_error(request: Request, error: Exception) -> Any:
    assert isinstance(error, RequestValidationError)
    if not request.url.path.startswith(API_PREFIX):
        return await request_validation_exception_handler(request, error)
    return validation_error_response(list(error.errors()))


async def _http_error(request: Request, error: Exception) -> Any:
    assert isinstance(error, StarletteHTTPException)
    if not request.url.path.startswith(API_PREFIX):
        return await http_exception_handler(request, error)
    code = {404: 'not_found', 405: 'method_not_allowed', 401: 'unauthorized'}.get(error.status_code, 'http_error')
    return error_response(error.status_code, code, str(error.detail))


async def _database_busy(request: Request, error: Exception) -> Any:
    """The request waited too long for the database: for SQLite's write lock (busy_timeout, or the write gate in
    front of it, db/write_gate.py) or for a free connection of the pool, in a burst far past what the server commits
    per second. Nothing of the request was stored (its transaction rolled back, or never began), so the client is
    told to send it again, not given a 500."""
    if not isinstance(error, PoolTimeout) and 'locked' not in str(getattr(error, 'orig', error)):
        raise error
    log.warning('database busy: %s %s answered 503', request.method, request.url.path)
    return error_response(503, 'busy', _('The inbox is busy right now; please try again in a moment.'),
                          {'Retry-After': '1'})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


class BodySizeLimit:
    """Refuses API request bodies over 64 KiB (10 MiB for inbound e-mail) with 413, whether or not Content-Length
    is honest: the body is counted as it arrives and refused at the first byte past the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def limit_for(self, path: str) -> int | None:
        """The most bytes a request body for this path may have; None: not limited here."""
        return LARGER_BODIES.get(path, self.max_bytes) if path.startswith(API_PREFIX) else None

    def refusal(self, limit: int) -> Response:
        return body_too_large_response(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope['path']) if scope['type'] == 'http' else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get('headers', []):
            if name == b'content-length' and value.isdigit() and int(value) > limit:
                await self.refusal(limit)(scope, receive, send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message['type'] == 'http.request':
                received += len(message.get('body', b''))
                if received > limit:
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message['type'] == 'http.response.start':
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self.refusal(limit)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass
