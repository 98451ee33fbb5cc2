"""The shopper side (C5): /chat, /widget.js and their assets (plain HTML, no NiceGUI client per shopper)."""
from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from pages.language import page_language
from pages.security_headers import CHAT_POLICY
from services import store as store_service
from services.i18n import SUPPORTED_LANGUAGES, _, language, pgettext
from services.runtime import Runtime
from services.store import allowed_domains

ASSETS = Path(__file__).parent / 'customer_assets'
SECURITY_HEADERS = {'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin'}


def chat_policy(hosts: list[str]) -> str:
    """The chat page's policy: framed only by the allowed widget domains (U2), or anywhere while none are set."""
    if not hosts:
        return CHAT_POLICY
    ancestors = ' '.join(f'https://{host} http://{host}' for host in hosts)
    return CHAT_POLICY.replace('frame-ancestors *', f"frame-ancestors 'self' {ancestors}")


def chat_strings() -> dict[str, str]:
    """Every string the chat page shows, translated (keys listed at the top of chat.js)."""
    return {
        'title': _('Chat with us'),
        'start_intro': _('Leave your e-mail so we can reply even if you leave the store.'),
        'email_label': _('E-mail'),
        'email_placeholder': _('you@example.com'),
        'name_label': _('Name (optional)'),
        'start_button': _('Start chat'),
        'starting': _('Starting…'),
        'email_invalid': _('Please enter a valid e-mail address, like name@example.com.'),
        'placeholder': _('Write a message…'),
        'message_label': _('Message'),
        'send': _('Send'),
        'sending': _('Sending…'),
        'not_sent_retrying': _('Not sent — retrying'),
        'reconnecting': _('Reconnecting…'),
        'empty_state': _('Send us a message — we usually reply within minutes'),
        'conversation': _('Conversation'),
        'new_messages': _('New messages'),
        'apply_code': _('Apply to cart'),
        'applying': _('Applying…'),
        'code_applied': _('Applied to your cart'),
        'discount_label': _('Discount code'),
        'view_product': _('View product'),
        'image': _('Image'),
        'open_image': _('Open full size in a new tab'),
        'image_unavailable': _('Image unavailable'),
        'close': _('Close chat'),
        'instant_answers_label': _('Common questions'),
        'instant_answer': _('Instant answer'),
        'staff': _('Staff'),
        'you': _('You'),
        'too_long': _('Messages can be at most {max} characters.'),
        'counter': _('{count} / {max}'),
        'network_error': _('Can’t reach the server. Check your connection and try again.'),
        'error_generic': _('Something went wrong. Please try again.'),
        'verify_intro': _('Chatted with us before? Confirm your e-mail to see your earlier messages here.'),
        'verify_send': _('Send me a code'),
        'verify_dismiss': _('Not now'),
        'verify_sent': _('We sent a 6-digit code to {email}.'),
        'verify_code_label': pgettext('verification code field', 'Code'),
        'verify_confirm': _('Confirm'),
        'verify_done': _('Thanks, your e-mail is confirmed.'),
        'rating_legend': _('Your rating'),
        'rating_star': _('{rating} out of 5'),
        'rating_comment': _('Comment (optional)'),
        'rating_send': _('Send rating'),
        'rating_pick': _('Please choose from 1 to 5 stars.'),
        'rating_thanks': _('Thank you for your rating!'),
        'rating_closed': _('This conversation was already rated, or it is open again. Thank you!'),
        'typing': _('{name} is typing…'),
        'online': _('Online'),
        'away': _('Away'),
        'back_at': _('Back {when}'),
        'auto_author': _('Automatic reply'),
    }


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding='utf-8')


def widget_labels() -> dict[str, str]:
    """The launcher's label in every language; widget.js picks one by the page's or the browser's language."""
    labels = {}
    for code in SUPPORTED_LANGUAGES:
        with language(code):
            labels[code] = _('Chat with us')
    return labels


@lru_cache(maxsize=1)
def widget_source() -> str:
    return _asset('widget.js').replace('{/*LABELS*/}', json.dumps(widget_labels()))


def install_customer_pages(app: FastAPI, runtime: Runtime) -> None:
    app.mount('/chat-assets', StaticFiles(directory=ASSETS), name='chat-assets')

    @app.get('/chat', include_in_schema=False)
    async def chat_page(request: Request, lang: str | None = None) -> HTMLResponse:
        """In `?lang=` when we have it, else the browser's language (the session's locale comes from the same
        browser), else English."""
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
        with language(page_language(request, lang)) as chosen:
            strings = chat_strings()
            noscript = _('Please enable JavaScript to chat with us.')
        page = (_asset('chat.html')
                .replace('{{STORE_NAME}}', html.escape(store.name))
                .replace('{{LANG}}', chosen)
                .replace('{{NOSCRIPT}}', html.escape(noscript))
                .replace('{{STRINGS_JSON}}', json.dumps(strings).replace('</', '<\\/')))
        return HTMLResponse(page, headers={**SECURITY_HEADERS, 'Cache-Control': 'no-store', 'Vary': 'Accept-Language',
                                           'Content-Security-Policy': chat_policy(allowed_domains(store))})

    @app.get('/widget.js', include_in_schema=False)
    async def widget_script() -> Response:
        """The script with the store's widget settings (U2), read per request so a change reaches new page loads."""
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
        config = {'color': store.widget_color, 'position': store.widget_position,
                  'allowedHosts': allowed_domains(store)}
        return Response(widget_source().replace('{/*CONFIG*/}', json.dumps(config).replace('</', '<\\/')),
                        media_type='application/javascript',
                        headers={**SECURITY_HEADERS, 'Cache-Control': 'public, max-age=60'})

