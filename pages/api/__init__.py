"""The public JSON API (API.md), mounted at /api/v1 with its own OpenAPI document."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Receive, Scope, Send

from pages.api.admin import build_admin_router
from pages.api.chat import build_chat_router
from pages.api.chat_config import build_chat_config_router
from pages.api.chat_socket import SocketHub
from pages.api.errors import API_PREFIX, BodySizeLimit, install_error_handlers
from pages.api.inbound import build_inbound_router
from pages.api.message_lane import MessageLane
from pages.api.storefront import build_storefront_router
from pages.language import RequestLanguage
from pages.security_headers import SecurityHeaders
from services.runtime import Runtime

API_VERSION_PREFIX = '/api/v1'
SOCKET_DOC: dict[str, Any] = {'get': {
    'tags': ['chat'], 'summary': 'Live messages (WebSocket upgrade)',
    'description': 'Open with ?token=<session_token>. The server pushes {"type": "message", "message": {...}} for '
                   'every new message visible to the token; the client may send {"type": "ping"} and gets '
                   '{"type": "pong"}. While a socket of the session is open the shopper is Online. '
                   'An invalid or expired token is refused before the upgrade (HTTP 403).',
    'parameters': [{'name': 'token', 'in': 'query', 'required': True, 'schema': {'type': 'string'}}],
    'responses': {'101': {'description': 'Switching protocols'}, '403': {'description': 'Invalid token'}},
}}


# Storefronts on other origins call the API with a bearer token (never cookies), so any origin may.
CORS: dict[str, Any] = {'allow_origins': ['*'], 'allow_methods': ['GET', 'POST'],
                        'allow_headers': ['Authorization', 'Content-Type'], 'max_age': 600}


def api_middleware(inner: ASGIApp) -> ASGIApp:
    """What every API request passes, outermost first: CORS, the body cap, the request's language."""
    return CORSMiddleware(BodySizeLimit(RequestLanguage(inner)), **CORS)


class ApiLane:
    """Sends /api/ requests and sockets straight to the API's own FastAPI app, ahead of the page stack.

    The API authenticates with bearer tokens, never with NiceGUI's cookie session, so it skips the middleware that
    `ui.run` puts in front of every page: two BaseHTTPMiddlewares (prefix redirect, cache control), request tracking
    and a session middleware that signs a cookie on every answer (README, Benchmarks: ingest).
    """

    def __init__(self, pages: ASGIApp, app: FastAPI) -> None:
        self.pages = pages
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] in ('http', 'websocket') and scope['path'].startswith(API_PREFIX):
            state = self.app.state
            if state.inbox_message_lane.takes(scope):
                await state.inbox_message_lane_app(scope, receive, send)
            else:
                await state.inbox_api(scope, receive, send)
        else:
            await self.pages(scope, receive, send)


def _route_api_first(app: FastAPI, api: FastAPI, message_lane: MessageLane) -> None:
    """Wrap the middleware stack app builds at its first request (ui.run adds its middleware later than we can)."""
    app.state.inbox_api = api_middleware(api)  # the latest, when tests build the app again
    app.state.inbox_message_lane = message_lane
    app.state.inbox_message_lane_app = api_middleware(message_lane)
    if getattr(app, '_inbox_api_lane', False):
        return
    build_pages = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(ApiLane(build_pages(), app))  # type: ignore[method-assign]
    app._inbox_api_lane = True  # type: ignore[attr-defined]


def install_api(app: FastAPI, runtime: Runtime) -> SocketHub:
    hub = SocketHub()
    router = APIRouter(prefix=API_VERSION_PREFIX)
    router.include_router(build_chat_router(runtime, hub))
    router.include_router(build_chat_config_router(runtime))
    router.include_router(build_storefront_router(runtime))
    router.include_router(build_inbound_router(runtime))
    router.include_router(build_admin_router(runtime))
    schema: dict[str, Any] = {}

    @router.get('/openapi.json', include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        if not schema:
            schema.update(get_openapi(title='Customer inbox storefront and chat API', version='1.0.0',
                                      routes=router.routes, description='See API.md: the public contract.'))
            schema['paths'][f'{API_VERSION_PREFIX}/chat/ws'] = SOCKET_DOC
        return schema

    api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    api.include_router(router)
    install_error_handlers(api)
    install_error_handlers(app)  # service errors raised by page routes outside the API
    _route_api_first(app, api, MessageLane(runtime))
    return hub
