"""G2 Export a customer: one JSON document of everything stored about them; it round-trips what the profile panel
shows, carries no secrets, and follows the same permission as erasing."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import Settings
from services.errors import PermissionDenied
from services.inbox_reads import InboxReads
from services.privacy_commands import PrivacyCommands
from tests.conftest import App
from tests.test_customer_erasure import (
    EMAIL,
    NAME,
    NOTE_WORD,
    OTHER,
    PHONE,
    REPLY_WORD,
    SHOPPER_WORD,
    helper_and_manager,
    load_customer,
)


async def test_export_round_trips_everything_the_profile_panel_shows(app: App) -> None:
    loaded = await load_customer(app)
    name, data = await PrivacyCommands(app.runtime, staff_id=loaded.owner.id or 0).export_customer(loaded.customer_id)
    assert name == f'customer-{loaded.customer_id}.json'
    document = json.loads(data)
    assert (document['format'], document['version']) == ('merchant-inbox.customer-export', 1)
    panel = await InboxReads(app.runtime).customer_panel(loaded.conversation_id)

    profile, shown = document['profile'], panel.profile
    assert (profile['name'], profile['email'], profile['phone']) == (shown.name, shown.email, shown.phone) == \
        (NAME, EMAIL, PHONE)
    assert ', '.join(p for p in (profile['city'], profile['country']) if p) == shown.location
    assert profile['timezone'] == shown.timezone
    assert (profile['accepts_email_marketing'] or profile['accepts_sms_marketing']) == shown.subscribed
    assert profile['created_at'] == shown.customer_since.isoformat()
    assert (profile['order_count'], profile['lifetime_spend']) == (shown.order_count, str(shown.lifetime_spend))
    [note] = document['notes']
    assert (note['text'], note['updated_by']) == (shown.note, shown.note_updated_by) and NOTE_WORD in note['text']
    assert note['updated_at'] == shown.note_updated_at.isoformat()  # type: ignore[union-attr]

    [cart] = document['carts']
    assert [(i['product_title'], i['quantity'], i['line_total']) for i in cart['items']] == \
        [(i.product_title, i.quantity, str(i.line_total)) for i in panel.cart.items]
    assert cart['subtotal'] == str(panel.cart.subtotal)
    assert panel.last_order is not None
    [order] = document['orders']
    assert (order['number'], order['total'], order['status']) == (
        panel.last_order.number, str(panel.last_order.total), panel.last_order.status)
    assert [line['product_title'] for line in order['lines']] == [line.product_title for line in panel.last_order.lines]

    [conversation] = document['conversations']
    row = panel.row
    assert (conversation['id'], conversation['status'], conversation['channel'], conversation['topics'][:2]) == (
        row.id, row.status, row.channel, row.topics)
    assert conversation['started_at'] == row.started_at.isoformat()
    assert len(conversation['messages']) == loaded.message_count
    bodies = ' '.join(m['body'] for m in conversation['messages'])
    assert SHOPPER_WORD in bodies and REPLY_WORD in bodies
    assert any(m['kind'] == 'image' and m['payload'].get('name') for m in conversation['messages'])
    assert [s['email'] for s in document['chat_sessions']] == [EMAIL]
    assert document['topic_corrections'] and SHOPPER_WORD in document['topic_corrections'][0]['text']

    assert 'token_hash' not in data.decode() and 'verify_code_hash' not in data.decode()
    assert OTHER[0] not in data.decode() and OTHER[2] not in data.decode()  # nobody else's data


async def test_export_needs_the_owner_or_manage_staff(app: App) -> None:
    loaded = await load_customer(app)
    helper, manager = await helper_and_manager(app)
    with pytest.raises(PermissionDenied):
        await PrivacyCommands(app.runtime, staff_id=helper.id or 0).export_customer(loaded.customer_id)
    _name, data = await PrivacyCommands(app.runtime, staff_id=manager.id or 0).export_customer(loaded.customer_id)
    assert json.loads(data)['profile']['email'] == EMAIL


@pytest.mark.sqlite_only  # the command runs on the test's SQLite data dir
async def test_export_customer_command_writes_the_document(app: App, settings: Settings, tmp_path: Path) -> None:
    await load_customer(app)
    out = tmp_path / 'export.json'
    done = subprocess.run([sys.executable, '-m', 'app.cli', 'export-customer', EMAIL.upper(), '--out', str(out),
                           '--data-dir', str(settings.data_dir)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())['profile']['name'] == NAME and out.stat().st_mode & 0o077 == 0
    unknown = subprocess.run([sys.executable, '-m', 'app.cli', 'export-customer', 'nobody@example.com',
                              '--data-dir', str(settings.data_dir)], capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == 'inbox: error: No customer has the e-mail nobody@example.com.'
