"""Staff accounts, sign-in throttling and the `inbox` command's errors."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.cli import sign_in_line
from db.engine import Database
from services.errors import Conflict, Invalid, RateLimited, Unauthorized
from services.passwords import verify_password
from services.rate_limit import SlidingWindowLimiter
from services.sign_in_limits import SignInLimits
from services.staff import create_staff, sign_in
from tests.conftest import STAFF_PASSWORD, add_staff, free_port, make_settings


async def test_staff_passwords_are_stored_as_argon2_hashes(db: AsyncSession) -> None:
    staff = await create_staff(db=db, email='New@Example.com', password='a long password', name='New')
    assert staff.email == 'new@example.com'
    assert staff.password_hash.startswith('$argon2') and 'a long password' not in staff.password_hash
    assert verify_password('a long password', staff.password_hash)
    with pytest.raises(Conflict):
        await create_staff(db=db, email='new@example.com', password='another password', name='Again')
    with pytest.raises(Invalid):
        await create_staff(db=db, email='short@example.com', password='short', name='Short')


async def test_failed_sign_ins_are_throttled_per_address_and_email(db: AsyncSession) -> None:
    await add_staff(db)
    limits = SignInLimits(3)
    for _n in range(3):
        with pytest.raises(Unauthorized):
            await sign_in(db=db, limits=limits, email='ana@example.com', password='guess', client_address='10.0.0.1')
    with pytest.raises(RateLimited):  # even the right password: the guesser's address is shut out for a while
        await sign_in(db=db, limits=limits, email='ana@example.com', password=STAFF_PASSWORD, client_address='10.0.0.1')


async def test_a_stranger_who_knows_the_owners_address_cannot_lock_the_owner_out(db: AsyncSession) -> None:
    """Five wrong passwords from anywhere once locked the account for 15 minutes, for everyone."""
    await add_staff(db)
    limits = SignInLimits(5)
    for _n in range(5):
        with pytest.raises(Unauthorized):
            await sign_in(db=db, limits=limits, email='ana@example.com', password='guess', client_address='203.0.113.9')
    staff = await sign_in(db=db, limits=limits, email='ana@example.com', password=STAFF_PASSWORD,
                          client_address='198.51.100.4')
    assert staff.email == 'ana@example.com'


async def test_parallel_guesses_are_counted_before_the_password_is_checked(database: Database,
                                                                             db: AsyncSession) -> None:
    """The limit was counted after the (slow) check, so twenty guesses at once all got their try."""
    await add_staff(db)
    limits = SignInLimits(3)

    async def guess(n: int) -> None:  # a session each, as each sign-in request has (asyncpg refuses a shared one)
        async with database.sessions() as own:
            await sign_in(db=own, limits=limits, email='ana@example.com', password=f'guess {n}',
                          client_address='10.0.0.1')
    results = await asyncio.gather(*[guess(n) for n in range(20)], return_exceptions=True)
    assert sum(isinstance(r, Unauthorized) for r in results) == 3
    assert sum(isinstance(r, RateLimited) for r in results) == 17


async def test_a_guesser_spread_over_many_addresses_is_stopped_per_account(db: AsyncSession) -> None:
    await add_staff(db)
    limits = SignInLimits(1)
    for n in range(20):
        with pytest.raises(Unauthorized):
            await sign_in(db=db, limits=limits, email='ana@example.com', password='guess', client_address=f'10.0.1.{n}')
    with pytest.raises(RateLimited):
        await sign_in(db=db, limits=limits, email='ana@example.com', password='guess', client_address='10.0.2.1')


async def test_two_processes_count_the_same_failed_sign_ins(database: Database, db: AsyncSession) -> None:
    """X1: each process has its own SignInLimits; the attempts are in the database, so the budget is not doubled."""
    await add_staff(db)
    process_a, process_b = SignInLimits(3), SignInLimits(3)
    for limits in (process_a, process_b, process_a):
        with pytest.raises(Unauthorized):
            await sign_in(db=db, limits=limits, email='ana@example.com', password='guess', client_address='10.0.0.7')
    with pytest.raises(RateLimited):
        await sign_in(db=db, limits=process_b, email='ana@example.com', password='guess', client_address='10.0.0.7')


def test_rate_limiter_window_slides() -> None:
    limiter = SlidingWindowLimiter(2, 10)
    assert limiter.hit('k', now=0) is None and limiter.hit('k', now=1) is None
    assert limiter.hit('k', now=2) == pytest.approx(8)
    assert limiter.hit('k', now=10.5) is None


def inbox(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, '-m', 'app.cli', *args, '--data-dir', str(data_dir)],
                          capture_output=True, text=True, timeout=120)


def test_cli_creates_staff_and_reports_bad_arguments_in_one_line(tmp_path: Path) -> None:
    ok = inbox('create-staff', '--email', 'o@example.com', '--password', 'long enough pw', '--name', 'Olga', '--owner',
               data_dir=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert 'Created owner Olga <o@example.com>' in ok.stdout
    duplicate = inbox('create-staff', '--email', 'o@example.com', '--password', 'long enough pw', '--name', 'O',
                      data_dir=tmp_path)
    assert duplicate.returncode == 2
    assert duplicate.stderr.strip().splitlines() == ['inbox: error: A staff account for o@example.com already exists.']
    bad_email = inbox('create-staff', '--email', 'nope', '--password', 'long enough pw', '--name', 'N',
                      data_dir=tmp_path)
    assert bad_email.returncode == 2 and len(bad_email.stderr.strip().splitlines()) == 1
    bad_port = subprocess.run([sys.executable, '-m', 'app.cli', 'serve', '--port', '99999'], capture_output=True,
                              text=True, timeout=60)
    assert bad_port.returncode == 2 and 'port must be 1 to 65535' in bad_port.stderr
    assert (tmp_path / 'secret').stat().st_mode & 0o777 == 0o600


def test_the_serve_banner_names_the_port_this_run_serves_on(tmp_path: Path) -> None:
    loaded = inbox('demo', data_dir=tmp_path)  # the demo login is written by a run on the default port
    assert loaded.returncode == 0, loaded.stderr
    assert 'http://localhost:8080/login as owner@example.com' in loaded.stdout
    line = sign_in_line(make_settings(tmp_path, port=9123))
    assert line is not None and line.startswith('Sign in at http://localhost:9123/login as owner@example.com ')
    password = line.rsplit(' ', 1)[1].strip()
    assert len(password) >= 12 and password in (tmp_path / 'demo-login.txt').read_text()


def serve_banner(data_dir: Path) -> str:
    """What `inbox serve --demo-if-empty` prints before it serves; the server is stopped once it has."""
    env = {k: v for k, v in os.environ.items() if k not in ('PYTEST_CURRENT_TEST', 'NICEGUI_USER_SIMULATION')
           and not k.startswith('INBOX_')}
    env.update(INBOX_TOPIC_AUTOTRAIN='false', NICEGUI_STORAGE_PATH=str(data_dir / 'nicegui'))
    process = subprocess.Popen([sys.executable, '-m', 'app.cli', 'serve', '--demo-if-empty', '--port', str(free_port()),
                                '--data-dir', str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, env=env)
    output = process.stdout
    assert output is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(output.readline() for _ in range(2)), daemon=True)
    reader.start()
    reader.join(120)
    process.terminate()
    process.wait(30)
    return ''.join(lines)


def test_the_demo_password_is_printed_by_the_start_that_makes_it_and_never_again(tmp_path: Path) -> None:
    first = serve_banner(tmp_path)
    assert first.startswith('Inbox: ') and 'Sign in at http://localhost:' in first, first
    password = first.rsplit(' ', 1)[1].strip()
    assert len(password) >= 12 and password in (tmp_path / 'demo-login.txt').read_text()
    second = serve_banner(tmp_path)
    assert second.startswith('Inbox: ') and password not in second, second
    assert f"The demo owner's sign-in is in {tmp_path / 'demo-login.txt'}" in second
    for made in ('demo-login.txt', 'inbox.db', 'secret'):  # the merchant's files: readable by this user only
        assert (tmp_path / made).stat().st_mode & 0o777 == 0o600, made
