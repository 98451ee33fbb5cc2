"""What a running app hands to its pages and routes: the database, the bus and the live state."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from db.engine import Database
from services.events import EventBus
from services.mail.config import MailConfig
from services.list_reader import ListReader, list_reader_for
from services.message_writer import MessageWriter
from services.presence import PresenceTracker
from services.rate_limit import SlidingWindowLimiter
from services.tagging import TopicTagger


INBOUND_MAX_FAILURES = 10


@dataclass(frozen=True)
class ServiceConfig:
    presence_grace_seconds: float = 30.0
    topic_threshold: float = 0.9
    message_rate_limit: int = 20
    message_rate_window_seconds: float = 10.0
    address_rate_limit: int = 60
    session_rate_limit: int = 10
    login_max_failures: int = 5
    public_url: str = 'http://localhost:8080'
    uploads_dir: Path = Path('data/uploads')
    topic_model_path: Path = Path('data/models/topics.joblib')
    mail: MailConfig = field(default_factory=MailConfig)


@dataclass
class Runtime:
    db: Database
    config: ServiceConfig
    bus: EventBus = field(default_factory=EventBus)
    presence: PresenceTracker = field(init=False)
    message_limiter: SlidingWindowLimiter = field(init=False)
    address_limiter: SlidingWindowLimiter = field(init=False)
    session_limiter: SlidingWindowLimiter = field(init=False)
    login_limiter: SlidingWindowLimiter = field(init=False)
    inbound_limiter: SlidingWindowLimiter = field(init=False)
    """Wrong inbound-mail secrets per address: a relay that guesses is shut out for a while."""
    tagger: TopicTagger = field(init=False)
    message_writer: MessageWriter | None = field(init=False)
    """The group-commit hot path for shopper chat messages (SQLite); None on other databases."""
    list_reader: ListReader = field(init=False)
    """What open conversation lists read when conversations change."""

    def __post_init__(self) -> None:
        c = self.config
        self.tagger = TopicTagger(db=self.db, bus=self.bus, model_path=c.topic_model_path, threshold=c.topic_threshold)
        self.message_writer = MessageWriter.for_database(self.db.url)
        self.list_reader = list_reader_for(self.db)
        self.presence = PresenceTracker(grace_seconds=c.presence_grace_seconds, bus=self.bus)
        self.message_limiter = SlidingWindowLimiter(c.message_rate_limit, c.message_rate_window_seconds)
        self.address_limiter = SlidingWindowLimiter(c.address_rate_limit, c.message_rate_window_seconds)
        self.session_limiter = SlidingWindowLimiter(c.session_rate_limit, 60.0)
        self.login_limiter = SlidingWindowLimiter(c.login_max_failures, 15 * 60.0)
        self.inbound_limiter = SlidingWindowLimiter(INBOUND_MAX_FAILURES, 15 * 60.0)
