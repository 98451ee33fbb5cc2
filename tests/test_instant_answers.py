"""Instant answers (A2): caps, the language fallback, permissions, and a tap storing question and answer together."""
from __future__ import annotations

import asyncio
import contextlib

import pytest
from nicegui.testing import User
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ChatSession, Conversation, InstantAnswer, Message
from services import blocking, instant_answers
from services.blocking import SenderBlocked
from services.chat_sessions import SessionCreate, create_session
from services.errors import Conflict, Invalid, NotFound, PermissionDenied, RateLimited, TooLarge
from services.events import EventBus
from services.instant_answers import InstantAnswerIn
from services.permissions import Permission
from services.views import MessageView, SessionIds
from tests.conftest import App, add_staff, sign_in

SHIPPING = InstantAnswerIn(language='en', question='How long does shipping take?',
                           answer='Orders leave within two working days.')


async def _session(db: AsyncSession, locale: str = 'en') -> tuple[SessionIds, str]:
    created = await create_session(db=db, session_in=SessionCreate(email='sara@example.com', locale=locale))
    chat = created.session
    assert chat.id is not None
    return SessionIds(id=chat.id, conversation_id=chat.conversation_id, customer_id=chat.customer_id), chat.locale


async def test_an_eleventh_answer_in_one_language_is_refused_but_another_language_has_its_own_ten(
        db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    for number in range(10):
        await instant_answers.save_answer(db=db, staff=owner, answer_in=InstantAnswerIn(
            language='en', question=f'Question {number}?', answer=f'Answer {number}.'))
    with pytest.raises(Conflict) as refused:
        await instant_answers.save_answer(db=db, staff=owner, answer_in=SHIPPING)
    assert refused.value.code == 'too_many'
    await instant_answers.save_answer(db=db, staff=owner, answer_in=InstantAnswerIn(
        language='da', question='Hvor lang er leveringstiden?', answer='To hverdage.'))
    offered = await instant_answers.list_for_widget(db, 'en')
    assert [item['question'] for item in offered] == [f'Question {number}?' for number in range(10)]


async def test_lengths_languages_and_nul_are_checked(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    for bad, error in ((InstantAnswerIn('en', ' ', 'x'), Invalid), (InstantAnswerIn('en', 'Q?', '  '), Invalid),
                       (InstantAnswerIn('sv', 'Q?', 'A.'), Invalid),
                       (InstantAnswerIn('en', 'Q' * 201, 'A.'), TooLarge),
                       (InstantAnswerIn('en', 'Q?', 'A' * 2001), TooLarge)):
        with pytest.raises(error):
            await instant_answers.save_answer(db=db, staff=owner, answer_in=bad)
    saved = await instant_answers.save_answer(db=db, staff=owner, answer_in=InstantAnswerIn(
        'en', 'Do you\x00 ship   abroad?', 'Yes,\x00 to the EU.'))
    assert (saved.question, saved.answer) == ('Do you ship abroad?', 'Yes, to the EU.')


async def test_the_widget_gets_the_shoppers_language_else_english(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    await instant_answers.save_answer(db=db, staff=owner, answer_in=SHIPPING)
    german = await instant_answers.save_answer(db=db, staff=owner, answer_in=InstantAnswerIn(
        'de', 'Wie lange dauert der Versand?', 'Zwei Werktage.'))
    assert await instant_answers.list_for_widget(db, 'de-AT') == [{'id': german.id,
                                                                   'question': 'Wie lange dauert der Versand?'}]
    assert [item['question'] for item in await instant_answers.list_for_widget(db, 'fi')] == [SHIPPING.question]
    assert [item['question'] for item in await instant_answers.list_for_widget(db, None)] == [SHIPPING.question]


async def test_managing_needs_the_manage_replies_permission(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    saved = await instant_answers.save_answer(db=db, staff=owner, answer_in=SHIPPING)
    agent = await add_staff(db, email='bo@example.com', name='Bo')  # the default permissions: no MANAGE_REPLIES
    for refused in (instant_answers.save_answer(db=db, staff=agent, answer_in=SHIPPING),
                    instant_answers.save_answer(db=db, staff=agent, answer_in=SHIPPING, answer_id=saved.id),
                    instant_answers.delete_answer(db=db, staff=agent, answer_id=saved.id),
                    instant_answers.move_answer(db=db, staff=agent, answer_id=saved.id, offset=1),
                    instant_answers.list_answers(db=db, staff=agent, language='en'),
                    instant_answers.save_answer(db=db, staff=None, answer_in=SHIPPING)):
        with pytest.raises(PermissionDenied):
            await refused
    manager = await add_staff(db, email='cy@example.com', name='Cy', permissions={Permission.MANAGE_REPLIES})
    await instant_answers.save_answer(db=db, staff=manager, answer_in=InstantAnswerIn('en', 'Open on Sunday?', 'No.'))
    assert len(await instant_answers.list_answers(db=db, staff=manager, language='en')) == 2


async def test_edit_move_and_delete_keep_the_order(db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    first = await instant_answers.save_answer(db=db, staff=owner, answer_in=SHIPPING)
    second = await instant_answers.save_answer(db=db, staff=owner, answer_in=InstantAnswerIn('en', 'Returns?', 'Yes.'))
    order = await instant_answers.move_answer(db=db, staff=owner, answer_id=second.id, offset=-1)
    assert [view.id for view in order] == [second.id, first.id]
    await instant_answers.save_answer(db=db, staff=owner, answer_id=first.id, answer_in=InstantAnswerIn(
        'en', 'Shipping time?', 'Two days.'))
    with pytest.raises(NotFound):  # an id is edited within its own language
        await instant_answers.save_answer(db=db, staff=owner, answer_id=first.id, answer_in=InstantAnswerIn(
            'de', 'Versand?', 'Zwei Tage.'))
    await instant_answers.delete_answer(db=db, staff=owner, answer_id=second.id)
    assert [(view.question, view.position) for view in await instant_answers.list_answers(
        db=db, staff=owner, language='en')] == [('Shipping time?', 1)]
    assert [item['question'] for item in await instant_answers.list_for_widget(db, 'en')] == ['Shipping time?']


async def test_a_tap_stores_question_and_answer_together_publishes_both_and_a_retry_stores_nothing(
        db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    saved = await instant_answers.save_answer(db=db, staff=owner, answer_in=SHIPPING)
    session, locale = await _session(db)
    bus = EventBus()
    published: list[MessageView] = []
    bus.message_created.subscribe(published.append)
    answered = await instant_answers.answer(db=db, bus=bus, session=session, session_locale=locale,
                                            answer_id=saved.id, client_msg_id='tap-1')
    assert answered.created
    assert (answered.question.author, answered.question.kind, answered.question.body) == (
        'customer', 'text', SHIPPING.question)
    assert (answered.answer.author, answered.answer.kind, answered.answer.body) == ('system', 'auto', SHIPPING.answer)
    assert answered.answer.to_api()['kind'] == 'auto' and answered.answer.visible_to_customer
    assert [view.id for view in published] == [answered.question.id, answered.answer.id]
    again = await instant_answers.answer(db=db, bus=bus, session=session, session_locale=locale,
                                         answer_id=saved.id, client_msg_id='tap-1')
    assert not again.created and (again.question.id, again.answer.id) == (answered.question.id, answered.answer.id)
    assert len(published) == 2
    rows = list(await db.exec(select(Message).where(Message.conversation_id == session.conversation_id)
                              .order_by(col(Message.id))))
    assert [(row.author, row.kind) for row in rows] == [('customer', 'text'), ('system', 'auto')]
    conversation = await db.get(Conversation, session.conversation_id)
    assert conversation is not None and conversation.unread and conversation.last_message_preview == SHIPPING.question


async def test_a_foreign_language_or_unknown_id_is_not_found_and_a_blocked_sender_is_refused(
        db: AsyncSession) -> None:
    owner = await add_staff(db, is_owner=True)
    english = await instant_answers.save_answer(db=db, staff=owner, answer_in=SHIPPING)
    german = await instant_answers.save_answer(db=db, staff=owner, answer_in=InstantAnswerIn(
        'de', 'Versand?', 'Zwei Tage.'))
    session, locale = await _session(db, locale='de-DE')
    bus = EventBus()
    for unknown in (english.id, german.id + 100):
        with pytest.raises(NotFound):
            await instant_answers.answer(db=db, bus=bus, session=session, session_locale=locale, answer_id=unknown)
    await blocking.block_customer(db=db, bus=bus, staff=owner, customer_id=session.customer_id)
    with pytest.raises(SenderBlocked):
        await instant_answers.answer(db=db, bus=bus, session=session, session_locale=locale, answer_id=german.id)
    stored = (await db.exec(select(Message).where(Message.conversation_id == session.conversation_id,
                                                  col(Message.kind).in_(('text', 'auto'))))).all()
    assert stored == []


async def test_the_api_answers_a_tap_with_both_messages_and_refuses_what_it_must(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        owner = await add_staff(db, is_owner=True)
        english = await instant_answers.save_answer(db=db, staff=owner, answer_in=SHIPPING)
        danish = await instant_answers.save_answer(db=db, staff=owner, answer_in=InstantAnswerIn(
            'da', 'Hvor lang er leveringstiden?', 'To hverdage.'))
    started = await app.http.post('/api/v1/chat/sessions', json={'email': 'sara@example.com', 'locale': 'en-GB'})
    token = {'Authorization': 'Bearer ' + started.json()['session_token']}
    url = f'/api/v1/chat/instant-answers/{english.id}'
    assert (await app.http.post(url, json={})).status_code == 401
    tapped = await app.http.post(url, json={'client_msg_id': 'tap-1'}, headers=token)
    assert tapped.status_code == 201, tapped.text
    question, answer = tapped.json()['messages']
    assert (question['author'], question['kind'], question['body']) == ('customer', 'text', SHIPPING.question)
    assert (answer['author'], answer['kind'], answer['body']) == ('system', 'auto', SHIPPING.answer)
    again = await app.http.post(url, json={'client_msg_id': 'tap-1'}, headers=token)
    assert again.status_code == 200 and again.json() == tapped.json()
    assert (await app.http.post(url, headers=token)).status_code == 201  # no body at all: a new pair
    read = (await app.http.get('/api/v1/chat/messages', headers=token)).json()['messages']
    assert [(m['author'], m['kind']) for m in read] == [('customer', 'text'), ('system', 'auto')] * 2
    assert [m.get('instant_answer_id') for m in read] == [None, english.id] * 2  # the chat names it an instant answer
    for unknown in (danish.id, english.id + 1000):  # another language's question, an unknown one
        refused = await app.http.post(f'/api/v1/chat/instant-answers/{unknown}', json={}, headers=token)
        assert refused.status_code == 404 and refused.json()['error']['code'] == 'not_found'
    assert (await app.http.post('/api/v1/chat/instant-answers/x', json={}, headers=token)).status_code == 422
    operation = (await app.http.get('/api/v1/openapi.json')).json()['paths'][
        '/api/v1/chat/instant-answers/{answer_id}']['post']
    assert operation['description'] and 'example' in str(operation['responses']['201'])

    async with app.runtime.db.sessions() as db:
        chat = (await db.exec(select(ChatSession).where(
            ChatSession.conversation_id == started.json()['conversation_id']))).one()
    for _ in range(20):  # a tap counts against the same limit as messages
        with contextlib.suppress(RateLimited):
            app.runtime.limits.check_message(session_id=chat.id or 0, address='elsewhere')
    limited = await app.http.post(url, json={}, headers=token)
    assert limited.status_code == 429 and limited.headers.get('retry-after')
    app.runtime.limits.per_session.reset(f'session:{chat.id}')
    async with app.runtime.db.sessions() as db:
        await blocking.block_customer(db=db, bus=app.runtime.bus, staff=owner, customer_id=chat.customer_id)
    blocked = await app.http.post(url, json={}, headers=token)
    assert blocked.status_code == 403 and blocked.json()['error']['code'] == 'sender_blocked'


async def test_the_page_adds_edits_moves_and_deletes_per_language_and_refuses_others(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, permissions=[Permission.REPLY, Permission.MANAGE_REPLIES])
        await add_staff(db, email='bo@example.com', name='Bo')  # the default permissions: may not manage
    await sign_in(user)
    await user.open('/instant-answers')
    await user.should_see(marker='empty-en')
    user.find(marker='add-en').click()
    await user.should_see('New instant answer')
    user.find(marker='answer-question').type('Do you ship abroad?')
    user.find(marker='save-answer').click()
    await user.should_see('An instant answer needs an answer.')
    user.find(marker='answer-text').type('Yes, to all of Europe.')
    user.find(marker='save-answer').click()
    await user.should_see('Do you ship abroad?')
    user.find(marker='add-en').click()
    await user.should_see('New instant answer')
    user.find(marker='answer-question').type('Can I return things?')
    user.find(marker='answer-text').type('Within 30 days.')
    user.find(marker='save-answer').click()
    await user.should_see('2 of 10 questions', marker='count-en')
    async with app.runtime.db.sessions() as db:
        first, second = await instant_answers.list_for_widget(db, 'en')
    user.find(marker=f'up-{second["id"]}').click()
    async with app.runtime.db.sessions() as db:
        for _attempt in range(50):
            order = [item['id'] for item in await instant_answers.list_for_widget(db, 'en')]
            if order[0] == second['id']:
                break
            await asyncio.sleep(0.05)
    assert order == [second['id'], first['id']]
    await user.should_see(marker=f'edit-{first["id"]}')
    user.find(marker=f'edit-{first["id"]}').click()
    await user.should_see('Edit instant answer')
    user.find(marker='delete-answer').click()
    await user.should_see('1 of 10 questions', marker='count-en')
    async with app.runtime.db.sessions() as db:
        assert (await db.exec(select(InstantAnswer).where(InstantAnswer.language == 'da'))).all() == []
        assert [item['question'] for item in await instant_answers.list_for_widget(db, 'en')] == [
            'Can I return things?']

    other = app.new_user()
    await sign_in(other, email='bo@example.com')
    await other.open('/instant-answers')
    await other.should_see(marker='instant-answers-refused')
    await other.should_not_see(marker='add-en')
