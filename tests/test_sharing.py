"""Sharing products (S1), discount codes (S2) and images (S3): services, API and the simulated staff user."""
from __future__ import annotations

import io

import pytest
from nicegui.testing import User
from PIL import Image
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Message
from services import catalog, sharing
from services.chat_sessions import SessionCreate, create_session
from services.errors import Invalid, NotFound, TooLarge
from services.events import EventBus
from services.images import clean_image, store_image
from tests.commerce_data import add_code, add_product
from tests.conftest import App, add_staff, sign_in


def png_bytes(size: tuple[int, int] = (40, 30), *, exif: bool = False, fmt: str = 'PNG') -> bytes:
    image = Image.new('RGB', size, (200, 40, 40))
    out = io.BytesIO()
    if exif:
        data = image.getexif()
        data[0x010F] = 'SecretCam'  # camera maker
        image.save(out, format='JPEG', exif=data)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


async def setup(db: AsyncSession):  # type: ignore[no-untyped-def]
    staff = await add_staff(db)
    session = (await create_session(db=db, session_in=SessionCreate(email='s@example.com'))).session
    return staff, session


async def test_search_never_lists_products_off_the_online_store(db: AsyncSession) -> None:
    await add_product(db, 'Wool blanket', sku='WB-1')
    await add_product(db, 'Wool wholesale bale', online=False)
    found = await catalog.search_online_products(db=db, currency='EUR', product_url_base='', q='wool')
    assert [p.title for p in found] == ['Wool blanket']
    assert [p.title for p in await catalog.search_online_products(db=db, currency='EUR', product_url_base='',
                                                                    q='wb-1')] == ['Wool blanket']


async def test_at_most_three_products_and_only_online_ones(db: AsyncSession) -> None:
    staff, session = await setup(db)
    variants = [await add_product(db, f'Item {n}') for n in range(4)]
    hidden = await add_product(db, 'Hidden', online=False)
    share = dict(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id, text='Look',
                 currency='EUR', product_url_base='http://shop/store/products')
    with pytest.raises(Invalid):
        await sharing.share_products(product_ids=[v.product_id for v in variants], **share)
    with pytest.raises(NotFound):
        await sharing.share_products(product_ids=[hidden.product_id], **share)
    view = await sharing.share_products(product_ids=[v.product_id for v in variants[:3]], **share)
    assert view.kind == 'products' and view.body == 'Look'
    assert [p['title'] for p in view.to_api()['products']] == ['Item 0', 'Item 1', 'Item 2']
    assert view.to_api()['products'][0]['url'] == 'http://shop/store/products/item-0'


@pytest.mark.parametrize('state', ['inactive', 'expired', 'used_up', 'scheduled'])
async def test_unusable_codes_are_refused_and_nothing_is_sent(db: AsyncSession, state: str) -> None:
    staff, session = await setup(db)
    code = await add_code(db, 'NOPE', active=state != 'inactive', expired=state == 'expired',
                          used_up=state == 'used_up', scheduled=state == 'scheduled')
    with pytest.raises(Invalid, match='Update the code before you share it'):
        await sharing.share_discount(db=db, bus=EventBus(), staff=staff, conversation_id=session.conversation_id,
                                     code_id=code.id)
    assert (await db.exec(select(Message).where(Message.kind == 'discount'))).all() == []


def test_a_text_file_renamed_png_is_refused() -> None:
    with pytest.raises(Invalid):
        clean_image(b'just some text pretending to be an image\n' * 10)


def test_an_oversized_image_is_refused() -> None:
    with pytest.raises(TooLarge):
        clean_image(b'\x89PNG' + b'0' * (10 * 1024 * 1024))


def gif_bytes(frames: int, size: int) -> bytes:
    images = [Image.new('RGB', (size, size), color=(n % 256, n * 7 % 256, n * 13 % 256)) for n in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format='GIF', save_all=True, append_images=images[1:], duration=40, loop=0)
    return out.getvalue()


@pytest.mark.parametrize(('frames', 'size'), [(301, 1), (120, 1000)])
def test_a_gif_with_too_many_frames_or_animated_pixels_is_refused_before_decoding_them(frames: int, size: int) -> None:
    """Every frame is decoded to re-encode it: small files of many or large frames were not capped (issue 16)."""
    data = gif_bytes(frames, size)
    assert len(data) < 10 * 1024 * 1024
    with pytest.raises(Invalid) as refused:
        clean_image(data)
    assert refused.value.code == 'image_too_large'


def test_a_small_animation_is_kept_animated() -> None:
    with Image.open(io.BytesIO(clean_image(gif_bytes(5, 20)).data)) as image:
        assert image.n_frames == 5


