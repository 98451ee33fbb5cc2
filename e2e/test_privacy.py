"""G1 in a real browser: the owner erases a customer from the customer page after typing their e-mail; the page then
shows "Erased customer". Takes docs/screenshots/erase-customer.png (the confirmation dialog)."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from e2e.conftest import MailSink, _clean_env, running_server

OWNER = {'email': 'olga@example.com', 'password': 'e2e owner password', 'name': 'Olga Owner'}
SCREENSHOT = Path(__file__).parent.parent / 'docs' / 'screenshots' / 'erase-customer.png'


def _post(url: str, body: dict[str, object], token: str = '') -> dict[str, object]:
    headers = {'Content-Type': 'application/json', **({'Authorization': f'Bearer {token}'} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method='POST')
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, object] = json.loads(response.read())
    return answer


def test_owner_erases_a_customer_after_typing_their_email(browser: Browser, tmp_path_factory: pytest.TempPathFactory,
                                                          mail_sink: MailSink) -> None:
    data_dir = tmp_path_factory.mktemp('privacy-data')
    subprocess.run([sys.executable, '-m', 'app.cli', 'create-staff', '--owner', '--email', OWNER['email'],
                    '--password', OWNER['password'], '--name', OWNER['name']], env=_clean_env(data_dir, 8999),
                   check=True, capture_output=True)
    with running_server(data_dir, mail_sink) as base:
        started = _post(f'{base}/api/v1/chat/sessions', {'email': 'mira.lindqvist@example.com',
                                                         'name': 'Mira Lindqvist', 'timezone': 'Europe/Helsinki'})
        _post(f'{base}/api/v1/chat/messages', {'body': 'Can I change my delivery address?', 'client_msg_id': 'a1'},
              str(started['session_token']))
        context = browser.new_context(viewport={'width': 1100, 'height': 900})
        page = context.new_page()
        page.goto(f'{base}/login')
        page.get_by_label('E-mail').fill(OWNER['email'])
        page.get_by_label('Password').fill(OWNER['password'])
        page.get_by_role('button', name='Sign in').click()
        expect(page.get_by_text('Conversations', exact=True)).to_be_visible()
        page.goto(f'{base}/customers/{started["customer_id"]}')
        page.get_by_role('button', name='Erase customer').click()
        expect(page.get_by_text('Erase Mira Lindqvist?')).to_be_visible()
        confirm = page.get_by_role('dialog').get_by_role('button', name='Erase customer')
        expect(confirm).to_be_disabled()
        page.get_by_label('Type mira.lindqvist@example.com to confirm').fill('mira.lindqvist@example.com')
        expect(confirm).to_be_enabled()
        page.screenshot(path=str(SCREENSHOT))
        confirm.click()
        expect(page.get_by_text('Erased customer')).to_be_visible()
        expect(page.get_by_text('Mira Lindqvist')).to_have_count(0)
        page.goto(f'{base}/inbox/{started["conversation_id"]}')
        expect(page.get_by_text('Erased customer').first).to_be_visible()
        expect(page.get_by_text('Can I change my delivery address?')).to_have_count(0)
        context.close()
