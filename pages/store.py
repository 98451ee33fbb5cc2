"""A small demo storefront (/store) that embeds the chat widget exactly as a merchant would; in the browser's
language."""
from __future__ import annotations

import json
from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from pages.api.storefront import product_url_base
from services import catalog
from services import store as store_service
from services.errors import NotFound
from services.i18n import _, current_language
from services.locale_format import money
from services.runtime import Runtime

ASSETS = Path(__file__).parent / 'store_assets'
STYLE = """
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;
background:#fafaf9}header{display:flex;align-items:center;justify-content:space-between;padding:18px 28px;
background:#fff;border-bottom:1px solid #e7e5e4}header a{color:inherit;text-decoration:none;font-weight:700;
font-size:20px;letter-spacing:-.01em}main{max-width:1100px;margin:0 auto;padding:28px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:22px}
.card{background:#fff;border:1px solid #e7e5e4;border-radius:14px;overflow:hidden;text-decoration:none;color:inherit;
display:flex;flex-direction:column;transition:box-shadow .15s}.card:hover{box-shadow:0 6px 20px rgba(0,0,0,.08)}
.card img,.hero img{width:100%;aspect-ratio:1;object-fit:cover;background:#f5f5f4;display:block}
.card div{padding:12px 14px}.card h2{font-size:15px;margin:0 0 6px;font-weight:600}.price{color:#57534e}
.hero{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:36px}.hero h1{margin:0 0 10px}
.variants{list-style:none;padding:0}.variants li{padding:8px 0;border-bottom:1px solid #e7e5e4;display:flex;
justify-content:space-between}form{margin:0 0 24px}input[type=search]{padding:10px 14px;border:1px solid #d6d3d1;
border-radius:10px;width:min(420px,100%);font-size:15px}@media (max-width:700px){.hero{grid-template-columns:1fr}
main{padding:16px}}
.cart-link{color:inherit;text-decoration:none;font-weight:600;display:flex;gap:8px;align-items:center}
.badge{background:#4338ca;color:#fff;border-radius:999px;padding:1px 8px;font-size:12px}
form.buy{display:flex;gap:10px;align-items:end;flex-wrap:wrap;margin:18px 0}
label{display:flex;flex-direction:column;font-size:13px;color:#57534e;gap:4px}
select,input[type=number],input[type=email],input[type=text]{padding:9px 12px;border:1px solid #d6d3d1;
border-radius:10px;font-size:15px;background:#fff}button{font:inherit;cursor:pointer}
.primary{background:#1c1917;color:#fff;border:0;border-radius:10px;padding:10px 18px;font-weight:600}
.link{background:none;border:0;color:#4338ca;padding:0}
.flash{min-height:1.4em;margin:6px 0}.flash.ok{color:#15803d}.flash.bad{color:#b91c1c}
.cart-line{display:grid;grid-template-columns:1fr auto auto auto;gap:16px;padding:12px 0;
border-bottom:1px solid #e7e5e4;align-items:center}.subtotal{font-weight:600;font-size:17px}
dialog{border:0;border-radius:16px;padding:24px;max-width:380px;width:92vw;box-shadow:0 20px 60px rgba(0,0,0,.25)}
dialog form{display:flex;flex-direction:column;gap:12px}
.form-error{color:#b91c1c;font-size:14px;min-height:1em}
"""


def start_dialog() -> str:
    return f"""<dialog id="start-shopping" aria-labelledby="start-title"><form method="dialog">
<h2 id="start-title" style="margin:0">{escape(_('Start shopping'))}</h2>
<p style="margin:0;color:#57534e">{escape(_('Your e-mail keeps your cart, and lets us answer your questions.'))}</p>
<label>{escape(_('E-mail'))}<input type="email" name="email" required autocomplete="email"></label>
<label>{escape(_('Name (optional)'))}<input type="text" name="name" autocomplete="name"></label>
<p class="form-error" role="alert"></p>
<div style="display:flex;gap:10px;justify-content:end">
<button type="button" class="link cancel">{escape(_('Cancel'))}</button>
<button class="primary" type="submit">{escape(_('Continue'))}</button></div></form></dialog>"""


def store_strings() -> dict[str, str]:
    """What store.js shows, in the request's language (the browser's Accept-Language; see pages.language)."""
    return {
        'added': _('Added to your cart.'),
        'cart_empty': _('Your cart is empty.'),
        'remove': _('Remove'),
        'remove_label': _('Remove {product}'),
        'subtotal': _('Subtotal: {amount}'),
        'code_on_cart': _('Discount code {code} will be applied at checkout.'),
        'code_applied': _('Code {code} applied.'),
        'order_placed': _('Thank you! Order #{number} is placed: {total}.'),
        'order_placed_code': _('Thank you! Order #{number} is placed: {total} (with {code}).'),
        'error_status': _('Something went wrong ({status}).'),
    }


