"""X1: two server processes on one PostgreSQL database. The shopper chats with one, the staff member's browser is
on the other: the message and "Online" appear live in the staff tab, and the reply reaches the shopper live.

Needs a PostgreSQL server (INBOX_TEST_DATABASE_URL): it runs in `make test-postgres`, skipped in the SQLite run."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from e2e.conftest import STAFF, MailSink, _clean_env, _free_port, running_server, wait_until_serving
from e2e.page_objects import Inbox, StorefrontChat
from tests import postgres


@pytest.fixture
def shop_database() -> Iterator[str]:
    url = postgres.test_database_url()
    if not url:
        if os.environ.get('INBOX_REQUIRE_POSTGRES'):  # make test-postgres: a missing server fails, never skips
            pytest.fail('INBOX_TEST_DATABASE_URL is not set')
        pytest.skip('needs a PostgreSQL server: runs in make test-postgres')
    server = postgres.PostgresServer(url)
    name = server.create_empty_database()
    database_url = server.url_of(name)
    yield database_url
    server.drop(name)


def test_a_shopper_on_one_process_and_staff_on_another_chat_live(browser: Browser, shop_database: str,
                                                                 mail_sink: MailSink, tmp_path_factory) -> None:
    first_dir, second_dir = tmp_path_factory.mktemp('process-a'), tmp_path_factory.mktemp('process-b')
    with running_server(first_dir, mail_sink, database_url=shop_database) as process_a, \
            running_server(second_dir, mail_sink, database_url=shop_database, fill=False) as process_b:
        shopper_context = browser.new_context()
        staff_context = browser.new_context(viewport={'width': 1400, 'height': 860})
        try:
            shopper = StorefrontChat(shopper_context.new_page(), process_a)
            shopper.begin('noor@example.com', 'Noor Amin', 'Do you ship tents to Norway?')
            expect(shopper.message('Do you ship tents to Norway?')).to_be_visible()

            inbox = Inbox(staff_context.new_page(), process_b)
            inbox.sign_in(STAFF['email'], STAFF['password'])
            row = inbox.row('Noor Amin')
            expect(row.get_by_text('Do you ship tents to Norway?')).to_be_visible()
            expect(row.get_by_text('Online', exact=True)).to_be_visible()
            row.click()
            expect(inbox.page).to_have_url(re.compile(r'/inbox/\d+$'))

            shopper.send('And how long does it take?')  # stored by process A, shown live by process B
            expect(inbox.message('And how long does it take?')).to_be_visible()
            expect(row.get_by_text('And how long does it take?')).to_be_visible()

            inbox.reply('Yes, in three to five working days.')  # stored by B, pushed by A to the shopper's socket
            expect(shopper.message('Yes, in three to five working days.')).to_be_visible()
        finally:
            shopper_context.close()
            staff_context.close()



def test_through_haproxy_a_staff_browser_stays_on_one_process_and_chats_live(
        browser: Browser, shop_database: str, mail_sink: MailSink, tmp_path_factory) -> None:
    """`inbox cluster --processes 2`: HAProxy in front (deploy/haproxy.cfg), sticky cookie for staff browsers."""
    data_dir = tmp_path_factory.mktemp('cluster')
    port = _free_port()
    env = _clean_env(data_dir, port)
    env.update(INBOX_DATABASE_URL=shop_database, INBOX_SMTP_HOST='127.0.0.1', INBOX_SMTP_PORT=str(mail_sink.port),
               INBOX_SMTP_TLS='none', INBOX_MAIL_FROM='Shop <shop@shop.test>')
    subprocess.run([sys.executable, '-m', 'app.cli', 'create-staff', '--email', STAFF['email'], '--password',
                    STAFF['password'], '--name', STAFF['name']], env=env, check=True, capture_output=True)
    log = open(data_dir / 'cluster.log', 'w')  # noqa: SIM115  (closed below)
    cluster = subprocess.Popen([sys.executable, '-m', 'app.cli', 'cluster', '--processes', '2'], env=env, stdout=log,
                               stderr=subprocess.STDOUT, cwd=data_dir)
    base = f'http://127.0.0.1:{port}'
    try:
        wait_until_serving(base, cluster, data_dir / 'cluster.log', seconds=90)
        shopper_context = browser.new_context()
        staff_context = browser.new_context(viewport={'width': 1400, 'height': 860})
        try:
            shopper = StorefrontChat(shopper_context.new_page(), base)
            shopper.begin('ivo@example.com', 'Ivo Berg', 'Is the lantern waterproof?')
            inbox = Inbox(staff_context.new_page(), base)
            inbox.sign_in(STAFF['email'], STAFF['password'])
            cookies = {cookie['name']: cookie['value'] for cookie in staff_context.cookies()}
            assert cookies.get('INBOX_PROCESS') in ('p1', 'p2')  # HAProxy pinned this browser to one process
            inbox.open_conversation('Ivo Berg')
            expect(inbox.message('Is the lantern waterproof?')).to_be_visible()
            for n in range(3):  # the API goes by address (deploy/haproxy.cfg): one process
                shopper.send(f'Question {n + 1}')
                expect(inbox.message(f'Question {n + 1}')).to_be_visible()
            inbox.reply('Yes, it is rated IPX4.')
            expect(shopper.message('Yes, it is rated IPX4.')).to_be_visible()
        finally:
            shopper_context.close()
            staff_context.close()
    finally:
        cluster.terminate()
        try:
            cluster.wait(30)
        except subprocess.TimeoutExpired:
            cluster.kill()
        log.close()
    output = (data_dir / 'cluster.log').read_text()
    assert 'Traceback' not in output, output[-5000:]

