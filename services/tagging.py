"""Topic tagging (T1, T3): shopper messages are classified after they are stored, off the request's
critical path; a topic counts for the conversation only at confidence >= the threshold. Staff can
remove or set topics; their corrections are kept for the next training."""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.engine import Database
from db.locks import TOPIC_TRAINING, held_across_processes
from db.models import Conversation, Message, Staff, TopicCorrection
from services.classification import TOPIC_KEYS, Prediction, TopicClassifier, load, train_and_save
from services.errors import Invalid, NotFound
from services.events import EventBus, from_another_process
from services.i18n import _
from services.messages import require_chat_permission
from services.views import MessageView

log = logging.getLogger('inbox.tagging')
Result = TypeVar('Result')
KEPT_TOPICS = 10  # stored per conversation, newest first; the list shows two
BACKFILL_LIMIT = 2000
BATCH_SIZE = 256  # one model call costs ~5 ms for one text, ~0.2 ms per text for hundreds
QUEUE_LIMIT = 50_000
GATHER_SECONDS = 0.2  # a model call costs ~3 ms before its first text: fewer, larger batches hold the GIL less


async def apply_prediction(*, db: AsyncSession, bus: EventBus, message_id: int, prediction: Prediction,
                           threshold: float) -> bool:
    """Store the message's best guess and confidence; tag the conversation only at or above the threshold."""
    return bool(await apply_predictions(db=db, bus=bus, predictions=[(message_id, prediction)], threshold=threshold))


async def apply_predictions(*, db: AsyncSession, bus: EventBus, predictions: list[tuple[int, Prediction]],
                            threshold: float) -> set[int]:
    """`apply_prediction` for a batch in one transaction; returns the conversations that got a topic."""
    ids = [message_id for message_id, _p in predictions]
    rows = (await db.exec(select(Message.id, Message.conversation_id).where(
        col(Message.id).in_(ids), Message.author == 'customer'))).all()  # staff messages are never classified
    conversation_of = dict(rows)
    updates = []
    topics_by_conversation: dict[int, list[str]] = {}
    for message_id, prediction in sorted(predictions, key=lambda found: found[0]):  # rows locked in id order
        if message_id not in conversation_of:
            continue
        updates.append({'message_id': message_id, 'topic': prediction.best_topic,
                        'confidence': round(prediction.confidence, 4)})
        if prediction.best_topic in TOPIC_KEYS and prediction.confidence >= threshold:
            topics_by_conversation.setdefault(conversation_of[message_id], []).append(prediction.best_topic)
    if updates:  # one statement for the batch (executemany), no ORM objects to load
        table = Message.__table__  # type: ignore[attr-defined]  # SQLModel tables have __table__ at runtime
        await db.exec(update(table).where(table.c.id == bindparam('message_id'))  # Core: executemany, not ORM bulk
                      .values(topic=bindparam('topic'), topic_confidence=bindparam('confidence')), params=updates)
    if topics_by_conversation:  # read and write the conversations' topics as plain rows too
        conversations = Conversation.__table__  # type: ignore[attr-defined]  # SQLModel tables have __table__ at runtime
        # Locked in id order (PostgreSQL; SQLite's one writer needs no lock): taggers of several processes may tag
        # messages of the same conversations at once, and reading then writing the topics unlocked lost one's
        # topics, while locking in different orders deadlocked (bench/postgres_ingest.py, two processes).
        current = dict((await db.exec(select(Conversation.id, Conversation.topics).where(
            col(Conversation.id).in_(list(topics_by_conversation))).order_by(col(Conversation.id))
            .with_for_update())).all())
        changes = []
        for conversation_id, new_topics in sorted(topics_by_conversation.items()):
            topics = list(current.get(conversation_id) or [])
            for topic in new_topics:  # in message order, so the newest ends up first
                topics = [topic, *[t for t in topics if t != topic]]
            changes.append({'conversation_id': conversation_id, 'new_topics': topics[:KEPT_TOPICS]})
        await db.exec(update(conversations).where(
            conversations.c.id == bindparam('conversation_id')).values(topics=bindparam('new_topics')), params=changes)
    await db.commit()
    for conversation_id in topics_by_conversation:
        bus.conversation_changed.emit(conversation_id)
    return set(topics_by_conversation)