def test_metadata_is_removed() -> None:
    dirty = png_bytes(exif=True)
    assert b'SecretCam' in dirty
    clean = clean_image(dirty)
    assert clean.content_type == 'image/jpeg' and b'SecretCam' not in clean.data


def bearer(token: str) -> dict[str, str]:
    return {'Authorization': f'Bearer {token}'}


async def test_shared_code_applies_through_the_api_and_shows_in_checkout(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
        tent = await add_product(db, 'Tent', price_cents=10_000, inventory=3)
        code = await add_code(db, 'SAVE20', value_cents=2000)
    created = (await app.http.post('/api/v1/chat/sessions', json={'email': 'buyer@example.com'})).json()
    token = created['session_token']
    async with app.runtime.db.sessions() as db:
        await sharing.share_discount(db=db, bus=app.runtime.bus, staff=staff,
                                     conversation_id=created['conversation_id'], code_id=code.id, text='For you')
    shared = (await app.http.get('/api/v1/chat/messages', headers=bearer(token))).json()['messages']
    assert [(m['kind'], m['code'], m['body']) for m in shared] == [('discount', 'SAVE20', 'For you')]
    await app.http.post('/api/v1/storefront/cart/events', headers=bearer(token),
                        json={'action': 'add', 'variant_id': tent.id, 'quantity': 1})
    assert (await app.http.post('/api/v1/storefront/cart/discount', headers=bearer(token),
                                json={'code': shared[0]['code']})).status_code == 200
    order = (await app.http.post('/api/v1/storefront/checkout', headers=bearer(token), json={})).json()
    assert order['total'] == '80.00' and order['discount_code'] == 'SAVE20'


async def test_image_is_served_to_staff_and_its_own_session_only(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
    mine = (await app.http.post('/api/v1/chat/sessions', json={'email': 'img@example.com'})).json()
    other = (await app.http.post('/api/v1/chat/sessions', json={'email': 'other@example.com'})).json()
    name, image = await store_image(uploads_dir=app.runtime.config.uploads_dir, data=png_bytes())
    async with app.runtime.db.sessions() as db:
        view = await sharing.share_image(db=db, bus=app.runtime.bus, staff=staff,
                                         conversation_id=mine['conversation_id'], name=name, image=image)
    url = view.to_api()['url']
    ok = await app.http.get(f'{url}?token={mine["session_token"]}')
    assert ok.status_code == 200 and ok.headers['content-type'] == 'image/png'
    assert ok.headers['x-content-type-options'] == 'nosniff'
    assert (await app.http.get(f'{url}?token={other["session_token"]}')).status_code == 404
    assert (await app.http.get(url)).status_code == 404
    assert (await app.http.get('/media/..%2Fsecret')).status_code == 404
    await sign_in(user)
    staff_view = await user.http_client.get(url)  # the signed-in staff browser's cookies
    assert staff_view.status_code == 200 and staff_view.content == (app.runtime.config.uploads_dir / name).read_bytes()


async def test_staff_shares_products_and_sees_the_fourth_refused(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        session = (await create_session(db=db, session_in=SessionCreate(email='p@example.com', name='Pia'))).session
        products = [await add_product(db, f'Lamp {n}') for n in range(4)]
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    user.find(marker='share-products').click()
    await user.should_see(marker=f'pick-product-{products[3].product_id}')
    for variant in products:
        user.find(marker=f'pick-product-{variant.product_id}').click()
    await user.should_see('You can share at most 3 products at once.')
    await user.should_see('3 of 3 selected')
    user.find(marker='product-text').type('Here are our lamps')
    user.find(marker='send-products').click()
    await user.should_see('Here are our lamps')
    await user.should_see(marker='product-card')


async def test_staff_sees_why_an_expired_code_cannot_be_shared(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        session = (await create_session(db=db, session_in=SessionCreate(email='d@example.com', name='Dan'))).session
        await add_code(db, 'OLD10', expired=True)
        await add_code(db, 'NEW10')
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    user.find(marker='share-discount').click()
    await user.should_see('Expired', marker='code-status-OLD10')
    user.find(marker='share-code-OLD10').click()
    await user.should_see('The code OLD10 has expired. Update the code before you share it.')
    user.find(marker='share-code-NEW10').click()
    await user.should_see(marker='discount-card')


async def test_staff_create_a_discount_code_with_validation(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    await user.open('/discounts')
    await user.should_see('No discount codes yet.')
    user.find(marker='new-code').click()
    await user.should_see(marker='code')
    user.find(marker='code').type('SPRING15')
    user.find(marker='value').type('150')
    user.find(marker='save-code').click()
    await user.should_see('A percentage can be at most 100.')
    user.find(marker='value').clear().type('15')
    user.find(marker='save-code').click()
    await user.should_see('Code saved')
    await user.should_see('SPRING15')
    await user.should_see('Active')
