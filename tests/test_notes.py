"""R2 internal notes: the mention rules, the permission, the mention rows stored with the note, the Mentioned view
(unseen first, seen on opening), and the customer's export (notes are data about them) and erasure."""
from __future__ import annotations

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import Message, NoteMention
from services import conversations, customer_erasure, customer_export, notes
from services.conversations import ListFilter
from services.errors import Invalid, NotFound, PermissionDenied, TooLarge
from services.events import EventBus
from services.notes import Mentionable, parse_mentions
from tests.conftest import add_staff
from tests.test_message_stores import start_chat

TEAM = [Mentionable(1, 'Ana Berg'), Mentionable(2, 'Ben Kowalski'), Mentionable(3, 'Ben Ito'),
        Mentionable(4, 'Jörg Müller-Lüdenscheidt')]


def named(body: str) -> list[int]:
    return [member.id for member in parse_mentions(body, TEAM)]


def test_a_mention_is_the_dotted_name_the_quoted_name_or_a_unique_first_name() -> None:
    assert named('@ana.berg please look') == [1]
    assert named('ask @"Ben Ito" and @ben.kowalski.') == [3, 2]
    assert named('@Ana, can you?') == [1]
    assert named('@jörg.müller-lüdenscheidt') == [4]
    assert named('@ANA @ana.berg @"ana  berg"') == [1]  # case-insensitive, each member once


def test_what_is_not_a_mention() -> None:
    assert named('@ben is two people') == []  # a first name two members share
    assert named('mail ana@example.com or @@ana') == []  # an address, a doubled @
    assert named('@nobody @"Ana" @ana.b') == []
    assert named('@') == []


async def test_a_note_stores_its_mentions_in_the_same_transaction(db: AsyncSession, database: Database) -> None:
    session, _token = await start_chat(database)
    ana = await add_staff(db)
    ben = await add_staff(db, email='ben@example.com', name='Ben Ito')
    await add_staff(db, email='cy@example.com', name='Cy Viewer', can_chat=False)  # may not use the inbox
    events: list[str] = []
    bus = EventBus()
    bus.message_created.subscribe(lambda view: events.append(view.kind))
    view = await notes.add_note(db=db, bus=bus, staff=ana, conversation_id=session.conversation_id,
                                body='  @ben.ito check the refund, @ana.berg @"Cy Viewer"  ')
    assert view.kind == 'note' and view.author == 'staff' and view.author_name == 'Ana Berg'
    assert view.body == '@ben.ito check the refund, @ana.berg @"Cy Viewer"' and view.delivery is None
    assert notes.mentions_of(view) == [ben.id]  # never the author, never staff without the inbox
    rows = (await db.exec(select(NoteMention))).all()
    assert [(row.message_id, row.staff_id, row.seen_at) for row in rows] == [(view.id, ben.id, None)]
    assert events == ['note']


async def test_a_note_needs_the_reply_permission_text_and_a_conversation(db: AsyncSession,
                                                                         database: Database) -> None:
    session, _token = await start_chat(database)
    viewer = await add_staff(db, can_chat=False)
    with pytest.raises(PermissionDenied):
        await notes.add_note(db=db, bus=EventBus(), staff=viewer, conversation_id=session.conversation_id, body='x')
    with pytest.raises(PermissionDenied):
        await notes.add_note(db=db, bus=EventBus(), staff=None, conversation_id=session.conversation_id, body='x')
    ana = await add_staff(db, email='ana2@example.com')
    with pytest.raises(Invalid):
        await notes.add_note(db=db, bus=EventBus(), staff=ana, conversation_id=session.conversation_id, body='  ')
    with pytest.raises(TooLarge):
        await notes.add_note(db=db, bus=EventBus(), staff=ana, conversation_id=session.conversation_id,
                             body='x' * 5001)
    with pytest.raises(NotFound):
        await notes.add_note(db=db, bus=EventBus(), staff=ana, conversation_id=999_999, body='x')
    assert (await db.exec(select(Message).where(Message.kind == 'note'))).all() == []


