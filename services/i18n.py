"""The one translation function every UI string goes through, and how the language is chosen.

English is the source language. The other languages live in gettext catalogues under
`locale/<lang>/LC_MESSAGES/messages.po` (made with Babel: `make i18n-extract i18n-update i18n-compile`). A compiled
`messages.mo` is used when it is at least as new as its `.po`; otherwise the `.po` is compiled in memory, so a fresh
checkout works without `make i18n-compile`.

Which language `_()` speaks, first match wins:
1. `with language('de'): ...` (a ContextVar) for code that knows whose language it needs, such as an e-mail to a
   shopper; it counts only for the viewer it was entered for, so a UI callback that runs inside it for another
   staff member's page still gets that member's language;
2. the registered viewer resolver: the app registers one that returns the language of the current NiceGUI client
   (set from the staff member's profile when a page is built), which also holds in event handlers and bus callbacks
   because those run in the client's slot, not in the task that built the page;
3. the request's language (`set_request_language`, from the browser's Accept-Language, set by a middleware);
4. English.
"""
from __future__ import annotations

import gettext
import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

SOURCE_LANGUAGE = 'en'
SUPPORTED_LANGUAGES: tuple[str, ...] = ('en', 'da', 'de', 'fi', 'nl', 'it')
LANGUAGE_NAMES: dict[str, str] = {'en': 'English', 'da': 'Dansk', 'de': 'Deutsch', 'fi': 'Suomi',
                                  'nl': 'Nederlands', 'it': 'Italiano'}
"""Each language in its own name: what the language menu shows, whatever the current language is."""
LOCALE_DIR = Path(__file__).resolve().parent.parent / 'locale'
DOMAIN = 'messages'

ViewerResolver = Callable[[], 'tuple[object, str | None] | None']
"""Returns None outside of any viewer (API, background work), else (viewer key, language or None)."""

_explicit: ContextVar[tuple[str, object] | None] = ContextVar('inbox_language', default=None)
_request: ContextVar[str | None] = ContextVar('inbox_request_language', default=None)
_resolver: ViewerResolver | None = None
_catalogues: dict[str, gettext.NullTranslations] = {SOURCE_LANGUAGE: gettext.NullTranslations()}
_lock = threading.Lock()


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Marks a string for extraction without translating it (module-level constants); `_()` it when shown."""
    return message


def NP_(context: str, message: str) -> str:  # noqa: N802
    """Like N_, for a word that needs a context to translate right (Italian 'Aperto' order, 'Aperta' conversation);
    show it with `pgettext(context, message)`."""
    return message


def normalize(code: str | None) -> str | None:
    """'de-DE', 'de_AT' or 'DE' -> 'de' when we have that language, else None."""
    if not code:
        return None
    base = code.strip().replace('_', '-').split('-')[0].lower()
    if base in ('nb', 'nn', 'no'):  # no Norwegian catalogue; Danish is the closest we have
        return None
    return base if base in SUPPORTED_LANGUAGES else None


def negotiate(accept_language: str | None) -> str | None:
    """The best supported language of an Accept-Language header (q-values honoured), or None."""
    if not accept_language:
        return None
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(',')[:20]):
        tag, _sep, params = part.strip().partition(';')
        quality = 1.0
        for param in params.split(';'):
            key, _eq, value = param.strip().partition('=')
            if key == 'q':
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and tag.strip():
            choices.append((-quality, index, tag.strip()))
    for _q, _i, tag in sorted(choices):
        found = normalize(tag)
        if found:
            return found
    return None


def _load(lang: str) -> gettext.NullTranslations:
    """The catalogue of one language: its .mo when current, else its .po compiled in memory."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    folder = LOCALE_DIR / lang / 'LC_MESSAGES'
    po, mo = folder / f'{DOMAIN}.po', folder / f'{DOMAIN}.mo'
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open('rb') as handle:
            return Translations(handle, domain=DOMAIN)
    if not po.is_file():
        return gettext.NullTranslations()
    with po.open('rb') as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def translations(lang: str) -> gettext.NullTranslations:
    found = _catalogues.get(lang)
    if found is not None:
        return found
    if lang not in SUPPORTED_LANGUAGES:
        return _catalogues[SOURCE_LANGUAGE]
    with _lock:
        if lang not in _catalogues:
            _catalogues[lang] = _load(lang)
        return _catalogues[lang]


def reload_catalogues() -> None:
    """Forget loaded catalogues (after the .po files changed)."""
    with _lock:
        _catalogues.clear()
        _catalogues[SOURCE_LANGUAGE] = gettext.NullTranslations()


def register_viewer_resolver(resolver: ViewerResolver | None) -> None:
    """The UI layer tells us how to find the current viewer and their language (see app.main)."""
    global _resolver  # noqa: PLW0603  (one resolver per process, set once at start)
    _resolver = resolver


def _viewer() -> tuple[object, str | None] | None:
    if _resolver is None:
        return None
    try:
        return _resolver()
    except Exception:  # a broken resolver must never break a page: fall back to the next rule
        return None


def current_language() -> str:
    viewer = _viewer()
    explicit = _explicit.get()
    if explicit is not None and explicit[1] == (viewer[0] if viewer else None):
        return explicit[0]
    if viewer is not None and viewer[1]:
        return viewer[1]
    return _request.get() or SOURCE_LANGUAGE


@contextmanager
def language(code: str | None) -> Iterator[str]:
    """`with language(customer.locale): ...`: translate in that language (English when we lack it)."""
    lang = normalize(code) or SOURCE_LANGUAGE
    viewer = _viewer()
    token = _explicit.set((lang, viewer[0] if viewer else None))
    try:
        yield lang
    finally:
        _explicit.reset(token)


def set_language(code: str | None) -> None:
    """Set the language for the rest of the current task (prefer `with language(...)`)."""
    viewer = _viewer()
    _explicit.set((normalize(code) or SOURCE_LANGUAGE, viewer[0] if viewer else None))


def set_request_language(code: str | None) -> None:
    """The language of the request being handled (the middleware sets it from Accept-Language)."""
    _request.set(normalize(code))


def _(message: str, **values: object) -> str:
    text = translations(current_language()).gettext(message)
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):  # a broken translation: the English text rather than an error
        return message.format(**values)


def pgettext(context: str, message: str, **values: object) -> str:
    """`_()` for a message whose translation depends on where it is shown (same English word, other meanings)."""
    text = translations(current_language()).pgettext(context, message)
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return message.format(**values)


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    text = translations(current_language()).ngettext(singular, plural, n)
    try:
        return text.format(n=n, **values)
    except (KeyError, IndexError, ValueError):
        return (singular if n == 1 else plural).format(n=n, **values)
