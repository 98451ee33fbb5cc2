"""The profile panel (P1 to P5), the header cart (E2) and the Manage and order pages, through the simulated user."""
from __future__ import annotations

from nicegui.testing import User

from services import carts, orders
from services.chat_sessions import SessionCreate, create_session
from services.messages import list_for_session
from tests.commerce_data import add_product
from tests.conftest import App, add_staff, sign_in
from tests.shoppers import shopper_says


async def shopper(app: App, email: str = 'pia@example.com'):  # type: ignore[no-untyped-def]
    async with app.runtime.db.sessions() as db:
        await add_staff(db)
        session = (await create_session(db=db, session_in=SessionCreate(email=email, name='Pia',
                                                                        timezone='Europe/Helsinki'))).session
        await shopper_says(app.runtime.shopper_messages, session, 'Hello', client_msg_id='1')
    return session


async def test_cart_events_header_cart_and_profile_cart_update_live(app: App, user: User) -> None:
    session = await shopper(app)
    async with app.runtime.db.sessions() as db:
        socks = await add_product(db, 'Wool socks', price_cents=1250, inventory=9)
        long = await add_product(db, 'Merino Wool Hiking Socks, Extra Cushioned Crew 3-Pack', price_cents=3000)
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see(marker='cart-empty')
    await user.should_see(marker='no-last-order')
    async with app.runtime.db.sessions() as db:
        for variant, qty in ((socks, 2), (long, 1)):
            await carts.change_cart(db=db, bus=app.runtime.bus, chat_session=session, action='add',
                                    variant_id=variant.id, quantity=qty, currency='EUR')
    await user.should_see('Added Wool socks to the cart')
    await user.should_see('Added a product to the cart')
    await user.should_see('2 × Wool socks, 1 × Merino Wool Hiking Socks, Extra Cushioned Crew 3-Pack')
    await user.should_see('Subtotal 55.00 EUR')
    await user.should_see('55.00 EUR', marker='profile-cart-subtotal')

    async with app.runtime.db.sessions() as db:
        await orders.checkout(db=db, bus=app.runtime.bus, chat_session=session, currency='EUR')
    await user.should_see(marker='cart-empty')
    await user.should_see('#1001', marker='last-order')
    await user.should_not_see(marker='header-cart-items')


async def test_note_is_saved_on_the_customer_and_never_reaches_the_shopper(app: App, user: User) -> None:
    session = await shopper(app)
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    user.find(marker='note').type('Prefers size M. VIP.')
    user.find(marker='save-note').click()
    await user.should_see('Edited by Ana Berg')
    async with app.runtime.db.sessions() as db:
        visible = await list_for_session(db=db, chat_session=session)
    assert all('VIP' not in m.body for m in visible)
    token_view = await app.http.get('/api/v1/chat/messages')  # no token: nothing at all
    assert token_view.status_code == 401
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see('Prefers size M. VIP.')


async def test_manage_page_validates_and_saves_the_customer(app: App, user: User) -> None:
    session = await shopper(app)
    await sign_in(user)
    await user.open(f'/customers/{session.customer_id}')
    user.find('Phone').type('call me maybe')
    user.find(marker='save-customer').click()
    await user.should_see('The phone number may contain digits')
    user.find('Phone').clear().type('+358 40 123 4567')
    user.find('Time zone').clear().type('Mars/Olympus')
    user.find(marker='save-customer').click()
    await user.should_see('Unknown time zone')
    user.find('Time zone').clear().type('Europe/Helsinki')
    user.find(marker='save-customer').click()
    await user.should_see('Customer saved')
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see('+358 40 123 4567')
    await user.should_see(marker='local-time')


async def test_a_note_being_typed_survives_the_shopper_writing(app: App, user: User) -> None:
    """The panel was cleared and rebuilt on every change of the conversation, wiping an unsaved note (issue 17)."""
    session = await shopper(app)
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see(marker='note')
    user.find(marker='note').type('Prefers size M, call after 5')
    await shopper_says(app.runtime.shopper_messages, session, 'Are you there?', client_msg_id='2')
    await user.should_see('Are you there?')
    typed = [getattr(el, 'value', None) for el in user.find(marker='note').elements]
    assert typed == ['Prefers size M, call after 5']


async def test_conversation_details_show_the_topic_once_the_tagger_tagged_it(app: App, user: User) -> None:
    """The panel said "None yet" after tagging until a reload: it redrew the row it had when opened (issue 17)."""
    from db.models import Conversation

    session = await shopper(app)
    await sign_in(user)
    await user.open(f'/inbox/{session.conversation_id}')
    await user.should_see('None yet')
    async with app.runtime.db.sessions() as db:  # what the tagger does (services/tagging.py): store, then publish
        conversation = await db.get(Conversation, session.conversation_id)
        assert conversation is not None
        conversation.topics = ['shipping']
        db.add(conversation)
        await db.commit()
    app.runtime.bus.conversation_changed.emit(session.conversation_id)
    await user.should_not_see('None yet')
    await user.should_see('Shipping', marker='profile-topic')


async def test_opening_another_conversation_shows_its_customer_with_cart_and_note(app: App, user: User) -> None:
    """Opening a second conversation in the same page raised on the first one's deleted note box and left the panel
    half drawn: no cart, no last order (CI, after issue 17's in-place updates)."""
    from tests.list_view import on_row

    first = await shopper(app)
    async with app.runtime.db.sessions() as db:
        second = (await create_session(db=db, session_in=SessionCreate(email='rui@example.com', name='Rui'))).session
        await shopper_says(app.runtime.shopper_messages, second, 'Hi there', client_msg_id='1')
        socks = await add_product(db, 'Wool socks', price_cents=1250, inventory=9)
        await carts.change_cart(db=db, bus=app.runtime.bus, chat_session=second, action='add', variant_id=socks.id,
                                quantity=1, currency='EUR')
    await sign_in(user)
    await user.open(f'/inbox/{first.conversation_id}')
    await user.should_see('Pia', marker='profile-name')
    await user.should_see(marker='cart-empty')
    on_row(user, 'select', second.conversation_id)
    await user.should_see('Rui', marker='profile-name')
    await user.should_see('12.50 EUR', marker='profile-cart-subtotal')
    await user.should_see(marker='no-last-order')
    assert len(user.find(marker='note').elements) == 1
