"""G1 in the staff UI: an erased customer shows as "Erased customer" in the list, the thread and the profile, live in
a tab that was open during the erasure, and on the customer page."""
from __future__ import annotations

import json

from nicegui.testing import User

from db.models import Customer
from services.chat_sessions import SessionCreate, create_session
from services.permissions import ALL
from services.privacy_commands import PrivacyCommands
from tests.conftest import App, add_staff, sign_in
from tests.shoppers import shopper_says


async def test_erased_customer_is_shown_as_erased_customer_live_and_on_reload(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        owner = await add_staff(db, permissions=ALL)
        session = (await create_session(db=db, session_in=SessionCreate(email='pia@example.com',
                                                                        name='Pia Quellmark'))).session
    await shopper_says(app.runtime.shopper_messages, session, 'My address is Ulmenweg 7', client_msg_id='1')
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see('Pia Quellmark', marker='thread-name')
    await user.should_see('My address is Ulmenweg 7')

    await PrivacyCommands(app.runtime, staff_id=owner.id or 0).erase_customer(session.customer_id)

    await user.should_see('Erased customer', marker='thread-name')  # the open tab updates live
    await user.should_not_see('Ulmenweg')
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see('Erased customer', marker='thread-name')
    await user.should_see('Erased customer', marker='profile-name')
    await user.should_see('Erased')
    await user.should_not_see('Pia Quellmark')
    await user.should_not_see('Ulmenweg')
    await user.open(f'/customers/{session.customer_id}')
    await user.should_see('Erased customer', marker='customer-erased')
    await user.should_not_see(marker='save-customer')


async def test_customer_page_downloads_the_export_only_for_manage_staff(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, permissions=ALL)
        await add_staff(db, email='ben@example.com', name='Ben Helper')
        session = (await create_session(db=db, session_in=SessionCreate(email='pia@example.com',
                                                                        name='Pia Quellmark'))).session
    await shopper_says(app.runtime.shopper_messages, session, 'Hello there', client_msg_id='1')
    await sign_in(user)
    await user.open(f'/customers/{session.customer_id}')
    user.find(marker='download-customer-data').click()
    response = await user.download.next(timeout=5)
    document = json.loads(response.content)
    assert document['profile']['name'] == 'Pia Quellmark'
    assert document['conversations'][0]['messages'][0]['body'] == 'Hello there'

    helper = app.new_user()
    await sign_in(helper, email='ben@example.com')
    await helper.open(f'/customers/{session.customer_id}')
    await helper.should_see(marker='save-customer')
    await helper.should_not_see(marker='download-customer-data')


async def test_erase_button_asks_for_the_email_then_the_page_shows_erased_customer(app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, permissions=ALL)
        session = (await create_session(db=db, session_in=SessionCreate(email='pia@example.com',
                                                                        name='Pia Quellmark'))).session
    await shopper_says(app.runtime.shopper_messages, session, 'Hello there', client_msg_id='1')
    await sign_in(user)
    await user.open(f'/customers/{session.customer_id}')
    user.find(marker='erase-customer').click()
    await user.should_see('Erase Pia Quellmark?', marker='erase-title')
    user.find(marker='erase-confirm-email').type('someone@example.com').trigger('keydown.enter')
    await user.should_see('Type the e-mail exactly as shown to confirm.')
    async with app.runtime.db.sessions() as db:
        still = await db.get(Customer, session.customer_id)
        assert still is not None and still.name == 'Pia Quellmark'
    user.find(marker='erase-confirm-email').clear().type('PIA@example.com')
    user.find(marker='erase-confirm').click()
    await user.should_see('Erased customer', marker='customer-erased')
    async with app.runtime.db.sessions() as db:
        gone = await db.get(Customer, session.customer_id)
        assert gone is not None and gone.name == '' and gone.email.endswith('@invalid')
