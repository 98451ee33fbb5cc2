"""The README's screenshots: the inbox in Danish and Finnish, 1440x900, in Debian's Chromium.

Against a fresh demo server (the owner has not picked a language yet, and Emma's cart is filled once):

    INBOX_DATA_DIR=/tmp/shots-data .venv/bin/inbox serve --demo-if-empty --port 8099 &   # prints the password
    .venv/bin/python docs/screenshots/take.py http://127.0.0.1:8099 owner@example.com PASSWORD

The owner signs in (English, the browser's language), picks Dansk and then Suomi in the language menu and opens the
conversation of a returning customer who is in the store with two products in her cart and a recent order.
"""
from __future__ import annotations

import json
import sys
import urllib.request
import uuid
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from e2e.page_objects import Inbox  # noqa: E402

OUT = Path(__file__).resolve().parent


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    headers = {'Content-Type': 'application/json', **({'Authorization': f'Bearer {token}'} if token else {})}
    request = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        return json.loads(text) if text else {}


def shopper_with_a_cart(base: str) -> str:
    """Emma (a returning Danish customer with recent orders) is in the store with two products in her cart."""
    started = call(base, 'POST', '/api/v1/chat/sessions', {'email': 'emma.lund@example.com', 'name': 'Emma Lund',
                                                            'locale': 'da-DK', 'timezone': 'Europe/Copenhagen'})
    token = started['session_token']
    products = call(base, 'GET', '/api/v1/storefront/products?q=', token=token)['products']
    for product, quantity in ((products[0], 2), (products[3], 1)):
        variant = next(v for v in product['variants'] if v['available'])
        call(base, 'POST', '/api/v1/storefront/cart/events', {'action': 'add', 'variant_id': variant['id'],
                                                               'quantity': quantity}, token=token)
    call(base, 'POST', '/api/v1/chat/messages', {'body': 'Jeg har lagt to ting i kurven. Kan I sende dem i morgen?',
                                                  'client_msg_id': uuid.uuid4().hex}, token=token)
    return token


def main(base: str, email: str, password: str) -> None:
    token = shopper_with_a_cart(base)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={'width': 1440, 'height': 900})
        inbox = Inbox(context.new_page(), base)
        inbox.sign_in(email, password)
        for lang in ('da', 'fi'):
            inbox.choose_language(lang)
            call(base, 'POST', '/api/v1/chat/presence', {'state': 'online'}, token=token)
            inbox.open_conversation('Emma Lund')
            expect(inbox.page.get_by_text(inbox.t('Last order placed'), exact=True)).to_be_visible()
            inbox.page.mouse.move(700, 500)  # no hover effects in the picture
            inbox.page.wait_for_timeout(500)
            inbox.page.screenshot(path=str(OUT / f'inbox-{lang}.png'))
        browser.close()


if __name__ == '__main__':
    main(*sys.argv[1:4])
