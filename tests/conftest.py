"""Fixtures: a real SQLite file per test, the real app built on it, simulated staff users and an API client."""
from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from nicegui import app as nicegui_app
from nicegui import core, ui
from nicegui.storage import Storage
from nicegui.testing.general import nicegui_reset_globals, prepare_simulation
from nicegui.testing.user import User
from sqlmodel.ext.asyncio.session import AsyncSession

from app.main import build
from app.settings import Settings
from db.engine import Database, open_database
from db.migrate import upgrade
from db.models import Staff
from services.passwords import hash_password
from services.permissions import DEFAULT, Permission, serialize
from services.runtime import Runtime
from services.shopper_messages import ShopperMessages
from tests.postgres import PostgresServer, test_database_url
from tests.shoppers import shopper_door

# NiceGUI's User.should_see looks three times, 0.1 s apart (should_not_see 0.05 s): an update that travels
# through the event bus and a database read can take longer than 0.3 s on this 2-core machine while a server and
# Chromium run beside the suite, and such tests failed now and then. They look for up to 5 s; what never appears
# still fails.
_should_see = User.should_see


async def _patient_should_see(self: User, target: object = None, *, retries: int = 50, **filters: object) -> None:
    await _should_see(self, target, retries=retries, **filters)  # type: ignore[arg-type]

_should_not_see = User.should_not_see


async def _patient_should_not_see(self: User, target: object = None, *, retries: int = 100, **filters: object) -> None:
    await _should_not_see(self, target, retries=retries, **filters)  # type: ignore[arg-type]

User.should_see = _patient_should_see  # type: ignore[method-assign,assignment]
User.should_not_see = _patient_should_not_see  # type: ignore[method-assign,assignment]

STAFF_PASSWORD = 'correct horse battery'
_PASSWORD_HASH = hash_password(STAFF_PASSWORD)  # argon2 is slow: hash once per test run


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {'data_dir': data_dir, 'secret': 'test-secret-' + 'x' * 20,
                                 'presence_grace_seconds': 0.6, 'topic_autotrain': False,
                                 'topic_model_path': data_dir / 'no-topic-model.joblib', **overrides}
    return Settings(**values)  # type: ignore[arg-type]


def pytest_configure(config: pytest.Config) -> None:
    """Each test process its own NiceGUI storage folder (pytest-xdist runs two; a User test clears the folder when it
    ends, which must not take the other process's files), as NiceGUI's own test plugin does."""
    Storage.path = Path(tempfile.mkdtemp(prefix='inbox-test-storage-')).resolve()
    atexit.register(shutil.rmtree, Storage.path, ignore_errors=True)
    nicegui_app.storage = Storage()  # its persistent dicts are made with the new path

@pytest.fixture(scope='session')
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real classifier, trained once per test run on the shipped corpus."""
    from services.classification import train_and_save
    path = tmp_path_factory.mktemp('model') / 'topics.joblib'
    train_and_save(str(path))
    return path


@pytest.fixture(scope='session')
def postgres_server() -> Iterator[PostgresServer | None]:
    """With INBOX_TEST_DATABASE_URL set, the PostgreSQL server the database fixtures use (None: SQLite files).
    An unreachable server fails the run's first database test (an error, never a skip)."""
    url = test_database_url()
    if not url:
        yield None
        return
    server = PostgresServer(url)
    server.create_template()
    yield server
    server.drop(server.template)


@pytest.fixture
def postgres_database(postgres_server: PostgresServer | None) -> Iterator[str]:
    """This test's own PostgreSQL database (a copy of the migrated template), dropped after it; '' on SQLite."""
    if postgres_server is None:
        yield ''
        return
    name = postgres_server.create_test_database()
    yield postgres_server.url_of(name)
    postgres_server.drop(name)


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, postgres_database: str) -> Settings:
    """Tests marked `with_topic_model` get the trained classifier; others run without one (faster)."""
    overrides: dict[str, object] = {'database_url': postgres_database}
    if request.node.get_closest_marker('with_topic_model'):
        overrides['topic_model_path'] = request.getfixturevalue('trained_model')
    settings = make_settings(tmp_path, **overrides)
    settings.prepare_data_dir()
    if not postgres_database:  # a PostgreSQL copy of the template is migrated already
        upgrade(settings.effective_database_url)
    return settings


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = open_database(settings.effective_database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def shoppers(database: Database) -> AsyncIterator[ShopperMessages]:
    """The one door for shopper messages, on this test's database, without an app (tests/shoppers.py)."""
    async with shopper_door(database) as door:
        yield door


@pytest.fixture
async def db(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.sessions() as session:
        yield session


async def add_staff(db: AsyncSession, *, email: str = 'ana@example.com', name: str = 'Ana Berg',
                    can_chat: bool = True, is_owner: bool = False,
                    permissions: Iterable[Permission] | None = None) -> Staff:
    """A staff member with the default permissions (without 'reply' when can_chat is False), or those given."""
    granted = set(DEFAULT if permissions is None else permissions)
    if not can_chat:
        granted.discard(Permission.REPLY)
    staff = Staff(email=email, name=name, password_hash=_PASSWORD_HASH, permissions=serialize(granted),
                  is_owner=is_owner)
    db.add(staff)
    await db.commit()
    return staff


@dataclass
class App:
    runtime: Runtime
    settings: Settings
    http: httpx.AsyncClient

    def new_user(self) -> User:
        return User(httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test'))


@pytest.fixture
async def app(settings: Settings, caplog: pytest.LogCaptureFixture) -> AsyncIterator[App]:
    """The whole product built on this test's database, run in NiceGUI's simulation mode."""
    with nicegui_reset_globals():
        os.environ['NICEGUI_USER_SIMULATION'] = 'true'
        try:
            prepare_simulation()
            runtime = build(settings)
            ui.run(storage_secret=settings.secret)
            async with core.app.router.lifespan_context(core.app):
                async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test') as http:
                    yield App(runtime=runtime, settings=settings, http=http)
        finally:
            os.environ.pop('NICEGUI_USER_SIMULATION', None)
    errors = [r for r in caplog.get_records('call') if r.levelname == 'ERROR']
    if errors:
        pytest.fail(f'unexpected ERROR logs: {[r.getMessage() for r in errors]}', pytrace=False)


@pytest.fixture
async def user(app: App) -> User:
    return app.new_user()


async def sign_in(user: User, email: str = 'ana@example.com', password: str = STAFF_PASSWORD) -> None:
    await user.open('/login')
    user.find(marker='login-email').type(email)
    user.find(marker='login-password').type(password)
    user.find(marker='login-submit').click()
    await user.should_see('Conversations', retries=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
async def live_server(app: App) -> AsyncIterator[str]:
    """The same app served by uvicorn on a free port inside the test's loop (for WebSocket tests)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(core.app, host='127.0.0.1', port=port, lifespan='off', log_level='warning'))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield f'127.0.0.1:{port}'
    server.should_exit = True
    await task


