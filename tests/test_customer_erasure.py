"""G1 Erase a customer: the personal data leaves the database, its WAL, the search indexes and the data dir; the
conversation and its message count stay (M1); the other customers are untouched."""
from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.settings import Settings
from db.models import Cart, Conversation, Customer, EmailOutbox, Message, Staff, TopicCorrection
from services import conversations, customers
from services.classification.topics import TOPIC_KEYS
from services.customer_erasure import ErasureFiles, erase_and_clean_up
from services.customer_names import erased_email, shown_name
from services.errors import NotFound, PermissionDenied
from services.events import EventBus
from services.images import store_image
from services.mail.outbox import deliver_due
from services.mail.transport import FolderTransport
from services.messages import send_staff_reply
from services.permissions import Permission
from services.privacy_commands import PrivacyCommands
from services.sharing import share_image
from services.tagging import set_topic
from services.views import ConversationRow
from tests.commerce_data import add_product
from tests.conftest import App, add_staff

NAME = 'Zelda Quixfeather'
EMAIL = 'zelda.quixfeather@example.com'
PHONE = '+358 40 999 1234'
CITY = 'Xanthippeville'
NOTE_WORD = 'glorptasticwrapping'
SHOPPER_WORD = 'plumbobulousmittens'
EMAIL_SHOPPER_WORD = 'snorkelwaffles'
REPLY_WORD = 'frobnicatedyarn'
SECRETS = [NAME, EMAIL, PHONE, CITY, NOTE_WORD, SHOPPER_WORD, EMAIL_SHOPPER_WORD, REPLY_WORD, 'Quixfeather',
           'quixfeather']
OTHER = ('Bob Otherson', 'bob.otherson@example.com', 'wombatliciousquestion')


@dataclass
class Loaded:
    customer_id: int
    conversation_id: int
    token: str
    image_path: Path
    other_customer_id: int
    other_conversation_id: int
    owner: Staff
    message_count: int


def _png() -> bytes:
    out = io.BytesIO()
    Image.new('RGB', (8, 8), (200, 30, 30)).save(out, format='PNG')
    return out.getvalue()


async def load_customer(app: App) -> Loaded:
    """One customer with everything the product stores about a shopper, and another customer beside them."""
    runtime = app.runtime
    async with runtime.db.sessions() as db:
        owner = await add_staff(db, email='owner@example.com', name='Olga Owner', is_owner=True)
        variant = await add_product(db, 'Wool Socks')
    started = await app.http.post('/api/v1/chat/sessions', json={'email': EMAIL, 'name': NAME,
                                                                 'timezone': 'Europe/Helsinki'})
    assert started.status_code == 201, started.text
    token, conversation_id, customer_id = (started.json()[k] for k in ('session_token', 'conversation_id',
                                                                       'customer_id'))
    auth = {'Authorization': f'Bearer {token}'}
    sent = await app.http.post('/api/v1/chat/messages', headers=auth,
                               json={'body': f'Do you stock {SHOPPER_WORD} for {NAME}?', 'client_msg_id': 'm1'})
    assert sent.status_code == 201, sent.text
    for round_ in range(2):  # one order, then a cart that stays
        added = await app.http.post('/api/v1/storefront/cart/events', headers=auth,
                                    json={'action': 'add', 'variant_id': variant.id, 'quantity': 1})
        assert added.status_code in (200, 201), added.text
        if round_ == 0:
            checkout = await app.http.post('/api/v1/storefront/checkout', headers=auth)
            assert checkout.status_code in (200, 201), checkout.text
    async with runtime.db.sessions() as db:
        await customers.update_customer(db=db, staff=owner, customer_id=customer_id,
                                        customer_in=customers.CustomerUpdate(
                                            name=NAME, email=EMAIL, phone=PHONE, city=CITY, country='Finland',
                                            timezone='Europe/Helsinki', accepts_email_marketing=True,
                                            accepts_sms_marketing=False))
        await customers.save_note(db=db, staff=owner, customer_id=customer_id, text=f'Likes {NOTE_WORD}')
        await set_topic(db=db, bus=runtime.bus, staff=owner, conversation_id=conversation_id, topic=TOPIC_KEYS[0])
        # the shopper has left: the reply goes out by e-mail and is saved as an .eml file
        conversation = await db.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.customer_online = False
        db.add(conversation)
        await db.commit()
        reply = await send_staff_reply(db=db, bus=runtime.bus, staff=owner, conversation_id=conversation_id,
                                       body=f'Hello {NAME}, the {REPLY_WORD} is back.')
        name, image = await store_image(uploads_dir=runtime.config.uploads_dir, data=_png())
        await share_image(db=db, bus=runtime.bus, staff=owner, conversation_id=conversation_id, name=name,
                          image=image)
        # the shopper's answer by e-mail (C1 inbound) lands in the same conversation
        db.add(Message(conversation_id=conversation_id, author='customer', kind='text',
                       body=f'Thanks! {EMAIL_SHOPPER_WORD}', payload={'via': 'email', 'from': EMAIL,
                                                                      'subject': f'Re: for {NAME}'}))
        await db.commit()
    assert reply.delivery == 'email_pending'
    sent_mail = await deliver_due(sessions=runtime.db.sessions, transport=FolderTransport(runtime.config.mail.mail_dir),
                                  bus=runtime.bus, mail=runtime.config.mail)
    assert sent_mail >= 1 and list(runtime.config.mail.mail_dir.glob('*.eml'))
    other = await app.http.post('/api/v1/chat/sessions', json={'email': OTHER[1], 'name': OTHER[0]})
    other_auth = {'Authorization': f'Bearer {other.json()["session_token"]}'}
    await app.http.post('/api/v1/chat/messages', headers=other_auth, json={'body': OTHER[2], 'client_msg_id': 'o1'})
    async with runtime.db.sessions() as db:
        count = (await db.exec(select(func.count()).where(Message.conversation_id == conversation_id))).one()
        correction = (await db.exec(select(TopicCorrection))).first()
        assert correction is not None and SHOPPER_WORD in correction.text
    return Loaded(customer_id=customer_id, conversation_id=conversation_id, token=token,
                  image_path=runtime.config.uploads_dir / name, other_customer_id=other.json()['customer_id'],
                  other_conversation_id=other.json()['conversation_id'], owner=owner, message_count=int(count))


