"""The staff inbox through NiceGUI's simulated user (no browser)."""
from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from services.chat_sessions import SessionCreate, create_session
from tests.conftest import App, add_staff, sign_in
from tests.list_view import list_shows
from tests.shoppers import shopper_says


async def shopper_writes(app: App, body: str, email: str = 'sara@example.com', name: str = 'Sara Lind') -> int:
    async with app.runtime.db.sessions() as db:
        created = await create_session(db=db, session_in=SessionCreate(email=email, name=name))
        await shopper_says(app.runtime.shopper_messages, created.session, body, client_msg_id=body[:60])
        return created.session.conversation_id


async def test_signed_out_staff_is_sent_to_login(user: User) -> None:
    await user.open('/inbox')
    await user.should_see('Sign in to answer your customers.')


async def test_wrong_password_is_refused_with_a_message(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await user.open('/login')
    user.find(marker='login-email').type('ana@example.com')
    user.find(marker='login-password').type('wrong password')
    user.find(marker='login-submit').click()
    await user.should_see('Wrong e-mail or password.', retries=30)


async def test_staff_without_chat_permission_cannot_use_the_inbox(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, email='ben@example.com', name='Ben Holm', can_chat=False)
    await user.open('/login')
    user.find(marker='login-email').type('ben@example.com')
    user.find(marker='login-password').type('correct horse battery')
    user.find(marker='login-submit').click()
    await user.should_see('You do not have the online-store chat permission.', retries=30)
    await user.should_not_see('Conversations')


async def test_list_shows_new_conversation_live_with_preview(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    await sign_in(user)
    await user.should_see('No open conversations')
    await shopper_writes(app, 'Do you ship to Finland?')
    rows = await list_shows(user, lambda rows: len(rows) == 1)
    assert rows[0]['name'] == 'Sara Lind' and rows[0]['preview'] == 'Do you ship to Finland?' and rows[0]['unread']
    await user.should_not_see('No open conversations')


async def test_opening_a_conversation_shows_thread_and_reply_is_sent(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    conversation_id = await shopper_writes(app, 'Is the blue jacket waterproof?')
    await sign_in(user)
    await user.open(f'/inbox/{conversation_id}')
    await user.should_see(marker='thread-name')
    await user.should_see('Is the blue jacket waterproof?')
    user.find(marker='composer').type('Yes, fully taped seams.')
    user.find(marker='send').click()
    await user.should_see('Yes, fully taped seams.')
    await list_shows(user, lambda rows: rows[0]['preview'] == 'You: Yes, fully taped seams.')


async def test_offline_customer_thread_names_the_email_reply_address(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    conversation_id = await shopper_writes(app, 'Hello?', email='left@example.com', name='Lea')
    await sign_in(user)
    await user.open(f'/inbox/{conversation_id}')
    await user.should_see(marker='offline-notice')
    await user.should_see('left@example.com', marker='offline-notice')
    user.find(marker='composer').type('We will e-mail you.')
    user.find(marker='send').click()
    await user.should_see('Saved, not sent (no mail server)')  # no SMTP server configured in tests


async def test_online_marker_follows_presence(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        created = await create_session(db=db, session_in=SessionCreate(email='on@example.com', name='Olli'))
        await shopper_says(app.runtime.shopper_messages, created.session, 'Anyone there?', client_msg_id='1')
    await sign_in(user)
    await user.open(f'/inbox/{created.session.conversation_id}')
    await user.should_not_see(marker='thread-online')
    async with app.runtime.db.sessions() as db:
        await app.runtime.presence.heartbeat(db, created.session)
    await user.should_see(marker='thread-online')
    await list_shows(user, lambda rows: rows[0]['online'])
    await user.should_not_see(marker='offline-notice')
    await user.should_not_see(marker='thread-online', retries=40)  # the sweeper expires it after the 0.6 s grace
    await user.should_see(marker='offline-notice')


async def test_customer_text_is_rendered_as_text(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
    conversation_id = await shopper_writes(app, '<img src=x onerror=alert(1)> hi')
    await sign_in(user)
    await user.open(f'/inbox/{conversation_id}')
    labels = [el for el in user.find(ui.label).elements if '<img' in getattr(el, 'text', '')]
    assert labels, 'the message is shown'
    assert all(type(el) is ui.label for el in labels)
