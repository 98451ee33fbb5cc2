"""The public JSON API (API.md), mounted at /api/v1 with its own OpenAPI document."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from pages.api.chat import build_chat_router
from pages.api.chat_socket import SocketHub
from pages.api.errors import BodySizeLimit, install_error_handlers
from pages.api.inbound import build_inbound_router
from pages.api.storefront import build_storefront_router
from services.runtime import Runtime

API_VERSION_PREFIX = '/api/v1'
SOCKET_DOC: dict[str, Any] = {'get': {
    'tags': ['chat'], 'summary': 'Live messages (WebSocket upgrade)',
    'description': 'Open with ?token=<session_token>. The server pushes {"type": "message", "message": {...}} for '
                   'every new message visible to the token; the client may send {"type": "ping"} and gets '
                   '{"type": "pong"}. While a socket of the session is open the shopper is Online. '
                   'An invalid token is refused with close code 4401.',
    'parameters': [{'name': 'token', 'in': 'query', 'required': True, 'schema': {'type': 'string'}}],
    'responses': {'101': {'description': 'Switching protocols'}, '403': {'description': 'Invalid token'}},
}}


def install_api(app: FastAPI, runtime: Runtime) -> SocketHub:
    hub = SocketHub()
    runtime.bus.message_created.subscribe(hub.deliver)
    api = APIRouter(prefix=API_VERSION_PREFIX)
    api.include_router(build_chat_router(runtime, hub))
    api.include_router(build_storefront_router(runtime))
    api.include_router(build_inbound_router(runtime))
    schema: dict[str, Any] = {}

    @api.get('/openapi.json', include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        if not schema:
            schema.update(get_openapi(title='Customer inbox storefront and chat API', version='1.0.0',
                                      routes=api.routes, description='See API.md: the public contract.'))
            schema['paths'][f'{API_VERSION_PREFIX}/chat/ws'] = SOCKET_DOC
        return schema

    app.include_router(api)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    # Storefronts on other origins call the API with a bearer token (never cookies), so any origin may.
    app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_methods=['GET', 'POST'],
                       allow_headers=['Authorization', 'Content-Type'], max_age=600)
    return hub
