"""A real server process on a free port with its own data dir, and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

CHROMIUM = os.environ.get('INBOX_E2E_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run']
STAFF = {'email': 'ana@example.com', 'password': 'e2e password 123', 'name': 'Ana Berg'}
SECOND_STAFF = {'email': 'cleo@example.com', 'password': 'e2e password 456', 'name': 'Cleo Dahl'}
THIRD_STAFF = {'email': 'gia@example.com', 'password': 'e2e password 789', 'name': 'Gia Conti'}  # picks Italian
GRACE_SECONDS = 2
expect.set_options(timeout=15_000)  # a 2-core machine running a server, Chromium and the tests at once
PRODUCTS_CSV = Path(__file__).parent.parent / 'tests' / 'data' / 'products.csv'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


INBOUND_SECRET = 'e2e-inbound-' + 's' * 30


class MailSink:
    """A real SMTP server (aiosmtpd) on a free port that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.port = _free_port()
        self.controller = Controller(self, hostname='127.0.0.1', port=self.port)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return '250 OK'


@pytest.fixture(scope='session')
def mail_sink() -> Iterator[MailSink]:
    sink = MailSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


def _clean_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTEST_CURRENT_TEST', 'NICEGUI_USER_SIMULATION', 'NICEGUI_SCREEN_TEST_PORT')}
    env.update(INBOX_DATA_DIR=str(data_dir), INBOX_PORT=str(port), INBOX_HOST='127.0.0.1',
               INBOX_PRESENCE_GRACE_SECONDS=str(GRACE_SECONDS), NICEGUI_STORAGE_PATH=str(data_dir / 'nicegui'),
               INBOX_TOPIC_AUTOTRAIN='false',  # the journeys here don't need topics; training would compete for CPU
               INBOX_SESSION_RATE_LIMIT='200')  # every shopper here comes from 127.0.0.1, unlike in a real shop
    return env


def wait_until_serving(base: str, process: subprocess.Popen[bytes], log: Path, *, seconds: float) -> None:
    """Until GET /login answers 200; RuntimeError with the log's end if the process ends or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f'{base}/login', timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f'{base} did not start:\n' + log.read_text()[-3000:])
        time.sleep(0.2)


@contextmanager
def running_server(data_dir: Path, mail_sink: MailSink, *, database_url: str = '',
                   fill: bool = True) -> Iterator[str]:
    """Staff created and sample products imported (unless `fill` is off: a second process on a database filled
    already), `app.cli serve` started; stopped after, and its log must hold no traceback."""
    port = _free_port()
    env = _clean_env(data_dir, port)
    env.update(INBOX_SMTP_HOST='127.0.0.1', INBOX_SMTP_PORT=str(mail_sink.port), INBOX_SMTP_TLS='none',
               INBOX_MAIL_FROM='Shop <shop@shop.test>', INBOX_INBOUND_SECRET=INBOUND_SECRET)
    if database_url:
        env['INBOX_DATABASE_URL'] = database_url
    for member in (STAFF, SECOND_STAFF, THIRD_STAFF) if fill else ():
        subprocess.run([sys.executable, '-m', 'app.cli', 'create-staff', '--email', member['email'], '--password',
                        member['password'], '--name', member['name']], env=env, check=True, capture_output=True)
    if fill:
        subprocess.run([sys.executable, '-m', 'app.cli', 'import-products', str(PRODUCTS_CSV)], env=env,
                       capture_output=True)  # exits 1: the sample has bad rows on purpose
    log = open(data_dir / 'server.log', 'w')  # noqa: SIM115  (closed below)
    process = subprocess.Popen([sys.executable, '-m', 'app.cli', 'serve'], env=env, stdout=log,
                               stderr=subprocess.STDOUT, cwd=data_dir)
    base = f'http://127.0.0.1:{port}'
    try:
        wait_until_serving(base, process, data_dir / 'server.log', seconds=60)
    except RuntimeError:
        log.close()
        raise
    try:
        yield base
    finally:  # a failed test must not leave its server running
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    errors = [line for line in (data_dir / 'server.log').read_text().splitlines() if 'Traceback' in line]
    assert not errors, (data_dir / 'server.log').read_text()[-5000:]


@pytest.fixture(scope='session')
def server_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared server's data folder (its SQLite database), for a test's setup the UI does not offer."""
    return tmp_path_factory.mktemp('inbox-data')


@pytest.fixture(scope='session')
def server(server_data_dir: Path, mail_sink: MailSink) -> Iterator[str]:
    with running_server(server_data_dir, mail_sink) as base:
        yield base


@pytest.fixture(scope='session')
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, 'executable_path': CHROMIUM, 'args': CHROMIUM_ARGS}


@pytest.fixture(scope='session')
def base_url(server: str) -> str:
    return server
