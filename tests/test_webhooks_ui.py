"""W1's Webhooks page and `inbox webhooks`: add an endpoint (secret shown once), its status and delivery log, Send
test, remove; refused to members without "Manage staff"."""
from __future__ import annotations

from pathlib import Path

import pytest
from nicegui.testing import User

from app.cli import run
from services import webhooks
from tests.conftest import App, add_staff, sign_in

UNUSED_PORT_URL = 'http://127.0.0.1:9/hook'  # nothing listens on the discard port: deliveries fail, and say so


async def test_w1_the_owner_adds_an_endpoint_sends_a_test_and_removes_it(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
    await sign_in(user)
    await user.open('/settings')
    user.find(marker='webhooks-link').click()
    await user.should_see(marker='webhooks-empty')
    user.find(marker='webhook-url').type(UNUSED_PORT_URL)
    user.find(marker='webhook-add-button').click()
    await user.should_see('a webhook must not become a way into the shop\'s own network', retries=50)
    user.find(marker='webhook-allow-private').click()
    user.find(marker='webhook-add-button').click()
    await user.should_see(marker='webhook-secret-value')
    secret = user.find(marker='webhook-secret-value').elements.pop().text
    assert secret.startswith('whsec_')
    async with app.runtime.db.sessions() as db:
        owner = (await webhooks.list_endpoints(db=db, staff=await _owner(db)))
    [endpoint] = owner
    assert endpoint.events == [e for e in webhooks.EVENT_TYPES if e != 'rating.created']
    await user.should_see(marker=f'webhook-test-{endpoint.id}')
    user.find(marker=f'webhook-test-{endpoint.id}').click()
    await user.should_see(f'Test event queued for {UNUSED_PORT_URL}')
    await user.should_see(marker=f'webhook-log-{endpoint.id}')
    await user.open('/settings/webhooks')  # the secret is not shown again
    await user.should_not_see(secret)
    await user.should_see('Last delivery: Failed, retrying', retries=100)  # the ping met a closed port
    await user.should_see(marker=f'webhook-log-{endpoint.id}')
    user.find(marker=f'webhook-remove-{endpoint.id}').click()
    await user.should_see(marker='webhook-remove-confirm')
    user.find(marker='webhook-remove-confirm').click()
    await user.should_see('Endpoint removed')
    await user.should_see(marker='webhooks-empty')


async def _owner(db):  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from db.models import Staff
    return (await db.exec(select(Staff).where(Staff.is_owner))).first()


async def test_w1_a_member_without_manage_staff_is_refused_the_webhooks_page(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    await user.open('/settings/webhooks')
    await user.should_see('You do not have the permission to manage staff.')
    await user.should_not_see(marker='webhook-add-button')


def test_w1_the_cli_adds_lists_and_removes_endpoints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ['--data-dir', str(tmp_path)]
    assert run(['webhooks', 'list', *data]) == 2  # no owner yet: one line, exit 2
    assert 'no active owner account' in capsys.readouterr().err
    assert run(['create-staff', '--email', 'o@example.com', '--password', 'correct horse battery', '--name', 'O',
                '--owner', *data]) == 0
    assert run(['webhooks', 'add', 'http://localhost:9/hook', *data]) == 2
    assert "a webhook must not become a way into the shop's own network" in capsys.readouterr().err
    assert run(['webhooks', 'add', 'http://127.0.0.1:9/hook', '--events', 'order.created', 'cart.changed',
                '--allow-private', *data]) == 0
    added = capsys.readouterr().out
    assert 'Added endpoint 1: http://127.0.0.1:9/hook (cart.changed order.created)' in added
    assert 'Signing secret (shown only now): whsec_' in added
    assert run(['webhooks', 'list', *data]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith('1\thttp://127.0.0.1:9/hook\tactive\tcart.changed order.created')
    assert 'whsec_' not in listed
    assert run(['webhooks', 'remove', '1', *data]) == 0
    assert run(['webhooks', 'remove', '1', *data]) == 2
    assert 'No such webhook endpoint.' in capsys.readouterr().err