def _page(title: str, store_name: str, body: str) -> HTMLResponse:
    strings_json = json.dumps(store_strings()).replace('</', '<\\/')
    return HTMLResponse(f"""<!doctype html><html lang="{current_language()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title>
<style>{STYLE}</style></head><body><header><a href="/store">{escape(store_name)}</a>
<a class="cart-link" href="/store/cart">{escape(_('Cart'))} <span id="cart-count" class="badge" hidden>0</span></a>
</header><main>{body}</main>{start_dialog()}
<script type="application/json" id="store-strings">{strings_json}</script>
<script src="/store-assets/store.js" defer></script>
<script src="/widget.js" async></script></body></html>""", headers={'X-Content-Type-Options': 'nosniff',
                                                                 'Vary': 'Accept-Language'})


def _image(url: str, alt: str) -> str:
    if not url.startswith(('https://', 'http://', '/')):
        return '<img alt="">'
    return f'<img src="{escape(url)}" alt="{escape(alt)}" loading="lazy">'


def install_store_pages(app: FastAPI, runtime: Runtime) -> None:
    app.mount('/store-assets', StaticFiles(directory=ASSETS), name='store-assets')

    @app.get('/store', include_in_schema=False)
    async def store_home(q: str = '') -> HTMLResponse:
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            products = await catalog.search_online_products(db=db, currency=store.currency, q=q[:100], limit=60,
                                                            product_url_base=product_url_base(runtime))
        cards = ''.join(
            f'<a class="card" href="/store/products/{escape(p.handle)}">{_image(p.image_url, p.title)}'
            f'<div><h2>{escape(p.title)}</h2><span class="price">{escape(money(p.price, p.currency))}</span></div></a>'
            for p in products) or f'<p>{escape(_("No products found."))}</p>'
        search = (f'<form action="/store"><input type="search" name="q" value="{escape(q[:100])}" '
                  f'placeholder="{escape(_("Search products"))}" aria-label="{escape(_("Search products"))}"></form>')
        return _page(store.name, store.name, f'{search}<div class="grid">{cards}</div>')

    @app.get('/store/products/{handle}', include_in_schema=False)
    async def product_page(handle: str) -> HTMLResponse:
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
            try:
                p = await catalog.get_online_product(db=db, handle=handle[:255], currency=store.currency,
                                                     product_url_base=product_url_base(runtime))
            except NotFound:
                response = _page(_('Not found'), store.name, f'<h1>{escape(_("This product is not available."))}</h1>')
                response.status_code = 404
                return response
        variants = ''.join(
            f'<li><span>{escape(v.title)}</span><span>{escape(money(v.price, p.currency))} · '
            f'{escape(_("{n} in stock", n=v.available))}</span></li>' for v in p.variants)
        options = ''.join(
            f'<option value="{v.id}"{" disabled" if v.available < 1 else ""}>{escape(v.title)} · '
            f'{escape(money(v.price, p.currency))}{escape(" · " + _("sold out")) if v.available < 1 else ""}</option>'
            for v in p.variants)
        buy = (f'<form class="buy" id="add-to-cart"><label>{escape(_("Variant"))}'
               f'<select name="variant">{options}</select></label><label>{escape(_("Quantity"))}'
               f'<input type="number" name="quantity" value="1" min="1" max="99">'
               f'</label><button class="primary" type="submit">{escape(_("Add to cart"))}</button></form>'
               f'<p class="flash" role="status"></p>') if any(v.available > 0 for v in p.variants) else (
               f'<p>{escape(_("Sold out"))}</p>')
        body = (f'<div class="hero">{_image(p.image_url, p.title)}<div><h1>{escape(p.title)}</h1>'
                f'<p class="price">{escape(money(p.price, p.currency))}</p><p>{escape(p.vendor)}</p>'
                f'{buy}<ul class="variants">{variants}</ul></div></div>')
        return _page(p.title, store.name, body)

    @app.get('/store/cart', include_in_schema=False)
    async def cart_page() -> HTMLResponse:
        async with runtime.db.sessions() as db:
            store = await store_service.get_store(db)
        body = (f'<h1>{escape(_("Your cart"))}</h1><div id="cart" aria-live="polite"></div>'
                f'<form id="discount-form" class="buy"><label>{escape(_("Discount code"))}'
                f'<input type="text" name="code" maxlength="100" autocomplete="off"></label>'
                f'<button class="link" type="submit">{escape(_("Apply"))}</button></form>'
                f'<p id="cart-flash" class="flash" role="status"></p>'
                f'<button id="checkout" class="primary" type="button">{escape(_("Check out"))}</button>')
        return _page(_('Cart'), store.name, body)
