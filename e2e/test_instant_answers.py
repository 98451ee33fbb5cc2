"""A2 in real Chromium: the owner adds an instant answer on its page, a shopper taps the question in the chat page and
sees the question and the answer at once, and the staff thread shows both."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, expect

from e2e.conftest import MailSink, _clean_env, running_server
from e2e.page_objects import ChatPage, Inbox

OWNER = {'email': 'olga@example.com', 'password': 'owner password 123', 'name': 'Olga Owner'}
SHOTS = Path(__file__).parent.parent / 'docs' / 'screenshots'
QUESTION = 'How long does delivery take?'
ANSWER = 'We pack orders within one working day; delivery in Europe takes 2 to 5 working days.'


@pytest.fixture(scope='module')
def answers_server(tmp_path_factory: pytest.TempPathFactory, mail_sink: MailSink) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp('instant-answers')
    subprocess.run([sys.executable, '-m', 'app.cli', 'create-staff', '--owner', '--email', OWNER['email'],
                    '--password', OWNER['password'], '--name', OWNER['name']], env=_clean_env(data_dir, 8999),
                   check=True, capture_output=True)
    with running_server(data_dir, mail_sink) as base:
        yield base, data_dir


def test_the_owner_adds_an_instant_answer_a_shopper_taps_it_and_staff_see_both(
        browser: Browser, answers_server: tuple[str, Path]) -> None:
    base, data_dir = answers_server
    staff_context = browser.new_context(viewport={'width': 1280, 'height': 860})
    shopper_context = browser.new_context(locale='en-GB', viewport={'width': 420, 'height': 760})
    try:
        inbox = Inbox(staff_context.new_page(), base)
        inbox.sign_in(OWNER['email'], OWNER['password'])
        inbox.goto('/settings')
        inbox.page.get_by_role('button', name='Instant answers').click()
        expect(inbox.page.get_by_text('No instant answers in this language yet.')).to_be_visible()
        inbox.page.get_by_role('button', name='Add question').click()
        inbox.page.get_by_label('Question').fill(QUESTION)
        inbox.page.get_by_label('Answer').fill(ANSWER)
        inbox.page.get_by_role('button', name='Save').click()
        expect(inbox.page.get_by_text('1 of 10 questions')).to_be_visible()
        expect(inbox.page.get_by_text(QUESTION)).to_be_visible()

        shopper = ChatPage(shopper_context.new_page(), base)
        config = shopper.page.request.get(f'{base}/api/v1/chat/config?lang=en')
        if config.status == 404:
            # GET /api/v1/chat/config is built on another branch (A1, h-hours): until it is merged, the page gets the
            # API.md shape of its answer here, with the id the owner's answer was stored under; everything after
            # the config (the button, the tap, the API, both messages, the staff thread) is the real thing.
            with sqlite3.connect(data_dir / 'inbox.db') as db:
                [(answer_id,)] = db.execute('SELECT id FROM instant_answer WHERE question = ?', (QUESTION,)).fetchall()

            def config_of_api_md(route: Route) -> None:
                route.fulfill(json={'store': {'name': 'Shop'}, 'greeting': '', 'available': True, 'back_at': None,
                                    'reply_time': '', 'away_message': None, 'colour': '#2563eb',
                                    'instant_answers': [{'id': answer_id, 'question': QUESTION}]})

            shopper.page.route('**/api/v1/chat/config*', config_of_api_md)
        shopper.open()
        shopper.start_chat('sara@example.com', 'Sara Lind')
        questions = shopper.page.get_by_role('group', name='Common questions')
        questions.get_by_role('button', name=QUESTION).click()
        log = shopper.page.get_by_role('log')
        expect(log.get_by_text(QUESTION, exact=True)).to_be_visible()
        expect(log.get_by_text(ANSWER, exact=True)).to_be_visible()
        expect(log.get_by_text('Instant answer', exact=True)).to_be_visible()
        shopper.page.screenshot(path=str(SHOTS / 'instant-answers.png'))
        shopper.page.reload()  # stored, not only shown: the page reads both back
        expect(shopper.page.get_by_role('log').get_by_text(ANSWER, exact=True)).to_be_visible()

        inbox.goto('/inbox')
        inbox.open_conversation('Sara Lind')
        expect(inbox.message(QUESTION)).to_be_visible()
        expect(inbox.message(ANSWER)).to_be_visible()
        if config.status == 404:
            warnings.warn('GET /api/v1/chat/config is missing (A1, another branch): the chat page was given its '
                          'API.md answer; the route itself was not tested', stacklevel=1)
    finally:
        shopper_context.close()
        staff_context.close()
