"""W2 tokens on the Account page (made with a name, shown once with Copy, listed with last use, revoked) and from
the command line (`inbox api-token create`, printed once)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nicegui.testing import User
from sqlmodel import select

from db.engine import open_database
from db.models import ApiToken
from services import api_tokens
from tests.conftest import App, add_staff, sign_in
from tests.test_staff_and_cli import inbox


async def test_w2_the_account_page_makes_shows_once_and_revokes_a_token(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        ana = await add_staff(db)
    await sign_in(user)
    await user.open('/account')
    await user.should_see(marker='no-api-tokens')
    user.find(marker='api-token-name').type('Order sync')
    user.find(marker='create-api-token').click()
    await user.should_see(marker='api-token-secret')
    secret = user.find(marker='api-token-secret').elements.pop().value
    assert secret.startswith('inbox_pat_')
    await user.should_see('Order sync')
    await user.should_see('Never used')
    async with app.runtime.db.sessions() as db:
        assert (await api_tokens.authenticate(db=db, token=secret)) is not None
        token = (await db.exec(select(ApiToken).where(ApiToken.staff_id == ana.id))).one()
    await user.open('/account')  # shown once: a new visit lists the token, never its secret
    await user.should_see('Order sync')
    await user.should_not_see(marker='api-token-secret')
    user.find(marker=f'revoke-api-token-{token.id}').click()
    await user.should_see(marker='no-api-tokens')
    async with app.runtime.db.sessions() as db:
        assert (await api_tokens.authenticate(db=db, token=secret)) is None


async def test_w2_the_owner_revokes_a_members_token_on_the_staff_page(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
        ben = await add_staff(db, email='ben@example.com', name='Ben Lund')
        made = await api_tokens.create_token(db=db, staff=ben, name='Ben sync')
    await sign_in(user)
    await user.open('/staff')
    await user.should_see(marker='staff-ben@example.com')
    user.find(marker='member-api-tokens-button').click()  # the owner's own card has none: own tokens are on /account
    await user.should_see('API tokens of Ben Lund')
    await user.should_see('Ben sync')
    user.find(marker=f'revoke-api-token-{made.token.id}').click()
    await user.should_see('Ben Lund has no API tokens.')
    async with app.runtime.db.sessions() as db:
        assert await api_tokens.authenticate(db=db, token=made.secret) is None


async def test_w2_the_cli_prints_a_new_token_once(tmp_path: Path) -> None:
    made = inbox('create-staff', '--email', 'o@example.com', '--password', 'long enough pw', '--name', 'Olga',
                 '--owner', data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    created = inbox('api-token', 'create', '--staff', 'O@example.com', '--name', 'sync', data_dir=tmp_path)
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith('inbox_pat_')
    database = open_database(f'sqlite+aiosqlite:///{tmp_path / "inbox.db"}')
    try:
        async with database.sessions() as db:
            staff = await api_tokens.authenticate(db=db, token=secret)
            assert staff is not None and staff.email == 'o@example.com'
    finally:
        await database.dispose()
    unknown = subprocess.run([sys.executable, '-m', 'app.cli', 'api-token', 'create', '--staff', 'x@example.com',
                              '--name', 'n', '--data-dir', str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == 'inbox: error: no active staff member with the e-mail x@example.com'
