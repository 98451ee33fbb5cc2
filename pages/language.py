"""Whose language `_()` speaks on the web side: the NiceGUI client's, or the request's browser language.

NiceGUI runs event handlers and bus callbacks in other asyncio tasks than the one that built the page, but always
inside one of the client's slots; so the language is kept on the client (`client.storage`) and found from the slot
stack of the running task. Plain HTTP routes (API, chat page, demo store) get the browser's Accept-Language through a
small ASGI middleware.
"""
from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from nicegui import ui
from nicegui.client import Client
from nicegui.slot import Slot, get_task_id
from starlette.types import ASGIApp, Receive, Scope, Send

from services import i18n

CLIENT_KEY = 'language'


def current_client() -> Client | None:
    """The NiceGUI client whose slot the running task is in (without creating a slot stack as a side effect)."""
    stack = Slot.stacks.get(get_task_id())
    if not stack:
        return None
    try:
        return stack[-1].parent.client
    except RuntimeError:  # the element of the slot was deleted meanwhile
        return None


def browser_language(request: Request | None) -> str | None:
    return i18n.negotiate(request.headers.get('accept-language')) if request is not None else None


def viewer_language() -> tuple[object, str | None] | None:
    """The resolver registered with services.i18n: (client id, language) inside a NiceGUI client, else None."""
    client = current_client()
    if client is None:
        return None
    lang = client.storage.get(CLIENT_KEY)
    if lang is None:  # a page nobody chose a language for yet (sign-in): the browser's
        try:
            request: Request | None = client.request
        except RuntimeError:
            request = None
        lang = browser_language(request) or i18n.SOURCE_LANGUAGE
        client.storage[CLIENT_KEY] = lang
    return client.id, lang


def use_language(code: str | None) -> str:
    """From now on this page (its build, handlers and callbacks) speaks `code`; call it first in a page function.
    The page's `<html lang>` says so too (for screen readers, hyphenation and the browser's translate offer): NiceGUI's
    template has one language for the whole app, so a small script in the page's head sets it per page."""
    lang = i18n.normalize(code) or i18n.SOURCE_LANGUAGE
    client = current_client()
    if client is not None:
        client.storage[CLIENT_KEY] = lang
        if not client.has_socket_connection:  # still building the page
            ui.add_head_html(f'<script>document.documentElement.lang = {json.dumps(lang)};</script>')
    return lang


def page_language(request: Request, override: str | None = None) -> str:
    """For plain HTML routes: a supported `?lang=` first, then the browser's language, else English."""
    return i18n.normalize(override) or browser_language(request) or i18n.SOURCE_LANGUAGE


class RequestLanguage:
    """Sets the request's language from Accept-Language for everything the request runs (API errors, pages)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] in ('http', 'websocket'):
            header = next((value for key, value in scope.get('headers', ()) if key == b'accept-language'), b'')
            i18n.set_request_language(i18n.negotiate(header.decode('latin-1')[:500]))
        await self.app(scope, receive, send)


def install_language(app: FastAPI | Any) -> None:
    i18n.register_viewer_resolver(viewer_language)
    app.add_middleware(RequestLanguage)