async def correction_examples(db: AsyncSession) -> list[tuple[str, str]]:
    """Staff-set topics as (text, topic) training examples."""
    rows = (await db.exec(select(TopicCorrection.text, TopicCorrection.topic)
                          .where(col(TopicCorrection.topic).is_not(None)).order_by(col(TopicCorrection.id)))).all()
    return [(text, topic) for text, topic in rows if topic]


async def _latest_customer_text(db: AsyncSession, conversation_id: int, topic: str | None = None) -> Message | None:
    query = select(Message).where(Message.conversation_id == conversation_id, Message.author == 'customer',
                                  Message.kind == 'text')
    if topic is not None:
        query = query.where(Message.topic == topic)
    return (await db.exec(query.order_by(col(Message.id).desc()).limit(1))).first()


async def remove_topic(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int,
                       topic: str) -> None:
    actor = require_chat_permission(staff)
    conversation = await db.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound('No such conversation.')
    if topic not in (conversation.topics or []):
        return
    conversation.topics = [t for t in conversation.topics if t != topic]
    message = await _latest_customer_text(db, conversation_id, topic)
    db.add(conversation)
    db.add(TopicCorrection(conversation_id=conversation_id, message_id=message.id if message else None,
                           text=message.body if message else '', topic=None, removed_topic=topic, staff_id=actor.id))
    await db.commit()
    bus.conversation_changed.emit(conversation_id)


async def set_topic(*, db: AsyncSession, bus: EventBus, staff: Staff | None, conversation_id: int, topic: str) -> None:
    """The right topic for the shopper's latest message: it leads the conversation's topics and trains the model."""
    actor = require_chat_permission(staff)
    if topic not in TOPIC_KEYS:
        raise Invalid('Unknown topic.', code='unknown_topic')
    conversation = await db.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound('No such conversation.')
    message = await _latest_customer_text(db, conversation_id)
    if message is None:
        raise Invalid(_('There is no shopper message to set a topic for.'), code='no_message')
    removed = message.topic if message.topic != topic else None
    message.topic, message.topic_confidence = topic, 1.0
    conversation.topics = [topic, *[t for t in conversation.topics or [] if t != topic]][:KEPT_TOPICS]
    db.add(message)
    db.add(conversation)
    db.add(TopicCorrection(conversation_id=conversation_id, message_id=message.id, text=message.body, topic=topic,
                           removed_topic=removed, staff_id=actor.id))
    await db.commit()
    bus.conversation_changed.emit(conversation_id)


