"""Security headers on every answer: a Content-Security-Policy per kind of page, frame rules, nosniff, and HSTS when
the request came over HTTPS. A header a route set itself is left as it is.

Staff pages are NiceGUI (Vue compiles templates in the browser and NiceGUI writes inline scripts), so their policy
allows inline scripts and eval but nothing from other origins, and they may not be framed by anyone. The chat page
runs only our own script file and may be framed anywhere the widget is embedded (until store settings name the
allowed domains, issue 20). API answers are data: nothing in them may run or be framed.
"""
from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

IMAGES = "img-src 'self' data: blob: https:"  # product pictures may live on the merchant's own CDN
STAFF_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                f"style-src 'self' 'unsafe-inline'; {IMAGES}; font-src 'self' data:; media-src 'self' data: blob:; "
                "connect-src 'self' ws: wss:; "
                "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
CHAT_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               f"{IMAGES}; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors *")
STORE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                f"{IMAGES}; connect-src 'self' ws: wss:; frame-src 'self'; object-src 'none'; base-uri 'self'; "
                "form-action 'self'; frame-ancestors 'self'")
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
HSTS = 'max-age=31536000'


def headers_for(path: str) -> list[tuple[str, str]]:
    common = [('x-content-type-options', 'nosniff'), ('referrer-policy', 'same-origin')]
    if path.startswith(('/api/', '/media/')):
        return [*common, ('content-security-policy', DATA_POLICY), ('x-frame-options', 'DENY')]
    if path == '/widget.js':  # a script other sites load: only what keeps browsers from guessing its type
        return common
    if path == '/chat' or path.startswith('/chat-assets/'):
        return [*common, ('content-security-policy', CHAT_POLICY)]
    if path == '/store' or path.startswith(('/store/', '/store-assets/')):
        return [*common, ('content-security-policy', STORE_POLICY), ('x-frame-options', 'SAMEORIGIN')]
    return [*common, ('content-security-policy', STAFF_POLICY), ('x-frame-options', 'DENY')]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        wanted = headers_for(scope['path'])
        if scope.get('scheme') == 'https':
            wanted = [*wanted, ('strict-transport-security', HSTS)]

        async def send_with_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                headers = MutableHeaders(scope=message)
                for name, value in wanted:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
