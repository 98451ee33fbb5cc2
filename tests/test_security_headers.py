"""Every answer carries its security headers (issue 16): staff pages cannot be framed, the chat page can be framed
where the widget is embedded, API answers run nothing, and HTTPS answers ask browsers to stay on HTTPS."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import App, make_settings


def policy(response_headers: dict[str, str]) -> dict[str, str]:
    return {part.split(' ', 1)[0]: part.split(' ', 1)[-1] for part in
            (p.strip() for p in response_headers['content-security-policy'].split(';'))}


@pytest.mark.parametrize('path', ['/login', '/inbox', '/settings'])
async def test_staff_pages_cannot_be_framed_and_load_nothing_from_elsewhere(app: App, path: str) -> None:
    response = await app.http.get(path)
    assert response.headers['x-frame-options'] == 'DENY'
    rules = policy(dict(response.headers))
    assert rules['frame-ancestors'] == "'none'" and rules['default-src'] == "'self'"
    assert rules['object-src'] == "'none'" and 'http' not in rules['script-src']
    assert response.headers['x-content-type-options'] == 'nosniff'
    assert 'strict-transport-security' not in response.headers  # plain HTTP here


async def test_the_chat_page_may_be_framed_by_storefronts_and_runs_only_our_script(app: App) -> None:
    response = await app.http.get('/chat')
    assert response.status_code == 200 and 'x-frame-options' not in response.headers
    rules = policy(dict(response.headers))
    assert rules['frame-ancestors'] == '*' and rules['script-src'] == "'self'"


@pytest.mark.parametrize(('method', 'path'), [('GET', '/api/v1/openapi.json'), ('POST', '/api/v1/chat/messages'),
                                              ('GET', '/api/v1/storefront/products')])
async def test_api_answers_run_nothing_and_cannot_be_framed(app: App, method: str, path: str) -> None:
    response = await app.http.request(method, path, json={})
    rules = policy(dict(response.headers))
    assert rules['default-src'] == "'none'" and 'sandbox' in rules and rules['frame-ancestors'] == "'none'"
    assert response.headers['x-content-type-options'] == 'nosniff'


async def test_answers_over_https_ask_browsers_to_stay_on_https(app: App) -> None:
    response = await app.http.get('https://test/login')
    assert response.headers['strict-transport-security'].startswith('max-age=')


async def test_another_site_cannot_sign_staff_out(app: App) -> None:
    """GET /logout from a link or image on another site once signed the staff member out (issue 16)."""
    cross = await app.http.get('/logout', headers={'sec-fetch-site': 'cross-site'})
    assert cross.status_code in (302, 307) and cross.headers['location'] == '/inbox'
    own = await app.http.get('/logout', headers={'sec-fetch-site': 'same-origin'})
    assert own.headers['location'] == '/login'


def test_the_data_dir_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / 'fresh')
    settings.prepare_data_dir()
    assert settings.data_dir.stat().st_mode & 0o777 == 0o700
    assert settings.uploads_dir.stat().st_mode & 0o777 == 0o700