async def test_the_mentioned_view_lists_unseen_first_and_opening_marks_them_seen(db: AsyncSession,
                                                                                database: Database) -> None:
    first, _ = await start_chat(database, email='one@example.com')
    second, _ = await start_chat(database, email='two@example.com')
    await start_chat(database, email='three@example.com')  # never mentioned
    ana = await add_staff(db)
    ben = await add_staff(db, email='ben@example.com', name='Ben Ito')
    bus = EventBus()
    seen_events: list[int] = []
    bus.mentions_seen.subscribe(seen_events.append)
    await notes.add_note(db=db, bus=bus, staff=ana, conversation_id=first.conversation_id, body='@ben look')
    await notes.add_note(db=db, bus=bus, staff=ana, conversation_id=second.conversation_id, body='@ben also')
    mentioned = ListFilter(view='mentioned', staff_id=ben.id)
    assert await notes.count_unseen_mentions(db=db, staff_id=ben.id) == 2
    assert await notes.mark_mentions_seen(db=db, bus=bus, staff_id=ben.id,
                                          conversation_id=second.conversation_id) == 1
    assert seen_events == [ben.id]
    rows = await conversations.list_rows(db=db, flt=mentioned)
    assert [(row.id, row.mention_unseen) for row in rows] == [(first.conversation_id, True),
                                                              (second.conversation_id, False)]
    assert all(row.mentioned for row in rows)
    assert (await conversations.count_by_status(db=db, flt=mentioned))['open'] == 2
    assert await conversations.list_rows(db=db, flt=ListFilter(view='mentioned', staff_id=ana.id)) == []
    assert await notes.count_unseen_mentions(db=db, staff_id=ben.id) == 1
    assert await notes.mark_mentions_seen(db=db, bus=bus, staff_id=ben.id,
                                          conversation_id=second.conversation_id) == 0  # already seen: no event
    assert seen_events == [ben.id]


async def test_notes_are_in_the_customers_export_and_go_with_the_erasure(db: AsyncSession,
                                                                         database: Database) -> None:
    session, _token = await start_chat(database)
    owner = await add_staff(db, is_owner=True)
    ben = await add_staff(db, email='ben@example.com', name='Ben Ito')
    note = await notes.add_note(db=db, bus=EventBus(), staff=owner, conversation_id=session.conversation_id,
                                body='Prefers phone calls, @ben')
    document = await customer_export.export_customer(db=db, staff=owner, customer_id=session.customer_id)
    exported = [m for c in document['conversations'] for m in c['messages'] if m['kind'] == 'note']
    assert [(m['body'], m['staff']) for m in exported] == [('Prefers phone calls, @ben', 'Ana Berg')]
    await customer_erasure.erase_in_session(db=db, customer_id=session.customer_id)
    stored = await db.get(Message, note.id)
    assert stored is not None and stored.body == '' and stored.kind == 'note'
    assert (await db.exec(select(NoteMention))).all() == []
    assert await notes.count_unseen_mentions(db=db, staff_id=ben.id or 0) == 0


async def test_the_list_update_of_the_mentioned_view_knows_which_rows_belong(db: AsyncSession,
                                                                            database: Database) -> None:
    from services.list_reader import list_reader_for
    first, _ = await start_chat(database, email='one@example.com')
    other, _ = await start_chat(database, email='two@example.com')
    ana = await add_staff(db)
    ben = await add_staff(db, email='ben@example.com', name='Ben Ito')
    await notes.add_note(db=db, bus=EventBus(), staff=ana, conversation_id=first.conversation_id, body='@ben')
    reader = list_reader_for(database)
    try:
        flt = ListFilter(view='mentioned', staff_id=ben.id)
        update = await reader.read([first.conversation_id, other.conversation_id], flt)
        rows = update.rows
        assert rows[first.conversation_id].mentioned and rows[first.conversation_id].mention_unseen
        assert not rows[other.conversation_id].mentioned
        assert conversations.matches(rows[first.conversation_id], flt)
        assert not conversations.matches(rows[other.conversation_id], flt)
        assert update.counts['open'] == 1
    finally:
        reader.close()


async def test_mentions_seen_crosses_processes_through_the_relay() -> None:
    from services.event_relay import PostgresEventRelay, encode

    bus = EventBus()
    heard: list[int] = []
    bus.mentions_seen.subscribe(heard.append)

    async def no_views(_message_ids: object) -> dict[int, object]:
        return {}

    relay = PostgresEventRelay(database_url='postgresql+asyncpg://inbox@localhost/inbox', bus=bus,
                               load_views=no_views)  # type: ignore[arg-type]
    await relay._handle_batch([encode('mentions_seen', (7,))])
    assert heard == [7]


async def test_a_note_is_not_a_reply_in_the_reports(db: AsyncSession, database: Database) -> None:
    from services import reports
    from services.messages import send_staff_reply

    session, _token = await start_chat(database)
    owner = await add_staff(db, is_owner=True)
    db.add(Message(conversation_id=session.conversation_id, session_id=session.id, author='customer', body='Hi?'))
    await db.commit()
    await notes.add_note(db=db, bus=EventBus(), staff=owner, conversation_id=session.conversation_id, body='VIP')
    period = reports.period_for('today', zone='UTC')
    report = await reports.build_report(db=db, staff=owner, period=period)
    assert report.current.replied_conversations == 0 and report.by_staff == []
    assert report.current.first_response_median_seconds is None
    await send_staff_reply(db=db, bus=EventBus(), staff=owner, conversation_id=session.conversation_id, body='Hello')
    report = await reports.build_report(db=db, staff=owner, period=period)
    assert report.current.replied_conversations == 1 and [row.replies for row in report.by_staff] == [1]