class TopicTagger:
    """Holds the trained model and classifies new shopper messages in a worker thread, in batches: under load
    the messages that arrived during one model call go together into the next (one call, one commit)."""

    def __init__(self, *, db: Database, bus: EventBus, model_path: Path, threshold: float) -> None:
        self.db = db
        self.bus = bus
        self.model_path = model_path
        self.threshold = threshold
        self.classifier: TopicClassifier | None = None
        self.loaded_stamp: tuple[int, int] | None = None
        """The model file's (mtime, size) when it was loaded: a retrain (services/topic_training.py) replaces it."""
        self.ready = asyncio.Event()
        self.queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue(QUEUE_LIMIT)
        self.worker: asyncio.Task[None] | None = None

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            found = self.model_path.stat()
        except OSError:
            return None
        return found.st_mtime_ns, found.st_size

    def _load(self) -> TopicClassifier | None:
        """In a worker thread: the saved model, remembering which file version it was."""
        stamp = self._file_stamp()
        classifier = load(self.model_path)
        if classifier is not None:
            self.loaded_stamp = stamp
        return classifier

    def _current(self) -> TopicClassifier | None:
        """In a worker thread, before each batch: the model in use, reloaded when a retrain replaced its file."""
        stamp = self._file_stamp()
        if stamp is not None and stamp != self.loaded_stamp:
            fresh = self._load()
            if fresh is not None:
                log.info('topic model file changed: now using %s', fresh.version)
                self.classifier = fresh
        return self.classifier

    async def start(self, *, train_if_missing: bool) -> None:
        """Load the saved model, or train one in a separate process first (never in the event loop's process)."""
        self.classifier = await asyncio.to_thread(self._load)
        if self.classifier is None and train_if_missing:
            # Several processes sharing one data directory start together: one trains, the others wait and load it.
            async with self.db.sessions() as db, held_across_processes(db, TOPIC_TRAINING):
                self.classifier = await asyncio.to_thread(self._load)
                if self.classifier is None:
                    extra = await correction_examples(db)
                    log.info('training the topic model (first start or new model version)')
                    await train_in_process(self.model_path, extra)
                    self.classifier = await asyncio.to_thread(self._load)
        if self.classifier is None:
            log.warning('no topic model at %s: messages are not classified', self.model_path)
            return
        self.ready.set()
        await self.backfill()

    async def backfill(self) -> None:
        """Classify shopper messages that arrived while no model was loaded (or while the queue was full)."""
        async with self.db.sessions() as db:
            rows = (await db.exec(select(Message.id, Message.body)
                                  .where(Message.author == 'customer', Message.kind == 'text',
                                         col(Message.topic).is_(None))
                                  .order_by(col(Message.id)).limit(BACKFILL_LIMIT))).all()
        found = [(message_id, body) for message_id, body in rows if message_id is not None]  # (never None)
        for start in range(0, len(found), BATCH_SIZE):
            await self.tag_batch(found[start:start + BATCH_SIZE])

    async def message_created(self, view: MessageView) -> None:
        if from_another_process():
            return  # the process that stored it tags it
        if view.author == 'customer' and view.kind == 'text' and self.classifier is not None:
            try:
                self.queue.put_nowait((view.id, view.body))
            except asyncio.QueueFull:  # left untagged (topic NULL) for the backfill at the next start
                log.warning('topic queue full: message %s is classified at the next start', view.id)
            if self.worker is None or self.worker.done():
                self.worker = asyncio.create_task(self._drain(), name='topic-tagger')

    async def _drain(self) -> None:
        """Classify what is queued in batches: one model call and one transaction for everything waiting."""
        while not self.queue.empty():
            if self.queue.qsize() < BATCH_SIZE:  # under load, let the batch fill: fewer model calls and commits
                await asyncio.sleep(GATHER_SECONDS)
            batch = [self.queue.get_nowait() for _ in range(min(BATCH_SIZE, self.queue.qsize()))]
            try:
                await self.tag_batch(batch)
            except Exception:  # a failed batch must not stop tagging; those messages stay for the backfill
                log.exception('classifying %d messages failed', len(batch))

    def _predict(self, bodies: list[str]) -> list[Prediction] | None:
        classifier = self._current()
        return None if classifier is None else classifier.predict_many(bodies, self.threshold,
                                                                      check_every_language=False)

    async def tag_batch(self, batch: list[tuple[int, str]]) -> None:
        if self.classifier is None or not batch:
            return
        predictions = await asyncio.to_thread(self._predict, [body for _id, body in batch])
        if predictions is None:
            return
        async with self.db.sessions() as db:
            await apply_predictions(db=db, bus=self.bus, threshold=self.threshold,
                                    predictions=[(message_id, p) for (message_id, _b), p
                                                 in zip(batch, predictions, strict=True)])


async def in_spawned_process(function: Callable[..., Result], *args: Any) -> Result:
    """Run `function(*args)` in a fresh 'spawn' process, so a crash or the CPU work never touches the server
    process (training here, and services/topic_training.py's train-and-evaluate)."""
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context('spawn')) as pool:
        return await loop.run_in_executor(pool, function, *args)


async def train_in_process(model_path: Path, extra: list[tuple[str, str]]) -> str:
    return await in_spawned_process(train_and_save, str(model_path), extra)
