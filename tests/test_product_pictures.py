"""Demo product pictures: every demo product gets a drawn PNG, served to anyone, shown by the demo store."""
from __future__ import annotations

import io

from PIL import Image
from sqlmodel import select

from app.demo import PRODUCTS, load_demo
from db.models import Product
from services.product_pictures import draw_picture
from tests.conftest import App


async def test_demo_products_have_pictures_that_load_for_anyone_and_the_store_shows_them(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        await load_demo(db, hash_password=lambda password: 'x', owner_password='demo password',
                        uploads_dir=app.settings.uploads_dir)
        products = (await db.exec(select(Product))).all()
    assert len(products) == len(PRODUCTS)
    urls = {product.image_url for product in products}
    assert len(urls) == len(products) and all(url.startswith('/media/products/') for url in urls)
    for url in urls:
        response = await app.http.get(url)  # no staff sign-in, no chat token: the catalogue is public
        assert response.status_code == 200 and response.headers['content-type'] == 'image/png'
        assert response.headers['x-content-type-options'] == 'nosniff'
        assert Image.open(io.BytesIO(response.content)).size == (480, 480)
    store = await app.http.get('/store')
    shown = [p for p in products if p.online_store and p.status == 'active']
    assert shown and any(p.image_url in store.text for p in shown)
    for bad in ('/media/products/nope.png', '/media/products/..%2Fsecret', '/media/products/.hidden.png'):
        assert (await app.http.get(bad)).status_code == 404


def test_each_product_type_has_its_own_picture_and_the_initial_changes_it() -> None:
    socks, jacket = draw_picture('Wool Socks', 'Socks'), draw_picture('Wool Socks', 'Jackets')
    assert socks != jacket
    assert draw_picture('Alpine Socks', 'Socks') != socks  # the badge's initial
    assert draw_picture('Wool Socks', 'Unheard Of').startswith(b'\x89PNG')  # an unknown type still gets one
