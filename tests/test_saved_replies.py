"""Saved replies (R1): placeholders filled or dropped, unknown ones refused, the shopper's language, permissions."""
from __future__ import annotations

import asyncio

import pytest
from nicegui.testing import User
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Message, Order
from services import saved_replies
from services.chat_sessions import SessionCreate, create_session
from services.errors import Conflict, Invalid, NotFound, PermissionDenied
from services.permissions import Permission
from services.saved_replies import SavedReplyIn, choose_text, fill, unknown_placeholders
from services.store import get_store
from tests.conftest import App, add_staff, sign_in

GREETING = SavedReplyIn(shortcut='hello', title='Greeting', texts={
    'en': 'Hi {customer_first_name}, this is {staff_name} from {store_name}.',
    'de': 'Hallo {customer_first_name}, hier ist {staff_name} von {store_name}.'})


def test_fill_puts_in_every_known_value() -> None:
    text = fill('Hi {customer_first_name}, order {order_number} from {store_name}.',
                {'customer_first_name': 'Anna', 'order_number': '5001', 'store_name': 'Wool & Co'})
    assert text == 'Hi Anna, order 5001 from Wool & Co.'


def test_fill_drops_a_missing_value_and_its_space_never_leaving_braces() -> None:
    assert fill('Hi {customer_first_name}, thanks!', {'customer_first_name': ''}) == 'Hi, thanks!'
    assert fill('Your order {order_number} has shipped.', {}) == 'Your order has shipped.'
    assert fill('{customer_first_name} welcome back', {}) == 'welcome back'
    assert fill('Have a lovely day, {customer_first_name}!', {}) == 'Have a lovely day!'
    assert fill('Bye, {customer_first_name}!', {'customer_first_name': 'Al'}) == 'Bye, Al!'
    assert '{' not in fill('Hi {customer_name} {order_number}.', {})


def test_unknown_placeholders_are_named() -> None:
    assert unknown_placeholders('Hi {first_name} and {customer_name} {x} {x}') == ['first_name', 'x']
    assert unknown_placeholders('a lone { brace') == []
    assert unknown_placeholders('{}') == ['']
    assert unknown_placeholders('Hi {customer_name}') == []


def test_choose_text_prefers_the_shopper_then_the_store_default_then_any() -> None:
    texts = {'en': 'Hello', 'de': 'Hallo', 'fi': 'Hei'}
    assert choose_text(texts, 'de-AT') == ('de', 'Hallo')
    assert choose_text(texts, 'it') == ('en', 'Hello')
    assert choose_text(texts, None) == ('en', 'Hello')
    assert choose_text({'fi': 'Hei'}, 'nl') == ('fi', 'Hei')


