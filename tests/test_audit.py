"""G4 audit log: every audited action writes exactly one row in its own transaction (through the services), never a
password or secret; a refused action writes none; only the owner reads the log (filters, paging, CSV); old rows are
pruned."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import AuditEvent, Customer, Staff
from db.types import utcnow
from services import audit, blocking, customer_erasure, customer_export, staff_admin
from services import store as store_service
from services.audit import Action, AuditFilter
from services.daily_jobs import run_if_due
from services.errors import Invalid, PermissionDenied, RateLimited, Unauthorized
from services.events import EventBus
from services.permissions import Permission
from services.sign_in_limits import SignInLimits
from services.staff import sign_in, sign_out
from services.store import StoreSettingsIn
from tests.conftest import STAFF_PASSWORD, add_staff

IP = '203.0.113.9'


async def owner(db: AsyncSession) -> Staff:
    return await add_staff(db, email='owner@example.com', name='Olga Owner', is_owner=True)


async def all_events(db: AsyncSession) -> list[AuditEvent]:
    return list((await db.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all())


async def only_new(db: AsyncSession, before: int) -> AuditEvent:
    """The one row the action wrote (fails when it wrote none or several)."""
    new = (await all_events(db))[before:]
    assert len(new) == 1, [(e.action, e.detail) for e in new]
    return new[0]


def no_secret_in(event: AuditEvent, *secrets: str) -> None:
    dumped = json.dumps(event.detail) + event.target + event.actor_label
    for secret in secrets:
        assert secret not in dumped


async def test_g4_staff_administration_writes_one_row_per_action(db: AsyncSession) -> None:
    boss = await owner(db)
    n = len(await all_events(db))
    added = await staff_admin.add_member(db=db, actor=boss, email='ben@example.com', name='Ben',
                                         permissions=[Permission.REPLY], password='first password', address=IP)
    event = await only_new(db, n)
    assert (event.action, event.actor_staff_id, event.actor_label, event.target, event.address) == (
        'staff_invited', boss.id, 'owner@example.com', f'staff:{added.staff.id}', IP)
    assert event.detail['email'] == 'ben@example.com' and event.detail['invitation'] is False
    no_secret_in(event, 'first password', added.staff.password_hash)
    ben_id = added.staff.id or 0

    n += 1
    await staff_admin.edit_member(db=db, actor=boss, staff_id=ben_id, name='Benjamin',
                                  permissions=[Permission.REPLY], address=IP)
    event = await only_new(db, n)
    assert (event.action, event.detail) == ('staff_changed', {'name': ['Ben', 'Benjamin']})

    n += 1
    await staff_admin.edit_member(db=db, actor=boss, staff_id=ben_id, name='Benjamin',
                                  permissions=[Permission.REPLY, Permission.SEE_REPORTS])
    event = await only_new(db, n)
    assert (event.action, event.detail) == ('permissions_changed',
                                            {'permissions': [['reply'], ['reply', 'see_reports']]})

    n += 1
    await staff_admin.edit_member(db=db, actor=boss, staff_id=ben_id, name='Benjamin',
                                  permissions=[Permission.REPLY, Permission.SEE_REPORTS])
    assert len(await all_events(db)) == n  # nothing changed: nothing recorded
    await staff_admin.reset_password(db=db, actor=boss, staff_id=ben_id, password='second password')
    event = await only_new(db, n)
    assert (event.action, event.detail) == ('password_reset', {'by': 'manager'})
    no_secret_in(event, 'second password')

    n += 1
    token = await staff_admin.reset_password(db=db, actor=boss, staff_id=ben_id)
    event = await only_new(db, n)
    assert (event.action, event.detail) == ('password_reset', {'by': 'invitation'})
    assert token is not None
    no_secret_in(event, token)

    n += 1
    ben = await staff_admin.accept_invitation(db=db, token=token, password='third password', address=IP)
    event = await only_new(db, n)
    assert (event.action, event.actor_staff_id, event.detail) == ('password_reset', ben_id, {'by': 'invitation'})

    n += 1
    await staff_admin.change_own_password(db=db, staff_id=ben_id, current='third password', new='fourth password')
    event = await only_new(db, n)
    assert (event.action, event.actor_staff_id, event.detail) == ('password_reset', ben.id, {'by': 'self'})
    no_secret_in(event, 'third password', 'fourth password')

    n += 1
    await staff_admin.sign_out_other_browsers(db=db, staff_id=ben_id)
    event = await only_new(db, n)
    assert (event.action, event.detail) == ('sign_out', {'other_browsers': True})

    n += 1
    await staff_admin.set_active(db=db, actor=boss, staff_id=ben_id, active=False)
    event = await only_new(db, n)
    assert (event.action, event.target, event.detail) == ('staff_deactivated', f'staff:{ben_id}',
                                                          {'active': [True, False]})
    n += 1
    await staff_admin.set_active(db=db, actor=boss, staff_id=ben_id, active=True)
    event = await only_new(db, n)
    assert (event.action, event.detail) == ('staff_changed', {'active': [False, True]})


async def test_g4_a_refused_action_writes_no_row(db: AsyncSession) -> None:
    boss = await owner(db)
    clerk = await add_staff(db)
    n = len(await all_events(db))
    with pytest.raises(PermissionDenied):
        await staff_admin.add_member(db=db, actor=clerk, email='x@example.com', name='X', permissions=[],
                                     password='first password')
    with pytest.raises(PermissionDenied):
        await staff_admin.set_active(db=db, actor=boss, staff_id=boss.id or 0, active=False)
    await staff_admin.add_member(db=db, actor=boss, email='x@example.com', name='X', permissions=[],
                                 password='first password')
    with pytest.raises(Exception, match='already exists'):
        await staff_admin.add_member(db=db, actor=boss, email='x@example.com', name='X', permissions=[],
                                     password='first password')
    assert [e.action for e in (await all_events(db))[n:]] == ['staff_invited']


async def test_g4_sign_in_success_failure_throttling_and_sign_out(db: AsyncSession) -> None:
    ana = await add_staff(db)
    ana_id = ana.id
    limits = SignInLimits(2)
    n = len(await all_events(db))
    await sign_in(db=db, limits=limits, email='ANA@example.com', password=STAFF_PASSWORD, client_address=IP)
    event = await only_new(db, n)
    assert (event.action, event.actor_staff_id, event.address) == ('sign_in', ana.id, IP)
    n += 1
    with pytest.raises(Unauthorized):
        await sign_in(db=db, limits=limits, email='ana@example.com', password='wrong guess', client_address=IP)
    event = await only_new(db, n)
    assert (event.action, event.actor_staff_id, event.actor_label, event.detail) == (
        'sign_in_failed', None, 'ana@example.com', {'reason': 'wrong_password'})
    no_secret_in(event, 'wrong guess')
    n += 1
    with pytest.raises(Unauthorized):
        await sign_in(db=db, limits=limits, email='nobody@example.com', password='x', client_address=IP)
    assert (await only_new(db, n)).actor_label == 'nobody@example.com'
    n += 1
    with pytest.raises(Unauthorized):
        await sign_in(db=db, limits=limits, email='nobody@example.com', password='x', client_address=IP)
    n += 1
    with pytest.raises(RateLimited):
        await sign_in(db=db, limits=limits, email='nobody@example.com', password='x', client_address=IP)
    assert (await only_new(db, n)).detail == {'reason': 'throttled'}
    n += 1
    await sign_out(db=db, staff_id=ana_id, address=IP)
    event = await only_new(db, n)
    assert (event.action, event.actor_staff_id) == ('sign_out', ana_id)


async def test_g4_store_settings_record_what_changed_but_never_the_identity_secret(db: AsyncSession) -> None:
    boss = await owner(db)
    store = await store_service.get_store(db)
    old_name, old_secret = store.name, store.identity_secret
    n = len(await all_events(db))
    settings = StoreSettingsIn(name='Nordic Knits', time_zone=store.time_zone, currency=store.currency,
                               storefront_url=store.storefront_url, widget_color=store.widget_color,
                               widget_position=store.widget_position, allowed_domains=['shop.example.com'])
    await store_service.update_settings(db=db, actor=boss, settings=settings, address=IP)
    event = await only_new(db, n)
    assert (event.action, event.target) == ('settings_changed', 'store')
    assert event.detail == {'name': [old_name, 'Nordic Knits'], 'allowed_domains': ['', 'shop.example.com']}
    n += 1
    rotated = await store_service.rotate_identity_secret(db=db, actor=boss)
    event = await only_new(db, n)
    assert event.detail == {'identity_key': 'rotated'}
    no_secret_in(event, old_secret, rotated.identity_secret)
    n += 1
    await audit.set_retention_days(db=db, staff=boss, days=90)
    assert (await only_new(db, n)).detail == {'audit_retention_days': [365, 90]}


async def test_g4_blocking_and_unblocking_a_sender(db: AsyncSession) -> None:
    ana = await add_staff(db)
    customer = Customer(email='pat@example.com', name='Pat')
    db.add(customer)
    await db.commit()
    n = len(await all_events(db))
    await blocking.block_customer(db=db, bus=None, staff=ana, customer_id=customer.id or 0, address=IP)
    event = await only_new(db, n)
    assert (event.action, event.target, event.actor_staff_id) == ('sender_blocked', f'customer:{customer.id}',
                                                                  ana.id)
    await blocking.block_customer(db=db, bus=None, staff=ana, customer_id=customer.id or 0)  # already: no change
    n += 1
    await blocking.unblock_customer(db=db, bus=None, staff=ana, customer_id=customer.id or 0)
    assert (await only_new(db, n)).action == 'sender_unblocked'


async def test_g4_erasure_and_export_write_their_rows_without_personal_data(database: Database, db: AsyncSession,
                                                                            tmp_path: Path) -> None:
    boss = await owner(db)
    customer = Customer(email='pat@example.com', name='Pat Private')
    db.add(customer)
    await db.commit()
    customer_id = customer.id or 0
    n = len(await all_events(db))
    await customer_export.export_customer(db=db, staff=boss, customer_id=customer_id, address=IP)
    event = await only_new(db, n)
    assert (event.action, event.target, event.address) == ('customer_exported', f'customer:{customer_id}', IP)
    n += 1
    files = customer_erasure.ErasureFiles(uploads_dir=tmp_path, mail_dir=tmp_path)
    await customer_erasure.erase_customer(database=database, bus=EventBus(), files=files, staff=boss,
                                          customer_id=customer_id, address=IP)
    event = await only_new(db, n)
    assert (event.action, event.actor_staff_id, event.detail) == ('customer_erased', boss.id,
                                                                  {'conversations': 0, 'messages': 0})
    no_secret_in(event, 'pat@example.com', 'Pat Private')
    n += 1
    other = Customer(email='quin@example.com')
    db.add(other)
    await db.commit()
    await customer_erasure.erase_and_clean_up(database=database, bus=EventBus(), files=files,
                                              customer_id=other.id or 0)
    event = await only_new(db, n)
    assert (event.actor_staff_id, event.actor_label) == (None, 'cli')


def test_g4_record_refuses_a_detail_that_could_hold_a_secret() -> None:
    with pytest.raises(ValueError, match='password'):
        audit.record(None, actor='cli', action=Action.SETTINGS_CHANGED, detail={'smtp_password': 'x'})  # type: ignore[arg-type]


async def test_g4_only_the_owner_reads_the_log_newest_first_filtered_and_paged(db: AsyncSession) -> None:
    boss = await owner(db)
    manager = await add_staff(db, permissions=[Permission.MANAGE_STAFF])
    now = utcnow()
    for i in range(audit.PAGE_SIZE + 5):
        db.add(AuditEvent(at=now - timedelta(minutes=i), actor_staff_id=manager.id, actor_label=manager.email,
                          action='sign_in', target=f'staff:{manager.id}', detail={}, address=f'198.51.100.{i}'))
    db.add(AuditEvent(at=now - timedelta(days=3), actor_label='=cmd|calc', action='sign_in_failed',
                      target='=cmd|calc', detail={}, address=IP))
    await db.commit()
    for refused in (manager, None):
        with pytest.raises(PermissionDenied):
            await audit.events(db=db, staff=refused)
        with pytest.raises(PermissionDenied):
            await audit.events_csv(db=db, staff=refused)
    first = await audit.events(db=db, staff=boss)
    assert (first.total, first.pages, len(first.events)) == (audit.PAGE_SIZE + 6, 2, audit.PAGE_SIZE)
    assert first.events[0].address == '198.51.100.0'  # newest first
    second = await audit.events(db=db, staff=boss, page=2)
    assert len(second.events) == 6 and second.events[-1].action == 'sign_in_failed'
    failed = await audit.events(db=db, staff=boss, where=AuditFilter(action='sign_in_failed'))
    assert [e.target for e in failed.events] == ['=cmd|calc']
    by_staff = await audit.events(db=db, staff=boss, where=AuditFilter(staff_id=manager.id))
    assert by_staff.total == audit.PAGE_SIZE + 5
    window = await audit.events(db=db, staff=boss, where=AuditFilter(since=now - timedelta(days=4),
                                                                     until=now - timedelta(days=2)))
    assert window.total == 1
    assert (await audit.events(db=db, staff=boss, where=AuditFilter(text='198.51.100.5'))).total == 6  # 5, 50-54
    assert (await audit.events(db=db, staff=boss, where=AuditFilter(text='100%'))).total == 0
    with pytest.raises(Invalid):
        await audit.events(db=db, staff=boss, where=AuditFilter(action='nonsense'))
    rows = list(csv.reader(io.StringIO(await audit.events_csv(db=db, staff=boss,
                                                              where=AuditFilter(action='sign_in_failed')))))
    assert rows[0] == list(audit.CSV_COLUMNS)
    assert rows[1][3] == "'=cmd|calc" and rows[1][4] == "'=cmd|calc"  # no formula reaches a spreadsheet


async def test_g4_the_daily_prune_drops_events_older_than_the_setting(db: AsyncSession) -> None:
    now = utcnow()
    db.add(AuditEvent(at=now - timedelta(days=366), action='sign_in', detail={}))
    db.add(AuditEvent(at=now - timedelta(days=364), action='sign_in', detail={}))
    await db.commit()
    assert await audit.prune(db, days=365, now=now) == 1
    await db.commit()
    assert len(await all_events(db)) == 1
    with pytest.raises(Invalid):
        audit.check_retention_days(10)


async def test_g4_the_daily_jobs_run_once_a_day(database: Database, db: AsyncSession, tmp_path: Path) -> None:
    now = utcnow()
    db.add(AuditEvent(at=now - timedelta(days=400), action='sign_in', detail={}))
    await db.commit()
    files = customer_erasure.ErasureFiles(uploads_dir=tmp_path, mail_dir=tmp_path)
    report = await run_if_due(database, files=files, bus=None, now=now)
    assert report is not None and report.audit_events_pruned == 1 and report.retention is None  # retention is off
    assert await run_if_due(database, files=files, bus=None, now=now + timedelta(hours=23)) is None
    assert await run_if_due(database, files=files, bus=None, now=now + timedelta(hours=25)) is not None
