"""W1 webhooks: endpoints (who may manage them, which addresses they may have) and the delivery rows each event
writes (in the event's own transaction, or from the local bus for messages; never for notes or relayed events)."""
from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Staff, WebhookDelivery
from services import carts, conversations, orders, rating_links, ratings, webhooks
from services.chat_sessions import SessionCreate, create_session
from services.errors import Invalid, PermissionDenied
from services.events import EventBus
from services.permissions import Permission
from services.views import MessageView
from services.webhook_events import MessageEvents, send_test
from tests.commerce_data import add_product
from tests.conftest import add_staff


def resolver_to(*addresses: str) -> webhooks.Resolver:
    async def resolve(_host: str, _port: int) -> list[str]:
        return list(addresses)
    return resolve


PUBLIC = resolver_to('93.184.216.34')


async def owner(db: AsyncSession) -> Staff:
    return await add_staff(db, email='owner@example.com', name='Olga Owner', is_owner=True)


async def add(db: AsyncSession, staff: Staff, events: list[str], url: str = 'https://hooks.example.com/in',
              **kwargs: object) -> webhooks.CreatedEndpoint:
    return await webhooks.add_endpoint(db=db, staff=staff, url=url, events=events,
                                       resolver=kwargs.pop('resolver', PUBLIC), **kwargs)  # type: ignore[arg-type]


async def deliveries(db: AsyncSession) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(col(WebhookDelivery.id)).execution_options(populate_existing=True)
    return list((await db.exec(query)).all())


async def test_only_the_owner_and_staff_who_manage_staff_manage_endpoints(db: AsyncSession) -> None:
    helper = await add_staff(db)  # the default permissions: no "Manage staff"
    with pytest.raises(PermissionDenied):
        await add(db, helper, ['message.created'])
    manager = await add_staff(db, email='mia@example.com', name='Mia', permissions=[Permission.MANAGE_STAFF])
    created = await add(db, manager, ['message.created', 'order.created'])
    assert created.secret.startswith('whsec_') and len(created.secret) > 40
    endpoint_id = created.endpoint.id
    for refused in (webhooks.list_endpoints(db=db, staff=helper),
                    webhooks.update_endpoint(db=db, staff=helper, endpoint_id=endpoint_id, active=False),
                    webhooks.delivery_log(db=db, staff=helper, endpoint_id=endpoint_id),
                    send_test(db=db, staff=helper, endpoint_id=endpoint_id),
                    webhooks.remove_endpoint(db=db, staff=helper, endpoint_id=endpoint_id)):
        with pytest.raises(PermissionDenied):
            await refused
    [listed] = await webhooks.list_endpoints(db=db, staff=manager)
    assert listed.events == ['message.created', 'order.created'] and listed.active
    assert created.secret not in repr(listed)  # the secret is shown once, never in a view
    await webhooks.remove_endpoint(db=db, staff=manager, endpoint_id=endpoint_id)
    assert await webhooks.list_endpoints(db=db, staff=manager) == []


@pytest.mark.parametrize('url', ['ftp://hooks.example.com/', 'hooks.example.com/in', 'https://', '',
                                 'https://user:pw@hooks.example.com/', 'https://hooks.example.com:99999/'])
def test_an_endpoint_must_be_an_http_address(url: str) -> None:
    with pytest.raises(Invalid) as refused:
        webhooks.parse_url(url)
    assert refused.value.code == 'invalid_url'


@pytest.mark.parametrize('address', ['127.0.0.1', '10.1.2.3', '192.168.0.10', '172.16.5.4', '169.254.169.254',
                                     '::1', 'fe80::1', 'fd00::5', '0.0.0.0', '224.0.0.1', '::ffff:127.0.0.1'])
async def test_an_address_inside_the_shops_network_is_refused_unless_allowed(address: str) -> None:
    target = webhooks.parse_url('https://hooks.example.com/in')
    with pytest.raises(Invalid) as refused:
        await webhooks.check_reachable(target, allow_private=False, resolver=resolver_to('93.184.216.34', address))
    assert refused.value.code == 'private_url'
    assert 'a webhook must not become a way into the shop\'s own network' in refused.value.message
    await webhooks.check_reachable(target, allow_private=True, resolver=resolver_to(address))


