"""Staff corrections teach the topic model (T3): retraining with them, checked before it is used.

A retrain trains a candidate on the corpus and every correction in a fresh 'spawn' process (the CPU work never
touches the server's event loop), scores it and the model in use on the held-out corpus rows, and puts the
candidate in place (`os.replace`, atomic) only when no language's tag precision drops by more than
`MAX_PRECISION_DROP`; a first model is always taken. What was decided is written beside the model file
(`<model>.json`: version, when, how many corrections, both evaluations), which the owner's Settings card shows.
Taggers notice the new file before their next batch and load it in a thread (services/tagging.py), so a new model
is used without a restart, in every process of one machine.

`inbox train` retrains at once; the server retrains by itself when at least `min_corrections` new corrections exist
and the last training is at least `min_hours` old (checked every `CHECK_SECONDS`), under an advisory lock, so of
several processes one trains and the others then find nothing left to do.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.locks import TOPIC_TRAINING, held_across_processes
from db.models import Staff, TopicCorrection
from db.types import utcnow
from services.errors import PermissionDenied
from services.i18n import _
from services.runtime import Runtime
from services.staff import get_active_staff
from services.tagging import correction_examples, in_spawned_process

log = logging.getLogger('inbox.training')
MAX_PRECISION_DROP = 0.02
CHECK_SECONDS = 600.0


@dataclass(frozen=True)
class TrainingResult:
    accepted: bool
    reason: str
    record: dict[str, Any]


def record_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + '.json')


def read_record(model_path: Path) -> dict[str, Any]:
    """What the last training decided ({} before the first one, or when the file is unreadable)."""
    try:
        found = json.loads(record_path(model_path).read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _scores(classifier: Any, threshold: float, corrections: list[tuple[str, str]]) -> dict[str, Any]:
    from services.classification.evaluate import heldout_reports

    scores: dict[str, Any] = {name: {'n': report.n, 'precision': round(report.tag_precision, 4),
                                     'coverage': round(report.tagged_share, 4), 'none_tagged': report.none_tagged}
                              for name, report in heldout_reports(classifier, threshold).items()}
    if corrections:
        predicted = classifier.predict_many([text for text, _topic in corrections], threshold)
        right = sum(p.topic == topic for p, (_text, topic) in zip(predicted, corrections, strict=True))
        scores['corrections'] = {'n': len(corrections), 'right': right}
    return scores


def train_and_evaluate(candidate_path: str, current_path: str, corrections: list[tuple[str, str]],
                       threshold: float) -> dict[str, Any]:
    """In the training process: train the candidate into `candidate_path`, and score it and the current model.
    Top level and picklable, for the spawn pool."""
    from services.classification import load, train_and_save

    version = train_and_save(candidate_path, corrections)
    candidate = load(candidate_path)
    assert candidate is not None
    current = load(current_path)
    return {'version': version, 'candidate': _scores(candidate, threshold, corrections),
            'current': _scores(current, threshold, corrections) if current is not None else None}


def worse_languages(candidate: dict[str, Any], current: dict[str, Any] | None) -> list[str]:
    """The languages whose precision of applied tags the candidate drops by more than MAX_PRECISION_DROP."""
    if current is None:
        return []
    return sorted(language for language, scores in candidate.items()
                  if language not in ('all', 'corrections') and language in current
                  and scores['precision'] < current[language]['precision'] - MAX_PRECISION_DROP)


def judge(candidate: dict[str, Any], current: dict[str, Any] | None) -> tuple[bool, str]:
    """Take the candidate unless some language's precision drops by more than MAX_PRECISION_DROP."""
    if current is None:
        return True, 'no model in use'
    worse = worse_languages(candidate, current)
    if worse:
        return False, 'precision would drop in ' + ', '.join(worse)
    return True, 'no language loses precision'


async def _newest_correction_id(db: AsyncSession) -> int:
    return int((await db.exec(select(func.max(col(TopicCorrection.id))))).one() or 0)


async def retrain(*, database: Database, model_path: Path, threshold: float,
                  now: datetime | None = None) -> TrainingResult:
    """Train with every correction, judge, and put the candidate in place when it is taken. The caller holds the
    TOPIC_TRAINING lock; the corrections are read in a session of their own, closed before the training starts."""
    async with database.sessions() as db:
        corrections = await correction_examples(db)
        upto = await _newest_correction_id(db)
    await asyncio.to_thread(model_path.parent.mkdir, parents=True, exist_ok=True)
    candidate_path = model_path.with_name(model_path.name + '.candidate')
    outcome = await in_spawned_process(train_and_evaluate, str(candidate_path), str(model_path), corrections,
                                       threshold)
    accepted, reason = judge(outcome['candidate'], outcome['current'])
    moment = (now or utcnow()).isoformat()
    previous = await asyncio.to_thread(read_record, model_path)
    attempt = {'at': moment, 'accepted': accepted, 'reason': reason, 'corrections': len(corrections),
               'worse': worse_languages(outcome['candidate'], outcome['current']),
               'corrections_upto': upto, 'version': outcome['version'], 'candidate': outcome['candidate'],
               'current': outcome['current']}
    if accepted:
        await asyncio.to_thread(os.replace, candidate_path, model_path)
        record = {**attempt, 'trained_at': moment, 'evaluation': outcome['candidate']}
    else:
        await asyncio.to_thread(candidate_path.unlink, missing_ok=True)
        record = {**previous, 'last_attempt': attempt,
                  'corrections_upto': upto}  # these corrections were tried: wait for new ones
    await asyncio.to_thread(_write_record, model_path, record)
    log.info('topic model retrained with %d corrections: %s (%s)', len(corrections),
             'taken' if accepted else 'kept the old one', reason)
    return TrainingResult(accepted=accepted, reason=reason, record=record)


