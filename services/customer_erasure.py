"""G1: erase a customer on request. The personal data goes; the records stay (SPEC M1: conversations are never
deleted), so counts, timestamps, authors, kinds and the orders' bookkeeping survive.

The erasure is a list of small steps, one per table (`STEPS`), run in one transaction. A table that holds
customer data gets its own step here (notes, ratings, blocks, ... as they are added). After the commit the files
(shared images, saved .eml mails) are removed, and on SQLite the WAL is checkpointed so no copy of the old rows stays
in the WAL; the transaction itself runs with `PRAGMA secure_delete=ON`, so freed pages are zeroed, and the FTS5
indexes are merged (`optimize`) so the erased words leave their segments too.

The erased customer keeps their row with an address nobody can have (`erased-<id>@invalid`, RFC 2606's reserved
top-level domain), which keeps the unique constraint and is how the UI knows to show "Erased customer".
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, text, update
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database, is_sqlite
from db.locks import CUSTOMER_DATA, exclusive_until_commit
from db.models import (
    Cart,
    CartItem,
    ChatSession,
    Conversation,
    Customer,
    EmailOutbox,
    Message,
    NoteMention,
    Rating,
    ReplyAddress,
    Staff,
    TopicCorrection,
    WebhookDelivery,
)
from db.states import MessageKind
from db.types import utcnow
from services import audit
from services.audit import Action
from services.customer_names import erased_email
from services.errors import NotFound
from services.events import EventBus
from services.images import stored_path
from services.mail.transport import eml_name_of
from services.permissions import Permission, require

log = logging.getLogger(__name__)

ERASED_PAYLOAD = {'erased': True}
"""What an erased message's payload becomes (the thread shows "Erased" for it)."""
KEPT_KINDS = frozenset({MessageKind.EVENT})
"""System events (status, assignment) name staff only: they stay as they are."""


@dataclass
class ErasureScope:
    """What one erasure covers, filled by the steps as they go (the files are removed after the commit)."""
    customer_id: int
    conversation_ids: list[int]
    session_ids: list[int]
    old_token_hashes: list[str] = field(default_factory=list)
    image_names: list[str] = field(default_factory=list)
    eml_names: list[str] = field(default_factory=list)
    messages_erased: int = 0


@dataclass(frozen=True)
class ErasureReport:
    customer_id: int
    conversation_ids: list[int]
    messages_erased: int
    files_removed: int
    wal_checkpointed: bool | None  # None: not SQLite


Step = Callable[[AsyncSession, ErasureScope], Awaitable[None]]


def _unusable_hash() -> str:
    """A token hash no token has (the hash of 32 random bytes nobody keeps), unique like the column wants."""
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


async def erase_profile(db: AsyncSession, scope: ErasureScope) -> None:
    customer = await db.get(Customer, scope.customer_id)
    assert customer is not None
    customer.email = erased_email(scope.customer_id)
    customer.name = customer.phone = customer.city = customer.country = ''
    customer.timezone = customer.locale = customer.note = ''
    customer.note_updated_at = None
    customer.note_updated_by_id = None
    customer.accepts_email_marketing = customer.accepts_sms_marketing = False
    db.add(customer)


async def erase_messages(db: AsyncSession, scope: ErasureScope) -> None:
    """Every text of the customer's conversations, theirs and staff's (replies quote and address them); the rows,
    authors, kinds and times stay. Images sent in them are listed for removal."""
    if not scope.conversation_ids:
        return
    found = (await db.exec(select(Message).where(col(Message.conversation_id).in_(scope.conversation_ids),
                                                 col(Message.kind).not_in(KEPT_KINDS)))).all()
    for message in found:
        if message.kind == MessageKind.IMAGE and isinstance(message.payload.get('name'), str):
            scope.image_names.append(message.payload['name'])
        if message.body or message.payload != ERASED_PAYLOAD:  # not erased before (G1 or G3)
            scope.messages_erased += 1
        message.body = ''
        message.payload = dict(ERASED_PAYLOAD)
        db.add(message)
    await db.exec(update(Conversation).where(col(Conversation.id).in_(scope.conversation_ids))
                  .values(last_message_preview='', customer_online=False, texts_erased_at=utcnow()))


async def erase_note_mentions(db: AsyncSession, scope: ErasureScope) -> None:
    """R2: the mentions of the internal notes in their conversations (the notes' texts went with erase_messages; a
    mention of an erased note would only lead staff to an empty line)."""
    if scope.conversation_ids:
        notes = select(Message.id).where(col(Message.conversation_id).in_(scope.conversation_ids),
                                         Message.kind == MessageKind.NOTE)
        await db.exec(delete(NoteMention).where(col(NoteMention.message_id).in_(notes)))


