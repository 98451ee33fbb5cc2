"""After sign-in, `next` may only lead to a page of this site (issue 16: an open redirect)."""
from __future__ import annotations

import pytest

from pages.login import safe_next


@pytest.mark.parametrize('target', [
    '/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', '/ /evil.example', '//evil.example',
    '/\\evil.example', 'https://evil.example', 'evil.example', '/\x00/evil.example', '\t//evil.example',
    '/inbox\x7f', '', None, '/' + 'a' * 3000,
])
def test_next_that_could_leave_the_site_falls_back_to_the_inbox(target: str | None) -> None:
    assert safe_next(target) == '/inbox'


@pytest.mark.parametrize('target', ['/inbox', '/inbox/42', '/customers/7?tab=orders', '/settings#mail', '/',
                                    '/inbox/%2F%2Fevil.example'])
def test_next_on_this_site_is_kept(target: str) -> None:
    assert safe_next(target) == target