async def test_a_private_endpoint_is_stored_only_when_allowed(db: AsyncSession) -> None:
    staff = await owner(db)
    with pytest.raises(Invalid):
        await add(db, staff, ['message.created'], resolver=resolver_to('10.0.0.8'))
    created = await add(db, staff, ['message.created'], resolver=resolver_to('10.0.0.8'), allow_private=True)
    assert created.endpoint.allow_private
    with pytest.raises(Invalid):  # switching the permission off again checks the address again
        await webhooks.update_endpoint(db=db, staff=staff, endpoint_id=created.endpoint.id, allow_private=False,
                                       resolver=resolver_to('10.0.0.8'))


async def test_a_name_that_does_not_resolve_and_unknown_events_are_refused(db: AsyncSession) -> None:
    staff = await owner(db)
    with pytest.raises(Invalid) as refused:
        await add(db, staff, ['message.created'], url='https://nowhere.invalid/',
                  resolver=webhooks.resolve_host)
    assert refused.value.code == 'unresolvable_url'
    with pytest.raises(Invalid) as refused:
        await add(db, staff, ['message.deleted'])
    assert refused.value.code == 'unknown_event'
    with pytest.raises(Invalid):
        await add(db, staff, [])


async def test_the_real_resolver_finds_localhost_and_it_is_refused(db: AsyncSession) -> None:
    with pytest.raises(Invalid) as refused:
        await add(db, await owner(db), ['message.created'], url='http://localhost:8080/hook',
                  resolver=webhooks.resolve_host)
    assert refused.value.code == 'private_url'


async def test_each_event_writes_rows_in_its_own_transaction_for_endpoints_that_chose_it(db: AsyncSession) -> None:
    staff = await owner(db)
    everything = await add(db, staff, list(webhooks.EVENT_TYPES))
    orders_only = await add(db, staff, ['order.created'], url='https://orders.example.com/in')
    paused = await add(db, staff, list(webhooks.EVENT_TYPES), url='https://paused.example.com/in')
    await webhooks.update_endpoint(db=db, staff=staff, endpoint_id=paused.endpoint.id, active=False)
    bus = EventBus()
    session = (await create_session(db=db, session_in=SessionCreate(email='eva@example.com'))).session
    conversation_id = session.conversation_id
    variant = await add_product(db, 'Wool Socks')
    variant_id, variant_title, staff_id = variant.id, variant.title, staff.id
    await carts.change_cart(db=db, bus=bus, chat_session=session, action='add', variant_id=variant.id, quantity=2,
                            currency='EUR')
    order_number = (await orders.checkout(db=db, bus=bus, chat_session=session, currency='EUR')).number
    await conversations.assign(db=db, bus=bus, staff=staff, conversation_id=conversation_id, assignee_id=staff.id)
    await conversations.set_status(db=db, bus=bus, staff=staff, conversation_id=conversation_id, status='closed')
    rows = await deliveries(db)
    mine = [row for row in rows if row.endpoint_id == everything.endpoint.id]
    assert [row.type for row in mine] == ['conversation.created', 'cart.changed', 'order.created',
                                          'conversation.assigned', 'conversation.status_changed']
    assert [row.type for row in rows if row.endpoint_id == orders_only.endpoint.id] == ['order.created']
    assert not [row for row in rows if row.endpoint_id == paused.endpoint.id]
    by_type = {row.type: row for row in mine}
    assert by_type['conversation.created'].payload['conversation']['id'] == conversation_id
    assert by_type['cart.changed'].payload == {
        'conversation_id': conversation_id, 'action': 'add', 'product_title': 'Wool Socks',
        'variant_id': variant_id, 'variant_title': variant_title, 'quantity': 2}
    assert by_type['order.created'].payload['order']['order_number'] == order_number
    assert by_type['order.created'].payload['order']['lines'][0]['quantity'] == 2
    assert by_type['conversation.assigned'].payload == {'conversation_id': conversation_id,
                                                        'assignee_id': staff_id, 'assignee_name': 'Olga Owner'}
    assert by_type['conversation.status_changed'].payload == {'conversation_id': conversation_id,
                                                              'status': 'closed', 'previous_status': 'open'}
    order_rows = [row for row in rows if row.type == 'order.created']
    assert len({row.event_id for row in order_rows}) == 1 and order_rows[0].event_id.startswith('evt_')
    assert {row.status for row in rows} == {'pending'} and {row.attempts for row in rows} == {0}
    survey = await ratings.waiting_survey(db, conversation_id)  # closing asked the offline shopper by e-mail (K2)
    assert survey is not None and survey.id is not None
    token = rating_links.sign('s3cret', survey_id=survey.id, expires_at=survey.expires_at)
    await ratings.rate_by_link(db=db, bus=bus, secret='s3cret', token=token, rating=4, comment='Quick answer')
    [rated] = [row for row in await deliveries(db) if row.type == 'rating.created']
    assert rated.endpoint_id == everything.endpoint.id
    assert rated.payload['conversation_id'] == conversation_id
    assert (rated.payload['rating']['rating'], rated.payload['rating']['comment']) == (4, 'Quick answer')