async def erase_chat_sessions(db: AsyncSession, scope: ErasureScope) -> None:
    """E-mail, name and token hash: the shopper's tokens stop working."""
    for chat_session in (await db.exec(select(ChatSession).where(ChatSession.customer_id == scope.customer_id))).all():
        scope.old_token_hashes.append(chat_session.token_hash)
        chat_session.token_hash = _unusable_hash()
        chat_session.email = erased_email(scope.customer_id)
        chat_session.name = chat_session.locale = chat_session.timezone = ''
        chat_session.verify_code_hash = None
        chat_session.verify_expires_at = None
        chat_session.online = False
        db.add(chat_session)


async def erase_reply_addresses(db: AsyncSession, scope: ErasureScope) -> None:
    """reply+<token>@ addresses of the conversations: an answer to an old e-mail no longer finds them."""
    if scope.conversation_ids:
        await db.exec(delete(ReplyAddress).where(col(ReplyAddress.conversation_id).in_(scope.conversation_ids)))


async def erase_outbox(db: AsyncSession, scope: ErasureScope) -> None:
    """Queued and sent mail (address, subject); the saved .eml files are listed for removal. The messages keep
    their delivery state."""
    if not scope.conversation_ids:
        return
    rows = (await db.exec(select(EmailOutbox).where(
        col(EmailOutbox.conversation_id).in_(scope.conversation_ids)))).all()
    scope.eml_names.extend(name for name in (eml_name_of(row.message_id_header) for row in rows) if name)
    await db.exec(delete(EmailOutbox).where(col(EmailOutbox.conversation_id).in_(scope.conversation_ids)))


async def erase_carts(db: AsyncSession, scope: ErasureScope) -> None:
    cart_ids = select(Cart.id).where(Cart.customer_id == scope.customer_id)
    await db.exec(delete(CartItem).where(col(CartItem.cart_id).in_(cart_ids)))
    await db.exec(delete(Cart).where(col(Cart.customer_id) == scope.customer_id))


async def erase_topic_corrections(db: AsyncSession, scope: ErasureScope) -> None:
    """Corrections keep the message text for training: they go."""
    if scope.conversation_ids:
        await db.exec(delete(TopicCorrection).where(
            col(TopicCorrection.conversation_id).in_(scope.conversation_ids)))


async def erase_ratings(db: AsyncSession, scope: ErasureScope) -> None:
    """K2: the comments go; the 1-to-5 numbers stay for Reports (like the conversations' counts)."""
    if scope.conversation_ids:
        await db.exec(update(Rating).where(col(Rating.conversation_id).in_(scope.conversation_ids))
                      .values(comment=''))


async def erase_webhook_deliveries(db: AsyncSession, scope: ErasureScope) -> None:
    """Webhook events about the conversations (W1: message texts, names), sent or still waiting: they go."""
    if scope.conversation_ids:
        await db.exec(delete(WebhookDelivery).where(
            col(WebhookDelivery.conversation_id).in_(scope.conversation_ids)))


# Orders (store_order, order_line) hold no name, e-mail or address: only amounts, products and the customer id,
# which now points at the erased record. They stay for the bookkeeping, so they need no step.

STEPS: list[Step] = [erase_profile, erase_messages, erase_note_mentions, erase_chat_sessions, erase_reply_addresses,
                     erase_outbox, erase_carts, erase_topic_corrections, erase_ratings, erase_webhook_deliveries]
"""One step per table holding customer data, in the order they run. Add a new table's step here."""
TEXT_STEPS: list[Step] = [erase_messages, erase_outbox, erase_topic_corrections]
"""The steps that erase the texts of `scope.conversation_ids` only (G3 retention): messages with their images, the
e-mails sent from them (.eml files), topic corrections; the customer, sessions and reply addresses stay."""


async def merge_search_indexes(db: AsyncSession) -> None:
    """SQLite: the FTS5 triggers (migrations 0003, 0005) replaced the erased words, but FTS5 keeps deleted entries in
    its segments until they are merged; `optimize` merges them so the words leave the file. On PostgreSQL the
    expression indexes follow the rows by themselves."""
    assert db.bind is not None
    if db.bind.dialect.name == 'sqlite':
        connection = await db.connection()
        for index in ('message_fts', 'customer_fts'):
            await connection.execute(text(f"INSERT INTO {index}({index}) VALUES('optimize')"))