def _write_record(model_path: Path, record: dict[str, Any]) -> None:
    target = record_path(model_path)
    partial = target.with_name(target.name + '.partial')
    partial.write_text(json.dumps(record, indent=1, sort_keys=True), encoding='utf-8')
    os.replace(partial, target)


async def due(db: AsyncSession, *, model_path: Path, min_corrections: int, min_hours: float,
              now: datetime | None = None) -> bool:
    """Enough corrections since the last training, and that training long enough ago."""
    record = await asyncio.to_thread(read_record, model_path)
    newer = (await db.exec(select(func.count(col(TopicCorrection.id))).where(
        col(TopicCorrection.id) > int(record.get('corrections_upto', 0)),
        col(TopicCorrection.topic).is_not(None)))).one()
    if newer < min_corrections:
        return False
    last = record.get('last_attempt', {}).get('at') or record.get('trained_at')
    if not last:
        return True
    return (now or utcnow()) - datetime.fromisoformat(last) >= timedelta(hours=min_hours)


async def retrain_if_due(*, database: Database, model_path: Path, threshold: float, min_corrections: int,
                         min_hours: float) -> TrainingResult | None:
    async with database.sessions() as db:
        if not await due(db, model_path=model_path, min_corrections=min_corrections, min_hours=min_hours):
            return None
    async with database.sessions() as lock, held_across_processes(lock, TOPIC_TRAINING):
        async with database.sessions() as db:  # another process may have trained while this one waited
            still_due = await due(db, model_path=model_path, min_corrections=min_corrections, min_hours=min_hours)
        return await retrain(database=database, model_path=model_path, threshold=threshold) if still_due else None


async def retrain_forever(*, database: Database, model_path: Path, threshold: float, min_corrections: int,
                          min_hours: float) -> None:
    while True:
        await asyncio.sleep(CHECK_SECONDS)
        try:
            await retrain_if_due(database=database, model_path=model_path, threshold=threshold,
                                 min_corrections=min_corrections, min_hours=min_hours)
        except Exception:  # a failed training keeps the model in use; the next check tries again
            log.exception('scheduled topic model training failed')


async def retrain_locked(*, database: Database, model_path: Path, threshold: float) -> TrainingResult:
    """At once, whatever the schedule says (`inbox train`), one training at a time across processes."""
    async with database.sessions() as lock, held_across_processes(lock, TOPIC_TRAINING):
        return await retrain(database=database, model_path=model_path, threshold=threshold)


async def train_now(*, database: Database, staff: Staff | None, model_path: Path,
                    threshold: float) -> TrainingResult:
    """The owner's "Train now" (Settings)."""
    if staff is None or not staff.is_owner:
        raise PermissionDenied(_('Only the store owner can train the topic model.'))
    return await retrain_locked(database=database, model_path=model_path, threshold=threshold)


class TopicModelCommands:
    """What the owner's Topic model card reads and does (components/topic_model_card.py)."""

    def __init__(self, runtime: Runtime, *, staff_id: int) -> None:
        self.runtime = runtime
        self.staff_id = staff_id

    async def record(self) -> dict[str, Any]:
        return await asyncio.to_thread(read_record, self.runtime.config.topic_model_path)

    async def train_now(self) -> TrainingResult:
        async with self.runtime.db.sessions() as db:
            actor = await get_active_staff(db=db, staff_id=self.staff_id)
        return await train_now(database=self.runtime.db, staff=actor, model_path=self.runtime.config.topic_model_path,
                               threshold=self.runtime.config.topic_threshold)


def judge_lines(result: TrainingResult) -> list[str]:
    """The comparison as text lines: per language, precision and coverage of the new model beside the old."""
    attempt = result.record if result.accepted else result.record.get('last_attempt', {})
    candidate, current = attempt.get('candidate') or {}, attempt.get('current') or {}
    lines = []
    for language, scores in candidate.items():
        if language == 'corrections':
            lines.append(f'  corrections learnt: {scores["right"]} of {scores["n"]}')
            continue
        old = current.get(language)
        before = f' (in use: {old["precision"]:.3f} / {old["coverage"]:.3f})' if old else ''
        lines.append(f'  {language:<4} precision {scores["precision"]:.3f}, coverage {scores["coverage"]:.3f}{before}')
    return lines