async def search(app: App, words: str) -> list[ConversationRow]:
    async with app.runtime.db.sessions() as db:
        return await conversations.list_rows(db=db, flt=conversations.ListFilter(status='open', search=words)) + \
            await conversations.list_rows(db=db, flt=conversations.ListFilter(status='closed', search=words))


async def test_erasing_a_customer_removes_their_data_and_keeps_the_conversation(app: App) -> None:
    loaded = await load_customer(app)
    assert loaded.image_path.is_file()
    assert [row.id for row in await search(app, SHOPPER_WORD)] == [loaded.conversation_id]
    assert [row.id for row in await search(app, 'Quixfeather')] == [loaded.conversation_id]

    report = await PrivacyCommands(app.runtime, staff_id=loaded.owner.id or 0).erase_customer(loaded.customer_id)

    assert report.conversation_ids == [loaded.conversation_id] and report.files_removed >= 2
    assert not loaded.image_path.exists() and not list(app.runtime.config.mail.mail_dir.glob('*.eml'))
    for words in (SHOPPER_WORD, REPLY_WORD, EMAIL_SHOPPER_WORD, 'Quixfeather', 'zelda', '999'):
        assert await search(app, words) == [], words
    auth = {'Authorization': f'Bearer {loaded.token}'}
    assert (await app.http.get('/api/v1/chat/messages', headers=auth)).status_code == 401
    assert (await app.http.post('/api/v1/chat/messages', headers=auth,
                                json={'body': 'still here?', 'client_msg_id': 'm9'})).status_code == 401
    assert (await app.http.get('/api/v1/storefront/cart', headers=auth)).status_code == 401
    async with app.runtime.db.sessions() as db:
        customer = await db.get(Customer, loaded.customer_id)
        assert customer is not None and customer.email == erased_email(loaded.customer_id)
        assert (customer.name, customer.phone, customer.city, customer.note) == ('', '', '', '')
        messages = (await db.exec(select(Message).where(Message.conversation_id == loaded.conversation_id))).all()
        assert len(messages) == loaded.message_count
        erased = [m for m in messages if m.kind != 'event']
        assert erased and all(m.body == '' and m.payload == {'erased': True} for m in erased)
        assert {m.author for m in messages} >= {'customer', 'staff'}
        assert (await db.exec(select(Cart).where(Cart.customer_id == loaded.customer_id))).first() is None
        assert (await db.exec(select(EmailOutbox))).first() is None
        assert (await db.exec(select(TopicCorrection))).first() is None
        profile = await customers.get_profile(db=db, customer_id=loaded.customer_id, currency='EUR')
        assert profile.order_count == 1  # the order stays for the bookkeeping
        row = await conversations.get_row(db=db, conversation_id=loaded.conversation_id)
        assert shown_name(row.customer_name, row.customer_email) == 'Erased customer'
        other = await db.get(Customer, loaded.other_customer_id)
        assert other is not None and (other.name, other.email) == OTHER[:2]
        other_texts = (await db.exec(select(Message.body).where(
            Message.conversation_id == loaded.other_conversation_id))).all()
        assert OTHER[2] in other_texts
    assert [row.id for row in await search(app, OTHER[2])] == [loaded.other_conversation_id]
    assert [row.id for row in await search(app, 'Otherson')] == [loaded.other_conversation_id]


