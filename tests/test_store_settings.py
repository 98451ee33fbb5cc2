"""U2 store settings: validation with clear errors, the MANAGE_STAFF permission, rotating the identity secret, and
the allowed widget domains reaching the chat page's frame-ancestors and the widget script per request."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac

import pytest
from nicegui.testing import User
from sqlmodel.ext.asyncio.session import AsyncSession

from services import store as store_service
from services.errors import Invalid, PermissionDenied
from services.permissions import Permission
from services.store import StoreSettingsIn
from services.tokens import identity_matches
from tests.conftest import App, add_staff, sign_in

GOOD = StoreSettingsIn(name='Nordic Knits', time_zone='Europe/Helsinki', currency='sek',
                       storefront_url='https://shop.example.com', widget_color='#AA3300', widget_position='left',
                       allowed_domains=['Shop.Example.com', 'www.example.com', 'shop.example.com'])


async def test_u2_the_owner_saves_valid_settings(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    store = await store_service.update_settings(db=db, actor=owner, settings=GOOD)
    assert (store.name, store.time_zone, store.currency) == ('Nordic Knits', 'Europe/Helsinki', 'SEK')
    assert (store.widget_color, store.widget_position) == ('#aa3300', 'left')
    assert store_service.allowed_domains(store) == ['shop.example.com', 'www.example.com']
    assert store_service.host_allowed(store, 'SHOP.example.com') and not store_service.host_allowed(store, 'evil.io')


@pytest.mark.parametrize(('change', 'code'), [
    ({'time_zone': 'Mars/Olympus'}, 'invalid_time_zone'),
    ({'time_zone': '../etc/passwd'}, 'invalid_time_zone'),
    ({'currency': 'EURO'}, 'invalid_currency'),
    ({'currency': 'XYZ'}, 'invalid_currency'),  # three letters, but no ISO 4217 code (Babel's list)
    ({'storefront_url': 'javascript:alert(1)'}, 'invalid_url'),
    ({'widget_color': 'red'}, 'invalid_colour'),
    ({'widget_position': 'top'}, 'invalid_position'),
    ({'allowed_domains': ['https://shop.example.com/']}, 'invalid_domain'),
    ({'allowed_domains': [f'shop{n}.example.com' for n in range(21)]}, 'too_many_domains'),
    ({'name': '  '}, 'missing_name'),
])
async def test_u2_invalid_settings_are_refused_with_a_clear_error(db: AsyncSession, change: dict[str, object],
                                                                  code: str) -> None:
    owner = await add_staff(db, is_owner=True)
    with pytest.raises(Invalid) as refused:
        await store_service.update_settings(db=db, actor=owner, settings=dataclasses.replace(GOOD, **change))
    assert refused.value.code == code and refused.value.message


async def test_u2_the_currency_must_be_an_iso_4217_code(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    with pytest.raises(Invalid, match='"ABC" is not an ISO 4217 currency code') as refused:
        await store_service.update_settings(db=db, actor=owner, settings=dataclasses.replace(GOOD, currency='abc'))
    assert refused.value.code == 'invalid_currency'
    store = await store_service.update_settings(db=db, actor=owner, settings=dataclasses.replace(GOOD, currency='dkk'))
    assert store.currency == 'DKK'


async def test_u2_settings_need_the_manage_staff_permission(db: AsyncSession) -> None:
    clerk = await add_staff(db)
    with pytest.raises(PermissionDenied):
        await store_service.update_settings(db=db, actor=clerk, settings=GOOD)
    with pytest.raises(PermissionDenied):
        await store_service.rotate_identity_secret(db=db, actor=clerk)
    manager = await add_staff(db, email='m@example.com', permissions=[Permission.MANAGE_STAFF])
    assert (await store_service.update_settings(db=db, actor=manager, settings=GOOD)).name == 'Nordic Knits'


async def test_u2_rotating_the_identity_secret_invalidates_old_signatures(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    old = (await store_service.get_store(db)).identity_secret
    signature = hmac.new(old.encode(), b'shopper@example.com', hashlib.sha256).hexdigest()
    assert identity_matches(old, 'shopper@example.com', signature)
    store = await store_service.rotate_identity_secret(db=db, actor=owner)
    assert store.identity_secret != old
    assert not identity_matches(store.identity_secret, 'shopper@example.com', signature)


async def test_u2_allowed_domains_reach_the_chat_page_and_widget_without_restart(app: App) -> None:
    client = app.http
    before = await client.get('/chat')
    assert 'frame-ancestors *' in before.headers['content-security-policy']
    async with app.runtime.db.sessions() as db:
        owner = await add_staff(db, is_owner=True)
        await store_service.update_settings(db=db, actor=owner, settings=GOOD)
    after = await client.get('/chat')
    policy = after.headers['content-security-policy']
    assert "frame-ancestors 'self' https://shop.example.com http://shop.example.com" in policy
    assert 'frame-ancestors *' not in policy
    widget = (await client.get('/widget.js')).text
    assert '"allowedHosts": ["shop.example.com", "www.example.com"]' in widget
    assert '"color": "#aa3300"' in widget and '"position": "left"' in widget


async def test_u2_the_store_settings_page_saves_and_shows_errors(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
    await sign_in(user)
    await user.open('/settings/store')
    user.find(marker='store-time-zone').clear().type('Nowhere/Land')
    user.find(marker='save-store').click()
    await user.should_see('"Nowhere/Land" is not a time zone. Use a name like Europe/Helsinki.')
    user.find(marker='store-time-zone').clear().type('Europe/Rome')
    user.find(marker='widget-domains').type('shop.example.com')
    user.find(marker='save-store').click()
    await user.should_see('Store settings saved')
    async with app.runtime.db.sessions() as db:
        store = await store_service.get_store(db)
    assert store.time_zone == 'Europe/Rome' and store.allowed_domains == 'shop.example.com'


async def test_u2_a_member_without_manage_staff_is_refused_the_store_settings(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    await user.open('/settings/store')
    await user.should_see('You do not have the permission to manage staff.')
    await user.should_not_see(marker='save-store')