async def erase_in_session(*, db: AsyncSession, customer_id: int, actor: Staff | str = audit.CLI,
                           address: str = '') -> ErasureScope:
    """Run every step, write the audit row (G4) and commit. No permission check: `erase_customer` checks it; the
    `inbox` command (run by whoever runs the server) calls this through `erase_and_clean_up` with no staff member."""
    await exclusive_until_commit(db, CUSTOMER_DATA)  # an inbound e-mail being stored now finishes first, or waits
    customer = await db.get(Customer, customer_id)
    if customer is None:
        raise NotFound('No such customer.')
    conversation_ids = list((await db.exec(select(Conversation.id).where(
        Conversation.customer_id == customer_id))).all())
    session_ids = list((await db.exec(select(ChatSession.id).where(ChatSession.customer_id == customer_id))).all())
    scope = ErasureScope(customer_id=customer_id, conversation_ids=[i for i in conversation_ids if i is not None],
                         session_ids=[i for i in session_ids if i is not None])
    for step in STEPS:
        await step(db, scope)
    audit.record(db, actor=actor, action=Action.CUSTOMER_ERASED, target=f'customer:{customer_id}', address=address,
                 detail={'conversations': len(scope.conversation_ids), 'messages': scope.messages_erased})
    await db.flush()
    await merge_search_indexes(db)
    await db.commit()
    return scope


def _remove_files(directory: Path, names: list[str], *, images: bool) -> int:
    removed = 0
    for name in names:
        path = stored_path(directory, name) if images else directory / name
        if path is not None and path.parent == directory and path.is_file():
            path.unlink()
            removed += 1
    return removed


def _checkpoint(path: str) -> bool:
    """Copy the WAL into the database file and empty it; False when a reader kept it from finishing."""
    connection = sqlite3.connect(path, timeout=5)
    try:
        busy, _log_frames, _checkpointed = connection.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchone()
        return int(busy) == 0
    finally:
        connection.close()


@dataclass(frozen=True)
class ErasureFiles:
    uploads_dir: Path
    mail_dir: Path


@asynccontextmanager
async def secure_session(database: Database) -> AsyncIterator[AsyncSession]:
    """A session whose transactions run with `secure_delete` on SQLite (freed pages are zeroed); G1 and G3."""
    sqlite = is_sqlite(database.url)
    async with database.engine.connect() as connection:
        if sqlite:
            await connection.exec_driver_sql('PRAGMA secure_delete=ON')
            await connection.commit()
        try:
            async with AsyncSession(bind=connection, expire_on_commit=False) as db:
                yield db
        finally:
            if sqlite:
                await connection.rollback()
                await connection.exec_driver_sql('PRAGMA secure_delete=OFF')
                await connection.commit()


async def remove_files_and_checkpoint(database: Database, files: ErasureFiles,
                                      scope: ErasureScope) -> tuple[int, bool | None]:
    """After the commit: the scope's images and .eml files, then (SQLite) the WAL checkpoint. Returns the files
    removed and whether the checkpoint finished (None: not SQLite)."""
    removed = await asyncio.to_thread(_remove_files, files.uploads_dir, scope.image_names, images=True)
    removed += await asyncio.to_thread(_remove_files, files.mail_dir, scope.eml_names, images=False)
    checkpointed: bool | None = None
    if is_sqlite(database.url):
        checkpointed = await asyncio.to_thread(_checkpoint, make_url(database.url).database or '')
        if not checkpointed:
            log.warning('WAL checkpoint after an erasure could not finish (a reader was busy); it runs again later')
    return removed, checkpointed


async def erase_and_clean_up(*, database: Database, bus: EventBus, files: ErasureFiles, customer_id: int,
                             forget_tokens: Callable[[list[str]], None] | None = None,
                             actor: Staff | str = audit.CLI, address: str = '') -> ErasureReport:
    """The whole erasure: the transaction (with secure_delete on SQLite), then the files, the WAL checkpoint and the
    live update of open staff tabs."""
    async with secure_session(database) as db:
        scope = await erase_in_session(db=db, customer_id=customer_id, actor=actor, address=address)
    if forget_tokens is not None:
        forget_tokens(scope.old_token_hashes)
    removed, checkpointed = await remove_files_and_checkpoint(database, files, scope)
    for conversation_id in scope.conversation_ids:
        bus.conversation_changed.emit(conversation_id)
        bus.cart_changed.emit(conversation_id)
    return ErasureReport(customer_id=customer_id, conversation_ids=scope.conversation_ids,
                         messages_erased=scope.messages_erased, files_removed=removed, wal_checkpointed=checkpointed)


async def erase_customer(*, database: Database, bus: EventBus, files: ErasureFiles, staff: Staff | None,
                         customer_id: int, forget_tokens: Callable[[list[str]], None] | None = None,
                         address: str = '') -> ErasureReport:
    """G1 for a staff member: the owner or someone with Manage staff. `forget_tokens` drops the old token hashes
    from the message store's cache, so the shopper's tokens stop working at once."""
    actor = require(staff, Permission.MANAGE_STAFF)
    report = await erase_and_clean_up(database=database, bus=bus, files=files, customer_id=customer_id,
                                      forget_tokens=forget_tokens, actor=actor, address=address)
    log.info('customer %s erased by staff %s: %d conversations, %d messages, %d files', customer_id, actor.id,
             len(report.conversation_ids), report.messages_erased, report.files_removed)
    return report
