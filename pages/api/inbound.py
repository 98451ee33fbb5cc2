"""POST /api/v1/inbound/email: customers' e-mailed answers from a mail provider's webhook or a local MTA pipe."""
from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from pages.api.deps import client_address
from services.errors import NotFound, RateLimited, Unauthorized
from services.mail.inbound import receive_email
from services.runtime import Runtime

log = logging.getLogger('inbox.inbound')
RAW_BODY: dict[str, Any] = {'requestBody': {'required': True, 'content': {
    'message/rfc822': {'schema': {'type': 'string', 'format': 'binary'}}}}}


def _bearer(authorization: str | None) -> bytes:
    if authorization and authorization[:7].lower() == 'bearer ':
        return authorization[7:].strip().encode('utf-8', 'surrogatepass')
    return b''


def build_inbound_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix='/inbound', tags=['inbound'])

    @router.post('/email', status_code=201, openapi_extra=RAW_BODY, responses={
        201: {'description': 'Stored as a customer message in the conversation of the reply+<token>@ address '
                             '(the same Message-ID again returns the first message)'},
        401: {'description': 'Missing or wrong bearer secret (INBOX_INBOUND_SECRET)'},
        404: {'description': 'Inbound e-mail is off: no INBOX_INBOUND_SECRET is configured'},
        413: {'description': 'Request over 10 MiB'},
        429: {'description': 'Too many wrong secrets from this address lately; see Retry-After'},
        422: {'description': 'Unreadable mail, no text, or no known reply+<token>@ recipient'},
        503: {'description': 'The mail could not be read right now (its reading process ended); send it again'}})
    async def inbound_email(request: Request, authorization: Annotated[str | None, Header()] = None) -> Any:
        """The raw RFC 822 mail as the request body, `Authorization: Bearer <INBOX_INBOUND_SECRET>`."""
        secret = runtime.config.mail.inbound_secret
        if not secret:
            raise NotFound('Inbound e-mail is not enabled.', code='inbound_disabled')
        key = f'inbound:{client_address(request)}'
        wait = runtime.limits.inbound.retry_after(key)
        if wait is not None:  # too many wrong secrets from this address: not even the right one is tried
            raise RateLimited('Too many wrong inbound secrets from this address; try again later.', retry_after=wait)
        if not hmac.compare_digest(_bearer(authorization), secret.encode('utf-8', 'surrogatepass')):
            runtime.limits.inbound.hit(key)
            log.warning('inbound e-mail refused: wrong secret from %s', client_address(request))
            raise Unauthorized('Missing or wrong inbound secret.')
        raw = await request.body()
        async with runtime.db.sessions() as db:
            view = await receive_email(db=db, bus=runtime.bus, raw=raw, reader=runtime.mail_reader)
        return JSONResponse(view.to_api(), status_code=201)

    return router
