"""The staff command layer (services/inbox_commands.py): one call per action, the actor loaded and checked."""
from __future__ import annotations

import pytest
from sqlmodel import select

from db.models import Conversation, Message, Staff
from services.errors import PermissionDenied
from services.inbox_commands import InboxCommands
from services.share_commands import ShareCommands
from tests.commerce_data import add_code, add_product
from tests.conftest import App, add_staff
from tests.test_inbox_ui import shopper_writes
from tests.test_sharing import png_bytes


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
    shares = ShareCommands(app.runtime, staff_id=viewer.id)
    async with app.runtime.db.sessions() as db:
        code = await add_code(db, 'WELCOME10')
        product = await add_product(db, 'Wool socks')
        asked = (await db.exec(select(Message).where(Message.conversation_id == cid))).first()
        conversation = await db.get(Conversation, cid)
        assert asked is not None and asked.id is not None and conversation is not None
    for command in (commands.toggle_status(cid), commands.mark_unread(cid), commands.assign(cid, viewer.id),
                    commands.set_topic(cid, 'shipping'), commands.remove_topic(cid, 'shipping'),
                    commands.send_reply(cid, 'Hello'), commands.retry_email(asked.id),
                    commands.save_note(customer_id=conversation.customer_id, text='VIP'),
                    shares.share_products(cid, product_ids=[product.product_id], text=''),
                    shares.share_discount(cid, code_id=code.id), shares.share_image(cid, data=png_bytes())):
        with pytest.raises(PermissionDenied):
            await command
    async with app.runtime.db.sessions() as db:
        stored = (await db.exec(select(Message).where(Message.conversation_id == cid))).all()
    assert [m.author for m in stored] == ['customer']  # nothing was sent


async def test_a_deactivated_staff_member_cannot_retry_an_email(app: App) -> None:
    """The retry had no actor at all before the command layer: anyone with an open page could requeue mail."""
    async with app.runtime.db.sessions() as db:
        ana = await add_staff(db)
    cid = await shopper_writes(app, 'Hello?')
    assert ana.id is not None
    commands = InboxCommands(app.runtime, staff_id=ana.id)
    reply = await commands.send_reply(cid, 'We will write to you')  # the shopper is offline: queued for e-mail
    assert reply.delivery == 'email_pending'
    async with app.runtime.db.sessions() as db:
        member = await db.get(Staff, ana.id)
        assert member is not None
        member.active = False
        db.add(member)
        await db.commit()
    with pytest.raises(PermissionDenied):
        await commands.retry_email(reply.id)