@pytest.mark.sqlite_only
async def test_no_copy_of_an_erased_customer_stays_in_the_database_file_its_wal_or_the_data_dir(app: App) -> None:
    loaded = await load_customer(app)
    data_dir = app.settings.data_dir

    def every_byte() -> bytes:
        return b''.join(path.read_bytes() for path in sorted(data_dir.rglob('*')) if path.is_file())

    before = every_byte()
    for secret in (EMAIL, SHOPPER_WORD, REPLY_WORD, NOTE_WORD):  # the test can fail: they are there now
        assert secret.encode() in before, secret
    await PrivacyCommands(app.runtime, staff_id=loaded.owner.id or 0).erase_customer(loaded.customer_id)

    database_file = data_dir / 'inbox.db'
    wal = data_dir / 'inbox.db-wal'
    raw = database_file.read_bytes() + (wal.read_bytes() if wal.exists() else b'')
    everything = every_byte()
    for secret in SECRETS:
        for form in {secret, secret.lower()}:
            assert form.encode() not in raw, f'{form!r} is still in the database file or its WAL'
            assert form.encode() not in everything, f'{form!r} is still in a file under the data dir'
    assert OTHER[2].encode() in everything  # the other customer's data stays


async def helper_and_manager(app: App) -> tuple[Staff, Staff]:
    """G1 and G2's permission: a member with the chat permission only, and one who may manage staff."""
    async with app.runtime.db.sessions() as db:
        helper = await add_staff(db, email='helper@example.com', name='Hel Per')
        manager = await add_staff(db, email='manager@example.com', name='Man Ager',
                                  permissions={Permission.REPLY, Permission.MANAGE_STAFF})
    return helper, manager


async def test_only_the_owner_or_manage_staff_may_erase(app: App) -> None:
    loaded = await load_customer(app)
    helper, manager = await helper_and_manager(app)
    with pytest.raises(PermissionDenied):
        await PrivacyCommands(app.runtime, staff_id=helper.id or 0).erase_customer(loaded.customer_id)
    async with app.runtime.db.sessions() as db:
        still = await db.get(Customer, loaded.customer_id)
        assert still is not None and still.email == EMAIL
    with pytest.raises(NotFound):
        await PrivacyCommands(app.runtime, staff_id=manager.id or 0).erase_customer(999_999)
    await PrivacyCommands(app.runtime, staff_id=manager.id or 0).erase_customer(loaded.customer_id)
    async with app.runtime.db.sessions() as db:
        gone = (await db.exec(select(Customer).where(col(Customer.email) == EMAIL))).first()
        assert gone is None


def inbox(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, '-m', 'app.cli', *args, '--data-dir', str(data_dir)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.sqlite_only  # the command runs on the test's SQLite data dir
async def test_erase_customer_command_needs_yes_and_names_an_unknown_address(settings: Settings,
                                                                            db: AsyncSession) -> None:
    db.add(Customer(email=EMAIL, name=NAME, phone=PHONE))
    await db.commit()
    unconfirmed = inbox('erase-customer', EMAIL, data_dir=settings.data_dir)
    assert unconfirmed.returncode == 2
    assert unconfirmed.stderr.strip() == f'inbox: error: erasing cannot be undone: add --yes to erase {EMAIL}'
    unknown = inbox('erase-customer', 'nobody@example.com', '--yes', data_dir=settings.data_dir)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == 'inbox: error: No customer has the e-mail nobody@example.com.'
    done = inbox('erase-customer', EMAIL.upper(), '--yes', data_dir=settings.data_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('Erased customer ') and NAME not in done.stdout + done.stderr
    db.expire_all()
    customer = (await db.exec(select(Customer))).one()
    assert (customer.email, customer.name, customer.phone) == (erased_email(customer.id or 0), '', '')


async def test_a_token_cached_by_a_serving_process_stops_working_after_an_erasure_elsewhere(app: App) -> None:
    """`inbox erase-customer` runs in another process, which cannot empty this server's token cache (the SQLite
    writer's): the write transaction sees the erased customer and refuses the message."""
    started = await app.http.post('/api/v1/chat/sessions', json={'email': EMAIL, 'name': NAME})
    auth = {'Authorization': f'Bearer {started.json()["session_token"]}'}
    first = await app.http.post('/api/v1/chat/messages', headers=auth, json={'body': 'hello', 'client_msg_id': 'a'})
    assert first.status_code == 201  # the token is now in the writer's cache
    settings = app.settings
    await erase_and_clean_up(database=app.runtime.db, bus=EventBus(), customer_id=started.json()['customer_id'],
                             files=ErasureFiles(uploads_dir=settings.uploads_dir, mail_dir=settings.mail_dir))
    later = await app.http.post('/api/v1/chat/messages', headers=auth,
                                json={'body': f'my {SHOPPER_WORD}', 'client_msg_id': 'b'})
    assert later.status_code == 401, later.text
    async with app.runtime.db.sessions() as db:
        texts = (await db.exec(select(Message.body).where(
            Message.conversation_id == started.json()['conversation_id']))).all()
    assert not [text for text in texts if SHOPPER_WORD in text]
