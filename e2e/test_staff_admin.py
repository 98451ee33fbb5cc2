"""U1/U2 in a browser: the owner invites a staff member without "Share discount codes"; the invitee opens the link
in another browser, sets a password, lands in the inbox and has no discount button. Screenshots of the Staff,
invitation, store settings and account pages."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from e2e.conftest import MailSink, _clean_env, running_server
from e2e.page_objects import Inbox

OWNER = {'email': 'olga@example.com', 'password': 'owner password 123', 'name': 'Olga Owner'}
SHOTS = Path(__file__).parent.parent / 'docs' / 'screenshots'


@pytest.fixture(scope='module')
def owner_server(tmp_path_factory: pytest.TempPathFactory, mail_sink: MailSink) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp('staff-admin')
    subprocess.run([sys.executable, '-m', 'app.cli', 'create-staff', '--owner', '--email', OWNER['email'],
                    '--password', OWNER['password'], '--name', OWNER['name']], env=_clean_env(data_dir, 8999),
                   check=True, capture_output=True)
    with running_server(data_dir, mail_sink) as base:
        yield base


def test_the_owner_invites_a_member_who_joins_without_the_discount_button(browser: Browser,
                                                                           owner_server: str) -> None:
    owner_context = browser.new_context(viewport={'width': 1280, 'height': 860})
    invitee_context = browser.new_context(viewport={'width': 1280, 'height': 860})
    try:
        owner = Inbox(owner_context.new_page(), owner_server)
        owner.sign_in(OWNER['email'], OWNER['password'])
        page = owner.page
        page.get_by_role('button', name='Staff').click()
        expect(page.get_by_text('Your team')).to_be_visible()
        owner.wait_until_connected()
        page.get_by_role('button', name='Add staff member').click()
        dialog = page.get_by_role('dialog')
        dialog.get_by_label('E-mail').fill('ines@example.com')
        dialog.get_by_label('Name').fill('Ines Lind')
        dialog.get_by_role('checkbox', name='Share discount codes').click()
        dialog.get_by_role('button', name='Add', exact=True).click()
        link_field = dialog.locator('input[readonly]')
        expect(dialog.get_by_text('It is shown only now')).to_be_visible()
        link = link_field.input_value()
        assert '/invite/' in link
        page.screenshot(path=str(SHOTS / 'staff.png'))
        dialog.get_by_role('button', name='Done').click()
        expect(page.get_by_text('Invited', exact=True)).to_be_visible()

        invitee = invitee_context.new_page()
        invitee.goto(link)
        expect(invitee.get_by_text('Welcome, Ines Lind. Choose a password to join the team.')).to_be_visible()
        invitee.screenshot(path=str(SHOTS / 'invitation.png'))
        invitee.get_by_label('New password').fill('ines chose this')
        invitee.get_by_role('button', name='Set password and sign in').click()
        expect(invitee.get_by_text('Conversations', exact=True)).to_be_visible()
        Inbox(invitee, owner_server).wait_until_connected()
        expect(invitee.locator('[aria-label="Share products"]')).to_have_count(1)
        expect(invitee.locator('[aria-label="Share a discount code"]')).to_have_count(0)
        invitee.goto(link)  # used once
        expect(invitee.get_by_text('This invitation link is not valid or was used already.')).to_be_visible()

        page.goto(f'{owner_server}/staff')
        expect(page.get_by_text('Active', exact=True).first).to_be_visible()
        page.goto(f'{owner_server}/settings/store')
        expect(page.get_by_label('Store name')).to_be_visible()
        page.screenshot(path=str(SHOTS / 'store-settings.png'), full_page=True)
        page.goto(f'{owner_server}/account')
        expect(page.get_by_text('Change your password')).to_be_visible()
        page.screenshot(path=str(SHOTS / 'account.png'))
    finally:
        owner_context.close()
        invitee_context.close()
