"""V1 in the staff inbox: a conversation whose shopper claimed a known customer's e-mail without proving it is marked
"Unverified" in the thread header, the profile panel and the list row, and the mark goes once the shopper confirms
the mailed code (through the real confirm route, which publishes the change)."""
from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from components.badges import unverified_hint
from services.chat_sessions import SessionCreate, create_session
from services.verification import new_code
from tests.conftest import App, add_staff, sign_in
from tests.list_view import list_shows, row_of
from tests.shoppers import shopper_says


async def known_customer(app: App) -> int:
    """Sara chatted before (from her laptop): her e-mail belongs to a known customer. Returns the conversation."""
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        laptop = (await create_session(db=db, session_in=SessionCreate(email='sara@example.com', name='Sara'))).session
        await shopper_says(app.runtime.shopper_messages, laptop, 'Where is my order?', client_msg_id='1')
    return laptop.conversation_id


async def claim_from_another_device(app: App) -> tuple[int, str]:
    """Someone opens a chat with Sara's address and no proof: (the session's id, its token)."""
    async with app.runtime.db.sessions() as db:
        phone = await create_session(db=db, session_in=SessionCreate(email='sara@example.com', name='Sara'))
        await shopper_says(app.runtime.shopper_messages, phone.session, 'It is me, Sara', client_msg_id='2')
    assert phone.session.id is not None
    return phone.session.id, phone.token


async def test_an_unverified_claim_is_marked_until_the_shopper_confirms_the_code(app: App, user: User) -> None:
    cid = await known_customer(app)
    await sign_in(user)
    await user.open(f'/inbox/{cid}')
    await user.should_see('Where is my order?')
    await user.should_not_see(marker='thread-unverified')  # Sara's own first session: nothing claimed
    await user.should_not_see(marker='profile-unverified')

    session_id, token = await claim_from_another_device(app)
    await user.should_see('It is me, Sara')
    await user.should_see('Unverified', marker='thread-unverified')  # appears live with the claimant's message
    await user.should_see('Unverified', marker='profile-unverified')
    tooltips = [element for element in user.find(ui.tooltip).elements if element.text == unverified_hint()]
    assert len(tooltips) == 2  # the header's and the panel's: what staff should (not) do
    rows = await list_shows(user, lambda rows: bool(rows) and rows[0]['unverified'])
    assert row_of(rows, cid) is not None

    async with app.runtime.db.sessions() as db:
        _session, code = await new_code(db=db, session_id=session_id)
    confirmed = await app.http.post('/api/v1/chat/verify/confirm', headers={'Authorization': f'Bearer {token}'},
                                    json={'code': code})
    assert confirmed.status_code == 200
    await user.should_not_see(marker='thread-unverified')
    await user.should_not_see(marker='profile-unverified')
    await list_shows(user, lambda rows: bool(rows) and not rows[0]['unverified'])
    await user.should_see('Sara', marker='thread-name')  # the header is drawn again, only without the mark


async def test_the_lists_first_page_marks_a_claim_made_before_it_was_opened(app: App, user: User) -> None:
    """The first page came from a query that left the claim out: the mark showed only after a live update."""
    cid = await known_customer(app)
    await claim_from_another_device(app)
    await sign_in(user)
    rows = await list_shows(user, lambda rows: len(rows) == 1)
    assert rows[0]['id'] == cid and rows[0]['unverified'] is True


async def test_a_new_customer_is_never_marked(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        session = (await create_session(db=db, session_in=SessionCreate(email='new@example.com', name='Nia'))).session
        await shopper_says(app.runtime.shopper_messages, session, 'Hello!', client_msg_id='1')
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see('Hello!')
    await user.should_not_see(marker='thread-unverified')
    await user.should_not_see(marker='profile-unverified')
    rows = await list_shows(user, lambda rows: len(rows) == 1)
    assert rows[0]['unverified'] is False