async def test_saving_refuses_an_unknown_placeholder_naming_it(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    bad = SavedReplyIn(shortcut='x', title='X', texts={'en': 'Hi {first_name}'})
    with pytest.raises(Invalid, match=r'\{first_name\}') as refused:
        await saved_replies.save_reply(db=db, staff=owner, reply_in=bad)
    assert refused.value.code == 'unknown_placeholder'
    assert await saved_replies.list_replies(db=db, staff=owner) == []


async def test_saving_checks_shortcut_title_language_and_caps(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    for reply_in in (SavedReplyIn(shortcut='Has space', title='T', texts={'en': 'x'}),
                     SavedReplyIn(shortcut='ok', title=' ', texts={'en': 'x'}),
                     SavedReplyIn(shortcut='ok', title='T', texts={'en': '  '}),
                     SavedReplyIn(shortcut='ok', title='T', texts={'sv': 'Hej'}),
                     SavedReplyIn(shortcut='ok', title='T', texts={'en': 'x' * 5001})):
        with pytest.raises((Invalid, saved_replies.TooLarge)):
            await saved_replies.save_reply(db=db, staff=owner, reply_in=reply_in)
    await saved_replies.save_reply(db=db, staff=owner, reply_in=GREETING)
    with pytest.raises(Conflict):
        await saved_replies.save_reply(db=db, staff=owner, reply_in=GREETING)


async def test_edit_replaces_the_texts_and_delete_removes_the_reply(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    saved = await saved_replies.save_reply(db=db, staff=owner, reply_in=GREETING)
    edited = SavedReplyIn(shortcut='hi', title='Hi', texts={'fi': 'Hei {customer_first_name}!'})
    await saved_replies.save_reply(db=db, staff=owner, reply_in=edited, reply_id=saved.id)
    [only] = await saved_replies.list_replies(db=db, staff=owner)
    assert (only.shortcut, only.texts) == ('hi', {'fi': 'Hei {customer_first_name}!'})
    await saved_replies.delete_reply(db=db, staff=owner, reply_id=saved.id)
    assert await saved_replies.list_replies(db=db, staff=owner) == []


async def test_managing_needs_manage_replies_and_using_needs_reply(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    agent = await add_staff(db, email='ben@example.com', name='Ben')  # default permissions: reply, no manage
    viewer = await add_staff(db, email='cy@example.com', name='Cy', permissions=[Permission.MANAGE_REPLIES])
    with pytest.raises(PermissionDenied):
        await saved_replies.save_reply(db=db, staff=agent, reply_in=GREETING)
    saved = await saved_replies.save_reply(db=db, staff=owner, reply_in=GREETING)
    with pytest.raises(PermissionDenied):
        await saved_replies.delete_reply(db=db, staff=agent, reply_id=saved.id)
    assert len(await saved_replies.list_replies(db=db, staff=viewer)) == 1  # the manager lists them without REPLY
    nobody = await add_staff(db, email='no@example.com', name='No', permissions=[Permission.SEE_REPORTS])
    with pytest.raises(PermissionDenied):
        await saved_replies.list_replies(db=db, staff=nobody)
    session = (await create_session(db=db, session_in=SessionCreate(email='s@example.com'))).session
    with pytest.raises(PermissionDenied):
        await saved_replies.filled_reply(db=db, staff=viewer, reply_id=saved.id,
                                         conversation_id=session.conversation_id)
    assert len(await saved_replies.list_replies(db=db, staff=agent)) == 1


async def test_nul_characters_are_removed_from_titles_and_texts(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    saved = await saved_replies.save_reply(db=db, staff=owner, reply_in=SavedReplyIn(
        shortcut='nul', title='Gree\x00ting\x00', texts={'en': 'Hel\x00lo {customer_name}\x00'}))
    [listed] = await saved_replies.list_replies(db=db, staff=owner)
    assert (saved.title, listed.title, listed.texts) == ('Greeting', 'Greeting', {'en': 'Hello {customer_name}'})
    with pytest.raises(Invalid):
        await saved_replies.save_reply(db=db, staff=owner, reply_in=SavedReplyIn(
            shortcut='only-nul', title='\x00\x00', texts={'en': 'x'}))


async def test_a_lone_brace_is_saved_and_filled_as_literal_text(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    body = 'Hi {customer_first_name} :-} use the code {SAVE10, or write to us :-{'
    saved = await saved_replies.save_reply(db=db, staff=owner, reply_in=SavedReplyIn(
        shortcut='braces', title='Braces', texts={'en': body}))
    session = (await create_session(db=db, session_in=SessionCreate(email='b@example.com', name='Bo Ek'))).session
    text = await saved_replies.filled_reply(db=db, staff=owner, reply_id=saved.id,
                                            conversation_id=session.conversation_id)
    assert text == 'Hi Bo :-} use the code {SAVE10, or write to us :-{'
    assert fill('{{customer_name}}', {'customer_name': 'Bo'}) == '{Bo}'
    with pytest.raises(Invalid, match=r'\{first\}'):  # a pair around an unknown name is still refused
        await saved_replies.save_reply(db=db, staff=owner, reply_in=SavedReplyIn(
            shortcut='pair', title='Pair', texts={'en': 'Hi { {first} }'}))


async def test_filling_an_unknown_reply_says_it_no_longer_exists(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    saved = await saved_replies.save_reply(db=db, staff=owner, reply_in=GREETING)
    session = (await create_session(db=db, session_in=SessionCreate(email='u@example.com'))).session
    for reply_id in (saved.id + 1, 0, -3, 2**70):
        with pytest.raises(NotFound, match='does not exist any more') as refused:
            await saved_replies.filled_reply(db=db, staff=owner, reply_id=reply_id,
                                             conversation_id=session.conversation_id)
        assert refused.value.code == 'reply_not_found'
    with pytest.raises(NotFound, match='conversation does not exist') as refused:
        await saved_replies.filled_reply(db=db, staff=owner, reply_id=saved.id, conversation_id=2**70)
    assert refused.value.code == 'conversation_not_found'


async def test_filled_for_a_conversation_in_the_shoppers_language(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    saved = await saved_replies.save_reply(db=db, staff=owner, reply_in=GREETING)
    store = await get_store(db)
    german = (await create_session(db=db, session_in=SessionCreate(email='anna@example.com', name='Anna Maier',
                                                                   locale='de-DE'))).session
    text = await saved_replies.filled_reply(db=db, staff=owner, reply_id=saved.id,
                                            conversation_id=german.conversation_id)
    assert text == f'Hallo Anna, hier ist Ana Berg von {store.name}.'
    italian = (await create_session(db=db, session_in=SessionCreate(email='x@example.com', locale='it'))).session
    text = await saved_replies.filled_reply(db=db, staff=owner, reply_id=saved.id,
                                            conversation_id=italian.conversation_id)
    assert text == f'Hi, this is Ana Berg from {store.name}.'  # no Italian text: English; no name: dropped


async def test_order_number_is_the_customers_latest_order(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    saved = await saved_replies.save_reply(db=db, staff=owner, reply_in=SavedReplyIn(
        shortcut='order', title='Order', texts={'en': 'Order {order_number} is on its way.'}))
    session = (await create_session(db=db, session_in=SessionCreate(email='o@example.com'))).session
    text = await saved_replies.filled_reply(db=db, staff=owner, reply_id=saved.id,
                                            conversation_id=session.conversation_id)
    assert text == 'Order is on its way.'
    db.add(Order(number=5001, customer_id=session.customer_id))
    await db.commit()
    text = await saved_replies.filled_reply(db=db, staff=owner, reply_id=saved.id,
                                            conversation_id=session.conversation_id)
    assert text == 'Order 5001 is on its way.'


async def test_slash_in_the_composer_picks_a_reply_filled_for_the_shopper(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        owner = await add_staff(db, is_owner=True)
        await saved_replies.save_reply(db=db, staff=owner, reply_in=GREETING)
        await saved_replies.save_reply(db=db, staff=owner, reply_in=SavedReplyIn(
            shortcut='thanks', title='Thanks', texts={'en': 'Thank you!'}))
        session = (await create_session(db=db, session_in=SessionCreate(email='g@example.com', name='Greta Vogel',
                                                                       locale='de'))).session
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    user.find(marker='composer').type('/hel')
    await user.should_see('/hello')
    await user.should_not_see('/thanks')
    user.find(marker='reply-option').click()
    await user.should_not_see(marker='reply-option')
    [composer] = user.find(marker='composer').elements
    assert composer.value.startswith('Hallo Greta, hier ist Ana Berg von ')  # type: ignore[attr-defined]
    user.find(marker='send').click()
    async with app.runtime.db.sessions() as db:
        for _attempt in range(50):
            bodies = [m.body for m in await db.exec(select(Message).where(
                Message.conversation_id == session.conversation_id))]
            if bodies:
                break
            await asyncio.sleep(0.1)
    assert [b for b in bodies if b.startswith('Hallo Greta')], bodies


async def test_the_saved_replies_page_adds_refuses_edits_and_deletes(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, permissions=[Permission.REPLY, Permission.MANAGE_REPLIES])
    await sign_in(user)
    await user.open('/saved-replies')
    await user.should_see('No saved replies yet.')
    user.find(marker='new-reply').click()
    await user.should_see(marker='reply-shortcut')
    user.find(marker='reply-shortcut').type('hi')
    user.find(marker='reply-title').type('Hello')
    user.find(marker='reply-text-en').type('Hi {first_name}')
    user.find(marker='save-reply').click()
    await user.should_see('Unknown placeholder {first_name}', marker='reply-error')
    user.find(marker='reply-text-en').clear().type('Hi {customer_first_name}')
    user.find(marker='reply-text-fi').type('Hei {customer_first_name}')
    user.find(marker='save-reply').click()
    await user.should_see('/hi')
    await user.should_see('English, Suomi')
    user.find(marker='edit-hi').click()
    await user.should_see(marker='delete-reply')
    user.find(marker='delete-reply').click()
    await user.should_see('No saved replies yet.')


async def test_staff_who_may_not_manage_see_the_list_without_buttons(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        owner = await add_staff(db, email='o@example.com', name='Olivia', is_owner=True)
        await saved_replies.save_reply(db=db, staff=owner, reply_in=GREETING)
        await add_staff(db)  # reply, no manage
    await sign_in(user)
    await user.open('/saved-replies')
    await user.should_see('/hello')
    await user.should_not_see(marker='new-reply')
    await user.should_not_see(marker='edit-hello')
