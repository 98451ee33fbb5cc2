"""The one translation function every UI string goes through.

English is the source language. Catalogues for the other languages plug in here (gettext via Babel)
without touching the call sites.
"""
from __future__ import annotations

import gettext
from contextvars import ContextVar

SUPPORTED_LANGUAGES = ('en',)
_current: ContextVar[str] = ContextVar('language', default='en')
_catalogues: dict[str, gettext.NullTranslations] = {'en': gettext.NullTranslations()}


def set_language(language: str) -> None:
    _current.set(language if language in _catalogues else 'en')


def _(message: str, **values: object) -> str:
    text = _catalogues.get(_current.get(), _catalogues['en']).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    text = _catalogues.get(_current.get(), _catalogues['en']).ngettext(singular, plural, n)
    return text.format(n=n, **values)
