"""G3 retention: the texts of conversations closed more than N days ago (N days reckoned at the store's local
midnight) are erased, with their images and search entries; conversations, counts and reopened ones stay; the
setting is off by default, at least 30 days, for Manage staff; each run writes one audit row."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from nicegui.testing import User
from PIL import Image
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.settings import Settings
from db.engine import Database
from db.models import AuditEvent, Conversation, Customer, Message
from services import conversations, retention
from services.customer_erasure import ErasureFiles
from services.errors import Invalid, PermissionDenied
from services.images import store_image
from services.store import get_store
from tests.conftest import App, add_staff, sign_in


def _png() -> bytes:
    out = io.BytesIO()
    Image.new('RGB', (8, 8), (20, 120, 30)).save(out, format='PNG')
    return out.getvalue()


async def conversation(db: AsyncSession, *, word: str, closed_at: datetime | None, status: str = 'closed',
                       image: str | None = None) -> int:
    customer = Customer(email=f'{word[::-1]}@example.com', name='Shopper')  # the word only in texts
    db.add(customer)
    await db.flush()
    talk = Conversation(customer_id=customer.id or 0, status=status, closed_at=closed_at,
                        started_at=(closed_at or datetime.now(UTC)) - timedelta(hours=1),
                        last_message_preview=f'about {word}')
    db.add(talk)
    await db.flush()
    db.add(Message(conversation_id=talk.id or 0, author='customer', body=f'Where is my {word}?',
                   created_at=talk.started_at))
    db.add(Message(conversation_id=talk.id or 0, author='staff', body=f'Your {word} ships today.',
                   created_at=talk.started_at))
    if image:
        db.add(Message(conversation_id=talk.id or 0, author='staff', kind='image', payload={'name': image},
                       created_at=talk.started_at))
    await db.commit()
    return talk.id or 0


async def found_by_search(db: AsyncSession, word: str) -> list[int]:
    rows = await conversations.list_rows(db=db, flt=conversations.ListFilter(status='closed', search=word))
    rows += await conversations.list_rows(db=db, flt=conversations.ListFilter(status='open', search=word))
    return [row.id for row in rows]


async def bodies(db: AsyncSession, conversation_id: int) -> list[str]:
    return list((await db.exec(select(Message.body).where(Message.conversation_id == conversation_id)
                               .order_by(col(Message.id)))).all())


@pytest.mark.parametrize('zone', ['Europe/Helsinki', 'Pacific/Auckland'])
async def test_g3_erases_only_texts_closed_more_than_n_days_ago_in_the_store_zone(
        database: Database, db: AsyncSession, tmp_path: Path, zone: str) -> None:
    owner = await add_staff(db, is_owner=True)
    store = await get_store(db)
    store.time_zone = zone
    db.add(store)
    await db.commit()
    now = datetime(2026, 12, 4, 1, 0, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # 01:00 store time
    image_name, _image = await store_image(uploads_dir=tmp_path, data=_png())
    old = await conversation(db, word='quokkaboots', closed_at=now - timedelta(days=30.1), image=image_name)
    recent = await conversation(db, word='wombatmittens', closed_at=now - timedelta(days=29.9))
    reopened = await conversation(db, word='numbatscarf', closed_at=now - timedelta(days=60), status='open')
    assert await found_by_search(db, 'quokkaboots') == [old]

    assert (await retention.run_retention(database=database, files=ErasureFiles(tmp_path, tmp_path), bus=None,
                                          actor='daily', now=now)) is None  # off by default
    await retention.set_retention(db=db, staff=owner, days=30)
    assert await retention.preview(db=db, staff=owner, days=30, now=now) == retention.RetentionPreview(
        messages=3, conversations=1)
    report = await retention.run_retention(database=database, files=ErasureFiles(tmp_path, tmp_path), bus=None,
                                           actor='daily', now=now)
    assert report is not None and (report.conversations, report.messages, report.files_removed) == (1, 3, 1)
    assert report.cutoff == datetime(2026, 11, 4, tzinfo=ZoneInfo(zone))

    db.expire_all()
    assert await bodies(db, old) == ['', '', '']
    kept = await db.get(Conversation, old)
    assert kept is not None and kept.last_message_preview == '' and kept.status == 'closed'
    assert await bodies(db, recent) == ['Where is my wombatmittens?', 'Your wombatmittens ships today.']
    assert await bodies(db, reopened) == ['Where is my numbatscarf?', 'Your numbatscarf ships today.']
    assert not (tmp_path / image_name).exists()
    assert await found_by_search(db, 'quokkaboots') == []
    assert await found_by_search(db, 'wombatmittens') == [recent]
    count = (await db.exec(select(func.count()).where(Message.conversation_id == old))).one()
    assert count == 3  # the rows (and so the counts and Reports) stay
    events = (await db.exec(select(AuditEvent).where(AuditEvent.action == 'retention_run'))).all()
    assert [(e.actor_label, e.detail['conversations'], e.detail['messages']) for e in events] == [('daily', 1, 3)]

    again = await retention.run_retention(database=database, files=ErasureFiles(tmp_path, tmp_path), bus=None,
                                          actor='daily', now=now)
    assert again is not None and (again.conversations, again.messages) == (0, 0)  # nothing is erased twice


def test_g3_the_same_instant_is_a_different_local_day_in_helsinki_and_auckland() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # 14:00 in Helsinki, 01:00 on 5 December in Auckland
    assert retention.cutoff(days=30, zone='Europe/Helsinki', now=now) == datetime(2026, 11, 4, 0, 0, tzinfo=ZoneInfo(
        'Europe/Helsinki'))
    assert retention.cutoff(days=30, zone='Pacific/Auckland', now=now) == datetime(2026, 11, 5, 0, 0, tzinfo=ZoneInfo(
        'Pacific/Auckland'))


async def test_g3_the_setting_needs_manage_staff_and_at_least_30_days(db: AsyncSession) -> None:
    owner = await add_staff(db, email='owner@example.com', is_owner=True)
    clerk = await add_staff(db)
    with pytest.raises(PermissionDenied):
        await retention.set_retention(db=db, staff=clerk, days=30)
    with pytest.raises(PermissionDenied):
        await retention.preview(db=db, staff=clerk, days=30)
    with pytest.raises(Invalid):
        await retention.set_retention(db=db, staff=owner, days=29)
    assert (await get_store(db)).retention_days is None
    assert await retention.set_retention(db=db, staff=owner, days=45) == 45
    assert await retention.set_retention(db=db, staff=owner, days=None) is None
    details = [e.detail for e in (await db.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all()]
    assert details == [{'retention_days': [None, 45]}, {'retention_days': [45, None]}]


async def test_g3_the_store_settings_page_shows_the_effect_before_switching_on_and_runs_on_demand(
        app: App, user: User) -> None:
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
        old = await conversation(db, word='axolotlgloves', closed_at=datetime.now(UTC) - timedelta(days=40))
    await sign_in(user)
    await user.open('/settings/store')
    await user.should_see('Off: message texts are kept.')
    user.find(marker='retention-days').clear().type('30')
    user.find(marker='retention-on').click()
    await user.should_see('Would erase the texts of 2 messages in 1 conversation now.', marker='retention-effect')
    user.find(marker='retention-confirm-on').click()
    await user.should_see('On: texts are erased 30 days after the close.')
    async with app.runtime.db.sessions() as db:
        assert (await get_store(db)).retention_days == 30
        assert await bodies(db, old) == ['Where is my axolotlgloves?', 'Your axolotlgloves ships today.']
    user.find(marker='retention-run').click()
    await user.should_see('Erased the texts of 1 conversation.')
    async with app.runtime.db.sessions() as db:
        assert await bodies(db, old) == ['', '']


def inbox(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, '-m', 'app.cli', *args, '--data-dir', str(data_dir)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.sqlite_only  # the commands run on the test's SQLite data dir
async def test_g3_g4_retention_run_and_audit_since_from_the_command_line(settings: Settings,
                                                                         db: AsyncSession) -> None:
    off = inbox('retention', 'run', data_dir=settings.data_dir)
    assert off.returncode == 0 and off.stdout.startswith('Retention is off'), off.stderr
    owner = await add_staff(db, is_owner=True)
    await retention.set_retention(db=db, staff=owner, days=30)
    old = await conversation(db, word='capybarasocks', closed_at=datetime.now(UTC) - timedelta(days=45))
    done = inbox('retention', 'run', data_dir=settings.data_dir)
    assert done.returncode == 0 and done.stdout.startswith('Erased the texts of 2 messages in 1 conversations'), \
        done.stderr
    db.expire_all()
    assert await bodies(db, old) == ['', '']
    log = inbox('audit', '--since', '2000-01-01', data_dir=settings.data_dir)
    assert log.returncode == 0, log.stderr
    actions = [row['action'] for row in csv.DictReader(io.StringIO(log.stdout))]
    assert actions == ['settings_changed', 'retention_run']
    bad = inbox('audit', '--since', 'yesterday', data_dir=settings.data_dir)
    assert bad.returncode == 2
