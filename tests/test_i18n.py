"""Issue 9: the inbox in six languages. Catalogues complete, placeholders kept, the viewer's language everywhere."""
from __future__ import annotations

import html
import json
import re
import shutil
import string
import time
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from components.conversation_rows import ConversationRows
from db.models import EmailOutbox, Staff
from pages.customer import chat_strings, widget_labels
from pages.store import store_strings
from services import carts, conversations, i18n, orders, sharing, tagging
from services.chat_sessions import SessionCreate, create_session
from services.i18n import _, language, ngettext, pgettext
from services.locale_format import money
from services.mail.compose import compose, load_context
from services.mail.config import MailConfig
from services.messages import send_staff_reply
from services.staff import set_language
from tests.commerce_data import add_code, add_product
from tests.conftest import STAFF_PASSWORD, App, add_staff
from tests.list_view import list_shows, row_texts
from tests.shoppers import shopper_says

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ('da', 'de', 'fi', 'nl', 'it')


# ---------- catalogues ----------

@cache
def code_messages() -> dict[tuple[str | None, str | tuple[str, ...]], str]:
    """Every message the code marks, extracted with babel.cfg (as `make i18n-extract` does) -> where it is."""
    with (ROOT / 'babel.cfg').open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[tuple[str | None, str | tuple[str, ...]], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(str(ROOT), method_map, options_map):
        key = (context, message if isinstance(message, str) else tuple(message))
        found.setdefault(key, f'{filename}:{lineno}')
    return found


@cache
def catalogue(lang: str) -> Catalog:
    with (i18n.LOCALE_DIR / lang / 'LC_MESSAGES' / 'messages.po').open('rb') as handle:
        return read_po(handle, locale=lang)


def fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_extraction_finds_strings_everywhere_also_inside_f_strings() -> None:
    messages = code_messages()
    assert len(messages) > 300
    for expected in ((None, 'Conversations'), (None, 'Your cart'),  # the second one only inside an f-string
                     (None, 'Wholesale'), ('order', 'Fulfilled'),  # N_ and NP_ constants
                     (None, ('Customer for {n} day', 'Customer for {n} days'))):
        assert expected in messages, expected


@pytest.mark.parametrize('lang', LANGUAGES)
def test_every_string_in_the_code_is_translated(lang: str) -> None:
    """Fails when code uses a string that a catalogue lacks, or has only fuzzy or empty (`make i18n-update`)."""
    po = catalogue(lang)
    missing = []
    for (context, msgid), where in sorted(code_messages().items(), key=str):
        entry = po.get(msgid if isinstance(msgid, str) else msgid[0], context=context)
        forms = [] if entry is None else (list(entry.string) if isinstance(entry.string, (list, tuple))
                                           else [entry.string])
        plural_ok = entry is not None and isinstance(msgid, tuple) == entry.pluralizable
        if entry is None or entry.fuzzy or not forms or not all(forms) or not plural_ok:
            missing.append(f'{where}: {msgid!r}' + (f' (context {context!r})' if context else ''))
    assert not missing, f'{len(missing)} strings not translated in {lang}:\n' + '\n'.join(missing)


@pytest.mark.parametrize('lang', LANGUAGES)
def test_translations_keep_every_placeholder(lang: str) -> None:
    broken = []
    for entry in catalogue(lang):
        if not entry.id or not entry.string:
            continue
        if isinstance(entry.id, tuple):
            wanted = fields(entry.id[1])
            forms = list(entry.string)
        else:
            wanted = fields(entry.id)
            forms = [entry.string]
        for form in forms:
            try:
                found = fields(form)
                form.format(**{name: 'x' for name in found})
            except (ValueError, KeyError, IndexError) as error:
                broken.append(f'{entry.id!r} -> {form!r}: {error}')
                continue
            if found != wanted:
                broken.append(f'{entry.id!r} -> {form!r}: placeholders {sorted(found)} instead of {sorted(wanted)}')
    assert not broken, '\n'.join(broken)


@pytest.mark.parametrize('lang', LANGUAGES)
def test_catalogue_headers_name_the_language_and_its_plurals(lang: str) -> None:
    po = catalogue(lang)
    assert str(po.locale) == lang and po.num_plurals == 2 and not po.fuzzy


def test_a_missing_or_stale_mo_falls_back_to_the_po(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / 'fi' / 'LC_MESSAGES'
    folder.mkdir(parents=True)
    shutil.copy(i18n.LOCALE_DIR / 'fi' / 'LC_MESSAGES' / 'messages.po', folder / 'messages.po')
    monkeypatch.setattr(i18n, 'LOCALE_DIR', tmp_path)
    assert i18n._load('fi').gettext('Conversations') == 'Keskustelut'  # no .mo at all: compiled in memory
    (folder / 'messages.mo').write_bytes(b'')  # an unreadable .mo that is older than the .po is not used
    old = time.time() - 3600
    import os
    os.utime(folder / 'messages.mo', (old, old))
    assert i18n._load('fi').gettext('Conversations') == 'Keskustelut'


# ---------- choosing the language ----------

def test_accept_language_is_negotiated() -> None:
    assert i18n.negotiate('de-DE,de;q=0.9,en;q=0.8') == 'de'
    assert i18n.negotiate('sv-SE,sv;q=0.9,fi;q=0.8,en;q=0.5') == 'fi'
    assert i18n.negotiate('en;q=0.2, it;q=0.9') == 'it'
    assert i18n.negotiate('fr-FR,fr;q=0.9') is None and i18n.negotiate('') is None
    assert i18n.normalize('nl_BE') == 'nl' and i18n.normalize('pt') is None


def test_viewer_language_beats_the_request_and_explicit_language_stays_with_its_viewer() -> None:
    previous = i18n._resolver
    viewer: list[tuple[object, str | None] | None] = [None]
    i18n.register_viewer_resolver(lambda: viewer[0])
    try:
        assert _('Conversations') == 'Conversations'
        viewer[0] = ('client-1', 'fi')
        assert _('Conversations') == 'Keskustelut'
        with language('de'):  # entered for client-1 (for example an e-mail composed in a handler)
            assert _('Conversations') == 'Unterhaltungen'
            viewer[0] = ('client-2', 'it')  # a callback for another staff member's page runs inside it
            assert _('Conversations') == 'Conversazioni'
            viewer[0] = ('client-1', 'fi')
            assert pgettext('order', 'Open') == 'Offen'
        assert ngettext('Customer for {n} day', 'Customer for {n} days', 2) == 'Asiakkaana 2 päivää'
        viewer[0] = None
        with language('nl'):
            assert _('Assigned to {name}', name='Ana') == 'Toegewezen aan Ana'
        with language('xx'):
            assert _('Conversations') == 'Conversations'
    finally:
        i18n.register_viewer_resolver(previous)


def test_money_is_written_the_way_each_language_writes_it() -> None:
    assert money('1234.50', 'EUR', lang='en') == '1,234.50 EUR'
    assert money('55', 'EUR', lang='de') == '55,00\xa0€'
    assert money('55', 'EUR', lang='nl') == '€\xa055,00'
    assert money('not a number', 'EUR', lang='fi') == 'not a number EUR'


# ---------- the inbox in each language (NiceGUI's simulated user) ----------

@cache
def english_leftovers(lang: str) -> list[tuple[str, re.Pattern[str]]]:
    """For each English msgid whose translation differs: a pattern that matches it (placeholders filled in
    with anything, optionally followed by a count in brackets, or as the prefix of a longer text). An English text
    that the language also writes unchanged somewhere is no leftover: a Dutch order is 'Open' while a Dutch
    conversation is 'Actief'."""
    pairs = [pair for entry in catalogue(lang) if entry.id
             for pair in (zip(entry.id, entry.string, strict=False) if isinstance(entry.id, tuple)
                          else [(entry.id, entry.string)])]
    kept = {english for english, translated in pairs if english == translated}
    patterns = []
    for english in sorted({english for english, _translated in pairs} - kept):
        if len(english) < 2:
            continue
        body = ''.join(re.escape(literal) + ('.+?' if name is not None else '')
                       for literal, name, _spec, _conv in string.Formatter().parse(english))
        if english.endswith(' '):  # a prefix such as 'You: '
            body += '.*'
        patterns.append((english, re.compile(rf'{body}(?: \(\d+\))?', re.DOTALL)))
    return patterns


def shown_texts(user: User) -> set[str]:
    """Every text the page holds: labels, buttons, tooltips, placeholders, aria-labels, tabs and options."""
    texts: set[str] = set()
    for element in user.current_layout.descendants(include_self=True):
        if isinstance(element, ConversationRows):  # drawn in the browser from data
            texts.update(row_texts(element))
        text = getattr(element, 'text', None)
        if isinstance(text, str):
            texts.add(text)
        for prop in ('label', 'placeholder', 'aria-label', 'title'):
            value = element.props.get(prop)
            if isinstance(value, str):
                texts.add(value)
        options = getattr(element, 'options', None)
        if isinstance(options, dict):
            texts.update(str(value) for value in options.values())
    return {t.strip() for t in texts if t and t.strip()}


def english_in(texts: set[str], lang: str) -> list[str]:
    return sorted({f'{text!r} (English {english!r})' for text in texts
                   for english, pattern in english_leftovers(lang) if pattern.fullmatch(text)})


async def busy_conversation(app: App, staff_language: str) -> int:
    """A conversation with everything the inbox can show: topic, assignment, cart, an order, shared items, an
    offline shopper and a staff reply waiting for e-mail."""
    async with app.runtime.db.sessions() as db:
        ana = await add_staff(db)
        await add_staff(db, email='ben@example.com', name='Ben Holm')
        assert ana.id is not None
        await set_language(db=db, staff_id=ana.id, language=staff_language)
        socks = await add_product(db, 'Wool socks', price_cents=1250, inventory=9)
        lamp = await add_product(db, 'Lantern', price_cents=4500, inventory=3)
        await add_code(db, 'HIKE10')
        session = (await create_session(db=db, session_in=SessionCreate(
            email='sara@example.com', name='Sara Lind', timezone='Europe/Helsinki', locale='sv-SE'))).session
        cid = session.conversation_id
        await shopper_says(app.runtime.shopper_messages, session, 'Hei! 👋', client_msg_id='1')
        await carts.change_cart(db=db, bus=app.runtime.bus, chat_session=session, action='add',
                                variant_id=lamp.id, quantity=1, currency='EUR')
        await orders.checkout(db=db, bus=app.runtime.bus, chat_session=session, currency='EUR')
        await carts.change_cart(db=db, bus=app.runtime.bus, chat_session=session, action='add',
                                variant_id=socks.id, quantity=2, currency='EUR')
        ana = await db.get(Staff, ana.id)
        await tagging.set_topic(db=db, bus=app.runtime.bus, staff=ana, conversation_id=cid, topic='shipping')
        await conversations.assign(db=db, bus=app.runtime.bus, staff=ana, conversation_id=cid, assignee_id=ana.id)
        code = await sharing.list_discount_codes(db=db, search='HIKE10')
        await sharing.share_discount(db=db, bus=app.runtime.bus, staff=ana, conversation_id=cid, code_id=code[0].id)
        await send_staff_reply(db=db, bus=app.runtime.bus, staff=ana, conversation_id=cid, body='👍',
                               mail_domain='shop.test')
    return cid


async def staff_signs_in(user: User) -> None:
    await user.open('/login')
    user.find(marker='login-email').type('ana@example.com')
    user.find(marker='login-password').type(STAFF_PASSWORD)
    user.find(marker='login-submit').click()
    await user.should_see(marker='language-menu', retries=30)


@pytest.mark.parametrize('lang', LANGUAGES)
async def test_inbox_shows_no_english_to_staff_who_chose_another_language(app: App, user: User, lang: str) -> None:
    cid = await busy_conversation(app, lang)
    await staff_signs_in(user)
    await user.open(f'/inbox/{cid}')
    await user.should_see(marker='thread-name')
    await list_shows(user, lambda rows: bool(rows) and rows[0]['mine'])  # "Assigned to you", in the row's words
    with language(lang):
        await user.should_see(_('Subtotal {amount}', amount=money('25.00', 'EUR')))
        await user.should_see(pgettext('order', 'Open'))  # the order just placed
        await user.should_see(_('Assigned to {assignee} by {actor}', assignee='Ana Berg', actor='Ana Berg'))
    # dialogs built in click handlers, which run in other tasks than the page: still the staff member's language
    user.find(marker='thread-assign').click()
    await user.should_see(marker='staff-search')
    user.find(marker='share-products').click()
    await user.should_see(marker='product-search')
    user.find(marker='share-discount').click()
    await user.should_see(marker='code-search')
    user.find(marker='set-topic').click()
    await user.should_see(marker='topic-choice')
    texts = shown_texts(user)
    with language(lang):
        assert _('Conversations') in texts and _('Last order placed') in texts and _('Assign conversation') in texts
        assert _('Assigned to you') in texts and _('Open conversation with {name}', name='Sara Lind') in texts
    leftovers = english_in(texts, lang)
    assert not leftovers, f'English left in the {lang} inbox:\n' + '\n'.join(leftovers)


# ---------- the other staff pages: sign-in, empty inbox, shortcuts, customer, order, codes, settings ----------

DATA_AND_KEYS = re.compile(
    r'[^A-Za-z]*'  # numbers, times, money, counts
    r'|.*@.*|/.*|#\d+|.* UTC · .*|\d+ × .*'  # addresses, paths, order numbers, when and who, order lines
    r'|j / k|Enter|Shift \+ Enter|Alt \+ N|[a-z]'  # keys of the shortcuts
    r'|Europe/Copenhagen|HIKE10|OLD5|SOON5|GONE5|OFF5|My store|Sara Lind|Ana Berg|Noa Nord'  # the test's data
    r'|' + '|'.join(i18n.LANGUAGE_NAMES.values()))  # the language menu lists each language in its own name


@cache
def translation_patterns(lang: str) -> list[re.Pattern[str]]:
    """Every translation of the catalogue as a pattern (placeholders filled in with anything, a count in brackets)."""
    patterns = []
    for entry in catalogue(lang):
        if not entry.id:
            continue
        for translated in (entry.string if isinstance(entry.string, tuple) else (entry.string,)):
            body = ''.join(re.escape(literal) + ('.+?' if name is not None else '')
                           for literal, name, _spec, _conv in string.Formatter().parse(translated))
            patterns.append(re.compile(rf'{body}(?: \(\d+\))?', re.DOTALL))
    return patterns


def not_from_the_catalogue(texts: set[str], lang: str) -> list[str]:
    """Texts that are neither a translation nor data: a string the code shows without `_()` (not in any catalogue,
    so `english_in` cannot see it), or one put together in code around the translations."""
    return sorted(text for text in texts if not DATA_AND_KEYS.fullmatch(text)
                  and not any(pattern.fullmatch(text) for pattern in translation_patterns(lang)))


async def a_paid_order_and_codes_in_every_state(app: App) -> tuple[int, int]:
    """Sara paid with a discount code; the codes page has one code of each status. (customer id, order id)"""
    async with app.runtime.db.sessions() as db:
        lantern = await add_product(db, 'Lantern', price_cents=4500, inventory=3)
        await add_code(db, 'HIKE10')
        await add_code(db, 'OLD5', expired=True)
        await add_code(db, 'SOON5', scheduled=True)
        await add_code(db, 'GONE5', used_up=True)
        await add_code(db, 'OFF5', active=False)
        session = (await create_session(db=db, session_in=SessionCreate(
            email='sara@example.com', name='Sara Lind', timezone='Europe/Helsinki'))).session
        await shopper_says(app.runtime.shopper_messages, session, 'Hei!', client_msg_id='1')
        await carts.change_cart(db=db, bus=app.runtime.bus, chat_session=session, action='add',
                                variant_id=lantern.id, quantity=1, currency='EUR')
        await carts.set_discount_code(db=db, bus=app.runtime.bus, chat_session=session, code='HIKE10', currency='EUR')
        order = await orders.checkout(db=db, bus=app.runtime.bus, chat_session=session, currency='EUR')
        return session.customer_id, order.id


@pytest.mark.parametrize('lang', LANGUAGES)
async def test_other_staff_pages_show_no_english_to_staff_who_chose_another_language(app: App, user: User,
                                                                                   lang: str) -> None:
    async with app.runtime.db.sessions() as db:
        owner = await add_staff(db, is_owner=True)
        no_chat = await add_staff(db, email='noa@example.com', name='Noa Nord', can_chat=False)
        for member in (owner, no_chat):
            assert member.id is not None
            await set_language(db=db, staff_id=member.id, language=lang)
    pages: dict[str, set[str]] = {}

    # The sign-in page in the browser's language, with its error.
    visitor = app.new_user()
    visitor.http_client.headers['Accept-Language'] = f'{lang},en;q=0.5'
    await visitor.open('/login')
    visitor.find(marker='login-email').type('ana@example.com')
    visitor.find(marker='login-password').type('not the password')
    visitor.find(marker='login-submit').click()
    with language(lang):
        await visitor.should_see(_('Wrong e-mail or password.'), retries=30)
    pages['/login'] = shown_texts(visitor)

    # The empty inbox, its keyboard help (`?`), notification and language menus; then a filter that finds nothing.
    await staff_signs_in(user)
    with language(lang):
        await user.should_see(_('No open conversations'), retries=30)
        await user.should_see(_('Select a conversation'))
        pages['/inbox (empty)'] = shown_texts(user)
        user.find(marker='topic-filter').elements.pop().set_value('wholesale')
        await user.should_see(_('No conversations match these filters.'), retries=30)
        pages['/inbox (filtered)'] = shown_texts(user)

    customer_id, order_id = await a_paid_order_and_codes_in_every_state(app)
    with language(lang):
        await user.open(f'/customers/{customer_id}')
        user.find(_('Phone')).type('call me maybe')
        user.find(marker='save-customer').click()
        await user.should_see(_('The phone number may contain digits, spaces, +, (, ), - and /.'), retries=30)
        pages['/customers/{id}'] = shown_texts(user)
        for path in ('/customers/9999', f'/orders/{order_id}', '/orders/9999'):
            await user.open(path)
            pages[path] = shown_texts(user)
        assert _('Discount {code}', code='HIKE10') in pages[f'/orders/{order_id}']
        await user.open('/discounts')
        user.find(marker='new-code').click()
        await user.should_see(marker='save-code')
        user.find(marker='save-code').click()  # an empty code is refused with a message
        await user.should_see(_('A code has 2 to 40 letters, digits, - or _.'), retries=30)
        pages['/discounts (new code)'] = shown_texts(user)
        await user.open('/discounts')
        user.find(marker='edit-HIKE10').click()
        await user.should_see(_('Edit code'))
        pages['/discounts (edit)'] = shown_texts(user)
        for status in ('Active', 'Expired', 'Scheduled', 'Used up', 'Inactive'):
            assert _(status) in pages['/discounts (edit)']
        await user.open('/settings')
        await user.should_see(marker='send-test-email')
        pages['/settings'] = shown_texts(user)

    # A member without the chat permission, who is not the owner either.
    other = app.new_user()
    await other.open('/login')
    other.find(marker='login-email').type('noa@example.com')
    other.find(marker='login-password').type(STAFF_PASSWORD)
    other.find(marker='login-submit').click()
    await other.should_see(marker='language-menu', retries=30)
    pages['/inbox (no chat permission)'] = shown_texts(other)
    await other.open('/settings')
    pages['/settings (not the owner)'] = shown_texts(other)

    with language(lang):
        assert _('Keyboard shortcuts') in pages['/inbox (empty)'] and _('Show this list') in pages['/inbox (empty)']
        assert _('Only the store owner can see the settings.') in pages['/settings (not the owner)']
        assert _('You do not have the online-store chat permission.') in pages['/inbox (no chat permission)']
    problems = [f'{page}: {found}' for page, texts in pages.items()
                for found in english_in(texts, lang) + [f'{text!r} (not in the catalogue)'
                                                        for text in not_from_the_catalogue(texts, lang)]]
    assert not problems, f'English left on {lang} staff pages:\n' + '\n'.join(problems)


async def test_staff_pick_their_language_in_the_header_menu(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await staff_signs_in(user)
    await user.should_see('Conversations')  # first sign-in: the browser's language (here none, so English)
    user.find(marker='language-fi').click()
    await user.should_see('Keskustelut', retries=30)
    async with app.runtime.db.sessions() as db:
        staff = (await db.exec(select(Staff))).one()
    assert staff.language == 'fi'
    other = app.new_user()  # the choice is the staff member's, not the browser's: another sign-in keeps it
    await staff_signs_in(other)
    await other.should_see('Keskustelut')


async def test_first_sign_in_takes_the_browsers_language(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    user = app.new_user()
    user.http_client.headers['Accept-Language'] = 'nl-NL,nl;q=0.9,en;q=0.5'
    await user.open('/login')
    await user.should_see('Log in om je klanten te antwoorden.')  # the sign-in page already speaks it
    user.find(marker='login-email').type('ana@example.com')
    user.find(marker='login-password').type(STAFF_PASSWORD)
    user.find(marker='login-submit').click()
    await user.should_see('Gesprekken', retries=30)
    async with app.runtime.db.sessions() as db:
        assert (await db.exec(select(Staff.language))).one() == 'nl'


# ---------- the shopper's chat page, widget and demo store ----------

def page_strings(page: str, element_id: str) -> dict[str, str]:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.DOTALL)
    assert found, element_id
    return json.loads(found.group(1).replace('<\\/', '</'))


@pytest.mark.parametrize('lang', LANGUAGES)
async def test_chat_page_strings_are_in_the_asked_language(app: App, lang: str) -> None:
    response = await app.http.get(f'/chat?lang={lang}', headers={'Accept-Language': 'en'})
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    strings = page_strings(response.text, 'strings')
    with language('en'):
        english = chat_strings()
    with language(lang):
        assert strings == chat_strings()
        assert html.escape(_('Please enable JavaScript to chat with us.')) in response.text
    leftovers = english_in(set(strings.values()), lang)
    assert not leftovers, f'English left in the {lang} chat page:\n' + '\n'.join(leftovers)
    assert strings['title'] != english['title'] and strings['start_button'] != english['start_button']


async def test_chat_page_follows_the_browser_and_falls_back_to_english(app: App) -> None:
    german = await app.http.get('/chat', headers={'Accept-Language': 'de-DE,de;q=0.9,en;q=0.8'})
    assert '<html lang="de">' in german.text and page_strings(german.text, 'strings')['title'] == 'Chatte mit uns'
    french = await app.http.get('/chat', headers={'Accept-Language': 'fr-FR'})
    assert '<html lang="en">' in french.text and page_strings(french.text, 'strings')['title'] == 'Chat with us'
    bad = await app.http.get('/chat?lang=xx', headers={'Accept-Language': 'it'})
    assert '<html lang="it">' in bad.text


async def test_widget_knows_its_label_in_every_language(app: App) -> None:
    script = (await app.http.get('/widget.js')).text
    assert '{/*LABELS*/}' not in script and json.dumps(widget_labels()) in script
    assert widget_labels()['fi'] == 'Keskustele kanssamme' and widget_labels()['en'] == 'Chat with us'


@pytest.mark.parametrize('lang', LANGUAGES)
async def test_demo_store_speaks_the_browsers_language(app: App, lang: str) -> None:
    async with app.runtime.db.sessions() as db:
        await add_product(db, 'Wool socks', price_cents=1250)
    for path in ('/store', '/store/products/wool-socks', '/store/cart'):
        page = (await app.http.get(path, headers={'Accept-Language': f'{lang},en;q=0.5'})).text
        assert f'<html lang="{lang}">' in page
        with language(lang):
            assert page_strings(page, 'store-strings') == store_strings()
            assert html.escape(_('Start shopping')) in page and html.escape(_('Cart')) in page
    with language(lang):
        assert html.escape(_('Add to cart')) in (await app.http.get(
            '/store/products/wool-socks', headers={'Accept-Language': lang})).text
        assert html.escape(money('12.50', 'EUR')) in page or lang  # prices are formatted per language


async def test_api_errors_follow_the_browsers_language(app: App) -> None:
    answer = await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com', 'timezone': 'Mars/Base'},
                                 headers={'Accept-Language': 'it-IT'})
    assert answer.status_code == 422 and answer.json()['error']['message'] == 'Fuso orario sconosciuto "Mars/Base".'
    token = (await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com'})).json()['session_token']
    missing = await app.http.post('/api/v1/storefront/cart/events', json={'action': 'add', 'variant_id': 999,
                                                                         'quantity': 1},
                                  headers={'Accept-Language': 'de-DE', 'Authorization': f'Bearer {token}'})
    assert missing.status_code == 404 and missing.json()['error']['message'] == 'Dieses Produkt ist nicht verfügbar.'


# ---------- e-mail in the shopper's language ----------

async def test_reply_mail_is_written_in_the_language_of_the_chat_session(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        staff = await add_staff(db)
        session = (await create_session(db=db, session_in=SessionCreate(
            email='aino@example.com', name='Aino', locale='fi-FI', timezone='Europe/Helsinki'))).session
        await shopper_says(app.runtime.shopper_messages, session, 'Onko tätä varastossa?', client_msg_id='1')
        await send_staff_reply(db=db, bus=app.runtime.bus, staff=staff, conversation_id=session.conversation_id,
                               body='On!', mail_domain='shop.test')
        row = (await db.exec(select(EmailOutbox))).one()
        with language('de'):  # whoever's language is current: the mail is the shopper's
            email = compose(context=await load_context(db=db, row=row, reply_token='r' * 32),
                            mail=MailConfig())
    text = email.get_body(preferencelist=('plain',)).get_content()
    assert str(email['Subject']).startswith('Keskustelusi kaupan ')
    assert 'Vastaa tähän sähköpostiin' in text and 'Aiemmin tässä keskustelussa:' in text
    assert 'lang="fi"' in email.get_body(preferencelist=('html',)).get_content()


def test_the_english_ui_keeps_reading_as_before() -> None:
    with language('en'):
        assert money('55', 'EUR') == '55.00 EUR'
        assert _('Subtotal {amount}', amount=money('55', 'EUR')) == 'Subtotal 55.00 EUR'
    assert ui  # the module is used for its side effects in the User tests
