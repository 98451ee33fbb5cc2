"""T3: staff corrections teach the topic model (services/topic_training.py), with the real classifier trained in a
spawned process, the real held-out evaluation and a real SQLite (or PostgreSQL) database."""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from nicegui.testing import User
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.models import TopicCorrection
from db.types import utcnow
from services import topic_training
from services.classification import load
from services.errors import PermissionDenied
from services.events import EventBus
from services.tagging import TopicTagger
from tests.conftest import App, add_staff, sign_in
from tests.test_managing import chat

# A shop-specific question the shipped corpus has never seen, corrected by staff to a topic it would not guess.
ODD = 'Can the Fjellro ember stove kit be engraved with our club crest for the members?'
ODD_TOPIC = 'wholesale'


async def corrected(db: AsyncSession, times: int = 1) -> None:
    """`times` staff corrections of ODD (the first call makes the shopper's conversation and the staff member)."""
    conversation_id = await chat(db, 'club@example.com', ODD)  # the same conversation again on later calls
    staff = await add_staff(db, email=f'staff{utcnow().timestamp()}@example.com')
    for _ in range(times):
        db.add(TopicCorrection(conversation_id=conversation_id, text=ODD, topic=ODD_TOPIC, staff_id=staff.id))
    await db.commit()


async def test_a_correction_changes_the_next_trainings_answer_and_a_running_tagger_takes_the_new_model(
        db: AsyncSession, database: Database, trained_model: Path, tmp_path: Path) -> None:
    model_path = tmp_path / 'models' / 'topics.joblib'
    model_path.parent.mkdir()
    shutil.copy(trained_model, model_path)  # the model in use: the corpus alone
    before = load(model_path)
    assert before is not None and before.predict(ODD).best_topic != ODD_TOPIC
    tagger = TopicTagger(db=database, bus=EventBus(), model_path=model_path, threshold=0.9)
    await tagger.start(train_if_missing=False)

    await corrected(db)
    result = await topic_training.retrain(database=database, model_path=model_path, threshold=0.9)

    assert result.accepted, result.reason
    after = load(model_path)
    assert after is not None and after.predict(ODD).best_topic == ODD_TOPIC
    record = topic_training.read_record(model_path)
    assert record['corrections'] == 1 and record['candidate']['corrections'] == {'n': 1, 'right': 1}
    for language in ('en', 'da', 'de', 'fi', 'nl', 'it'):  # and precision elsewhere did not drop
        assert record['candidate'][language]['precision'] >= record['current'][language]['precision'] - 0.02
    assert not model_path.with_name(model_path.name + '.candidate').exists()
    classifier = tagger._current()  # what the tagger's next batch uses: the new file, without a restart
    assert classifier is not None and classifier.predict(ODD).best_topic == ODD_TOPIC


def test_a_candidate_that_loses_precision_in_one_language_is_not_taken() -> None:
    current = {'en': {'precision': 0.99, 'coverage': 0.7}, 'fi': {'precision': 0.98, 'coverage': 0.6}}
    assert topic_training.judge(current, None) == (True, 'no model in use')
    better = {'en': {'precision': 0.98, 'coverage': 0.8}, 'fi': {'precision': 0.97, 'coverage': 0.7},
              'corrections': {'n': 3, 'right': 3}}
    assert topic_training.judge(better, current)[0]
    worse = {**better, 'fi': {'precision': 0.95, 'coverage': 0.9}}
    assert topic_training.judge(worse, current) == (False, 'precision would drop in fi')


async def test_a_retrain_is_due_after_enough_new_corrections_and_hours(db: AsyncSession, tmp_path: Path) -> None:
    model_path = tmp_path / 'topics.joblib'
    due = dict(model_path=model_path, min_corrections=3, min_hours=6.0)
    await corrected(db, times=2)
    assert not await topic_training.due(db, **due)  # type: ignore[arg-type]
    await corrected(db, times=1)
    assert await topic_training.due(db, **due)  # type: ignore[arg-type]  # never trained with them
    now = utcnow()
    topic_training._write_record(model_path, {'trained_at': (now - timedelta(hours=1)).isoformat(),
                                              'corrections_upto': 0})
    assert not await topic_training.due(db, now=now, **due)  # type: ignore[arg-type]  # trained an hour ago
    assert await topic_training.due(db, now=now + timedelta(hours=6), **due)  # type: ignore[arg-type]
    topic_training._write_record(model_path, {'trained_at': now.isoformat(), 'corrections_upto': 3})
    assert not await topic_training.due(db, now=now + timedelta(days=3), **due)  # type: ignore[arg-type]


async def test_only_the_owner_may_train_now(db: AsyncSession, database: Database, tmp_path: Path) -> None:
    member = await add_staff(db)
    with pytest.raises(PermissionDenied):
        await topic_training.train_now(database=database, staff=member, model_path=tmp_path / 'm.joblib',
                                       threshold=0.9)
    assert not (tmp_path / 'm.joblib').exists()


async def test_the_owner_sees_the_topic_model_card_and_trains_now(app: App, user: User) -> None:
    """Settings' Topic model card: before any training it says so; Train now trains (in a spawned process) and the
    card then shows the model in use with its held-out scores per language."""
    async with app.runtime.db.sessions() as db:
        await add_staff(db, is_owner=True)
    await sign_in(user)
    await user.open('/settings')
    await user.should_see('Topic model')
    await user.should_see('no staff corrections have been trained in yet')
    user.find(marker='train-now').click()
    await user.should_see('In use since', retries=600)  # up to a minute on a loaded 2-core machine
    scores = user.find(marker='topic-model-scores').elements.pop()
    assert [row['language'] for row in scores.rows] == [  # type: ignore[attr-defined]
        'English', 'Dansk', 'Deutsch', 'Suomi', 'Nederlands', 'Italiano', 'All']
    assert load(app.runtime.config.topic_model_path) is not None
