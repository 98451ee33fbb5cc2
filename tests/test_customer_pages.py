"""The shopper-facing pages: /chat, /widget.js and the demo store."""
from __future__ import annotations

import json
import re

from db.models import Product, Variant
from pages.customer import ASSETS, chat_strings
from tests.conftest import App


def test_every_chat_page_string_is_supplied_by_the_server() -> None:
    script = (ASSETS / 'chat.js').read_text()
    block = script[script.index('DEFAULT_STRINGS = {'):]
    block = block[:block.index('};')]
    keys = set(re.findall(r'^\s*(\w+):', block, flags=re.M))
    assert keys, 'DEFAULT_STRINGS found'
    assert keys == set(chat_strings())


async def test_chat_page_is_plain_html_with_escaped_store_name_and_strings(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        from services.store import get_store
        store = await get_store(db)
        store.name = 'Ben & <Jerry>'
        db.add(store)
        await db.commit()
    response = await app.http.get('/chat')
    assert response.status_code == 200
    assert 'Ben &amp; &lt;Jerry&gt;' in response.text and '<Jerry>' not in response.text
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert 'x-frame-options' not in response.headers  # the widget frames it on any storefront
    strings = re.search(r'<script type="application/json" id="strings">(.*?)</script>', response.text, re.S)
    assert strings and json.loads(strings.group(1))['send'] == 'Send'
    assert '_nicegui' not in response.text  # no NiceGUI client per shopper


async def test_widget_script_is_served_as_javascript(app: App) -> None:
    response = await app.http.get('/widget.js')
    assert response.status_code == 200
    assert response.headers['content-type'].startswith('application/javascript')
    assert (await app.http.get('/chat-assets/chat.js')).status_code == 200


async def test_store_lists_only_online_store_products_and_embeds_the_widget(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        for handle, online in (('trail-tent', True), ('wholesale-crate', False)):
            product = Product(handle=handle, title=handle.replace('-', ' ').title(), online_store=online)
            db.add(product)
            await db.flush()
            db.add(Variant(product_id=product.id, price_cents=12990, inventory=4))
        await db.commit()
    page = await app.http.get('/store')
    assert 'Trail Tent' in page.text and 'Wholesale Crate' not in page.text
    assert '<script src="/widget.js" async></script>' in page.text
    assert (await app.http.get('/store/products/trail-tent')).status_code == 200
    assert (await app.http.get('/store/products/wholesale-crate')).status_code == 404
    api = (await app.http.get('/api/v1/storefront/products?q=tent')).json()['products']
    assert [p['handle'] for p in api] == ['trail-tent'] and api[0]['price'] == '129.90'

