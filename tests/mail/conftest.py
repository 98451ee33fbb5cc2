"""Mail fixtures: a REAL aiosmtpd server on a free port that records every envelope, and an app wired to it."""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel.ext.asyncio.session import AsyncSession

from app.main import service_config
from app.settings import Settings
from db.migrate import upgrade
from db.models import ChatSession
from services.chat_sessions import SessionCreate, create_session
from services.events import EventBus
from services.mail.config import MailConfig
from services.mail.transport import SmtpTransport
from tests.conftest import free_port, make_settings
from tests.shoppers import shopper_writes

INBOUND_SECRET = 'inbound-' + 'k' * 40
SHOP_FROM = 'Nordic Knits <shop@shop.test>'


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line('markers', 'mail_settings(**values): extra Settings for the mail test app')


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message['Message-ID'])


@dataclass
class SmtpSink:
    """Records what arrives. `stall` holds DATA unanswered until released; `refuse` answers 550 to addresses."""
    port: int
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    stall: bool = False
    data_started: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    controller: Controller | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address.lower() in self.refuse:
            return '550 5.1.1 No such user here'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        self.data_started.set()
        while self.stall and not self.released.is_set():
            await asyncio.sleep(0.05)
        return f'250 2.0.0 Queued as sink-{len(self.received)}'

    def start(self) -> SmtpSink:
        self.controller = Controller(self, hostname='127.0.0.1', port=self.port, server_hostname='sink.test',
                                     ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.released.set()
            self.controller.stop()
            self.controller = None

    def transport(self, *, timeout: float = 5.0) -> SmtpTransport:
        return SmtpTransport(host='127.0.0.1', port=self.port, tls='none', timeout=timeout, helo_name='shop.test')

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.received


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port()).start()
    yield sink
    sink.stop()


@pytest.fixture
def settings(tmp_path: Path, smtp_sink: SmtpSink, request: pytest.FixtureRequest, postgres_database: str) -> Settings:
    """Overrides tests/conftest.py's: the app sends through the sink and receives on a free SMTP port. On the
    PostgreSQL run (`make test-postgres`) the database is this test's own copy of the migrated template."""
    marker = request.node.get_closest_marker('mail_settings')
    values: dict[str, object] = {
        'smtp_host': '127.0.0.1', 'smtp_port': smtp_sink.port, 'smtp_tls': 'none', 'mail_from': SHOP_FROM,
        'inbound_secret': INBOUND_SECRET, 'smtp_inbound_port': free_port(), 'public_url': 'https://inbox.shop.test',
        **(marker.kwargs if marker else {})}
    settings = make_settings(tmp_path, database_url=postgres_database, **values)
    settings.prepare_data_dir()
    if not postgres_database:
        upgrade(settings.effective_database_url)
    return settings


@pytest.fixture
def mail(settings: Settings) -> MailConfig:
    return service_config(settings).mail


async def offline_shopper(db: AsyncSession, *, email: str = 'sara@example.com', name: str = 'Sara Lind',
                          first: str = 'Is the jumper wool?', bus: EventBus | None = None) -> ChatSession:
    created = await create_session(db=db, session_in=SessionCreate(email=email, name=name))
    await shopper_writes(db, created.session, first, bus=bus)
    return created.session
