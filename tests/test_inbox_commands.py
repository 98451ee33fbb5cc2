"""The staff command layer (services/inbox_commands.py): one call per action, the actor loaded and checked."""
from __future__ import annotations

import pytest

from db.models import Conversation
from services.errors import PermissionDenied
from services.inbox_commands import InboxCommands
from tests.conftest import App, add_staff
from tests.test_inbox_ui import shopper_writes


async def test_a_command_closes_and_reopens_and_publishes_the_change(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        ana = await add_staff(db)
    changed: list[int] = []
    app.runtime.bus.conversation_changed.subscribe(changed.append)
    cid = await shopper_writes(app, 'Is the tent waterproof?')
    assert ana.id is not None
    commands = InboxCommands(app.runtime, staff_id=ana.id)
    assert await commands.toggle_status(cid) == 'closed'
    async with app.runtime.db.sessions() as db:
        conversation = await db.get(Conversation, cid)
        assert conversation is not None and conversation.status == 'closed'
    assert await commands.toggle_status(cid) == 'open'
    assert changed.count(cid) >= 2


async def test_a_staff_member_without_the_chat_permission_is_refused_by_every_command(app: App) -> None:
    async with app.runtime.db.sessions() as db:
        viewer = await add_staff(db, email='view@example.com', name='Vik', can_chat=False)
    cid = await shopper_writes(app, 'Hello?')
    assert viewer.id is not None
    commands = InboxCommands(app.runtime, staff_id=viewer.id)
    for command in (commands.toggle_status(cid), commands.mark_unread(cid), commands.assign(cid, viewer.id)):
        with pytest.raises(PermissionDenied):
            await command