def message(kind: str, *, author: str = 'customer', message_id: int = 1) -> MessageView:
    from db.types import utcnow
    return MessageView(id=message_id, conversation_id=7, session_id=3, author=author, author_name='', kind=kind,
                       body='Secret plans' if kind == 'note' else 'Hello', payload={}, created_at=utcnow())


async def test_messages_but_never_notes_nor_relayed_ones_become_message_created(db: AsyncSession) -> None:
    from services.events import RelayedEvent
    staff = await owner(db)
    await add(db, staff, ['message.created'])
    woken: list[bool] = []
    engine_sessions = db.bind
    assert engine_sessions is not None
    from sqlalchemy.ext.asyncio import async_sessionmaker
    events = MessageEvents(async_sessionmaker(engine_sessions, class_=AsyncSession, expire_on_commit=False),
                           written=lambda: woken.append(True))
    bus = EventBus()
    bus.message_created.subscribe(events.message_created)
    bus.message_created.emit(message('text', message_id=1))
    bus.message_created.emit(message('note', author='staff', message_id=2))
    bus.message_created.emit(message('cart_event', author='system', message_id=3))
    bus.message_created.emit(message('event', author='system', message_id=4))
    relayed: RelayedEvent[MessageView] = bus.message_created
    relayed.emit_here(message('text', message_id=5))  # another process stored it and writes its rows
    bus.message_created.emit(message('text', author='staff', message_id=6))
    assert await events.write_queued() == 2
    rows = await deliveries(db)
    assert [(row.type, row.payload['message']['id']) for row in rows] == [('message.created', 1),
                                                                         ('message.created', 6)]
    assert 'Secret plans' not in str([row.payload for row in rows]) and woken == [True]


async def test_send_test_queues_a_ping_for_that_endpoint_only(db: AsyncSession) -> None:
    staff = await owner(db)
    first = await add(db, staff, ['order.created'])
    await add(db, staff, ['order.created'], url='https://other.example.com/in')
    event_id = await send_test(db=db, staff=staff, endpoint_id=first.endpoint.id)
    [row] = await deliveries(db)
    assert (row.endpoint_id, row.type, row.event_id) == (first.endpoint.id, 'ping', event_id)
    [log_row] = await webhooks.delivery_log(db=db, staff=staff, endpoint_id=first.endpoint.id)
    assert (log_row.type, log_row.status) == ('ping', 'pending')


async def test_erasing_a_customer_deletes_the_webhook_events_about_them(db: AsyncSession) -> None:
    from services.customer_erasure import erase_in_session
    staff = await owner(db)
    endpoint = await add(db, staff, list(webhooks.EVENT_TYPES))
    erased = (await create_session(db=db, session_in=SessionCreate(email='eva@example.com'))).session
    kept = (await create_session(db=db, session_in=SessionCreate(email='ola@example.com'))).session
    erased_ids, kept_conversation = (erased.customer_id, erased.conversation_id), kept.conversation_id
    await conversations.set_status(db=db, bus=EventBus(), staff=staff, conversation_id=erased_ids[1], status='closed')
    await send_test(db=db, staff=staff, endpoint_id=endpoint.endpoint.id)
    assert [row.conversation_id for row in await deliveries(db)] == [erased_ids[1], kept_conversation,
                                                                     erased_ids[1], None]
    await erase_in_session(db=db, customer_id=erased_ids[0])
    assert [(row.type, row.conversation_id) for row in await deliveries(db)] == [
        ('conversation.created', kept_conversation), ('ping', None)]
