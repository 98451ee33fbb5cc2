"""R2 in the inbox (NiceGUI's User): the composer's Note mode, its `@` list, and the note's bubble in the thread."""
from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from db.models import Message, NoteMention
from services.chat_sessions import SessionCreate, create_session
from tests.conftest import App, add_staff, sign_in


async def test_note_mode_stores_a_note_with_a_picked_mention_and_shows_it_as_a_note(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        ben = await add_staff(db, email='ben@example.com', name='Ben Ito')
        session = (await create_session(db=db, session_in=SessionCreate(email='g@example.com', name='Greta'))).session
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    [toggle] = user.find(marker='note-toggle').elements
    assert isinstance(toggle, ui.toggle)
    toggle.set_value('note')
    [composer] = user.find(marker='composer').elements
    assert composer.props['placeholder'] == 'Write a note only staff can see'
    assert 'note-mode' in composer.classes and composer.props['bg-color'] == 'amber-1'
    user.find(marker='composer').type('Refund ok? @be')
    await user.should_see('Ben Ito', marker='mention-option')
    user.find(marker='mention-option').click()
    await user.should_not_see(marker='mention-option')
    assert composer.value == 'Refund ok? @ben.ito '  # type: ignore[attr-defined]
    user.find(marker='send').click()
    async with app.runtime.db.sessions() as db:
        for _attempt in range(50):
            stored = (await db.exec(select(Message).where(Message.conversation_id == session.conversation_id))).all()
            if stored:
                break
            await asyncio.sleep(0.1)
        assert [(m.kind, m.body, m.delivery) for m in stored] == [('note', 'Refund ok? @ben.ito', None)]
        assert [row.staff_id for row in (await db.exec(select(NoteMention))).all()] == [ben.id]
    await user.should_see(marker=f'note-{stored[0].id}')
    await user.should_see('Refund ok? @ben.ito')
    assert toggle.value == 'note'  # the mode stays: the next note cannot slip out as a reply
    toggle.set_value('reply')
    assert composer.props['placeholder'] == 'Write a reply…' and 'note-mode' not in composer.classes


async def test_a_mentioned_member_sees_the_badge_and_the_mentioned_view_and_opening_marks_it_seen(
        app: App, user: User) -> None:
    from services import notes

    async with app.runtime.db.sessions() as db:
        ana = await add_staff(db)  # who signs in
        ben = await add_staff(db, email='ben@example.com', name='Ben Ito')
        quiet = (await create_session(db=db, session_in=SessionCreate(email='q@example.com', name='Quinn'))).session
        session = (await create_session(db=db, session_in=SessionCreate(email='g@example.com', name='Greta'))).session
    await sign_in(user)
    await user.open('/inbox')
    [rows] = user.find(marker='conversation-rows').elements
    assert sorted(row['name'] for row in rows.shown()) == ['Greta', 'Quinn']  # type: ignore[attr-defined]
    await user.should_not_see(marker='mention-count')
    async with app.runtime.db.sessions() as db:
        await notes.add_note(db=db, bus=app.runtime.bus, staff=ben, conversation_id=session.conversation_id,
                             body='@ana.berg can you call her?')
        await notes.add_note(db=db, bus=app.runtime.bus, staff=ben, conversation_id=quiet.conversation_id,
                             body='no mention here')
    await user.should_see(marker='mention-count')
    [badge] = user.find(marker='mention-count').elements
    assert badge.text == '1'  # type: ignore[attr-defined]
    user.find(marker='mention-count').click()
    for _attempt in range(50):
        if len(rows.shown()) == 1:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.1)
    assert [(row['name'], row['mention']) for row in rows.shown()] == [('Greta', True)]  # type: ignore[attr-defined]
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see('@ana.berg can you call her?')
    await user.should_not_see(marker='mention-count')  # seen on opening
    async with app.runtime.db.sessions() as db:
        assert await notes.count_unseen_mentions(db=db, staff_id=ana.id or 0) == 0
