"""What a running app hands to its pages and routes: the database, the bus and the live state."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from db.engine import Database
from services.away_notices import AwayNotices
from services.events import EventBus
from services.list_reader import ListReader, list_reader_for
from services.mail.config import MailConfig
from services.mail.mail_reader import MailReader
from services.message_store import MessageStore, message_store_for
from services.presence import PresenceTracker, StaffPresence
from services.rate_limit import RateLimits
from services.shopper_messages import ShopperMessages
from services.tagging import TopicTagger
from services.typing_status import TypingTracker
from services.webhook_events import MessageEvents
from services.webhook_sender import WebhookSender

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
    staff_idle_seconds: float = 12 * 3600.0
    """A browser with no staff page open for this long must sign in again."""
    staff_guard_seconds: float = 10.0
    """How often an open staff page checks that its staff member may still see it (pages/staff_auth.py)."""
    shopper_token_lifetime: timedelta = timedelta(days=30)
    """A chat session token unused for this long is refused (services/chat_sessions.py)."""
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
    staff_presence: StaffPresence = field(default_factory=StaffPresence)
    """Which staff have a staff page open (A1's "away when nobody is signed in")."""
    away_notices: AwayNotices = field(init=False)
    """Posts the away message once per conversation and away period (services/away_notices.py)."""
    limits: RateLimits = field(init=False)
    tagger: TopicTagger = field(init=False)
    message_store: MessageStore = field(init=False)
    """Where shopper chat messages are stored: SQLite's group writer, or the ORM on other databases."""
    shopper_messages: ShopperMessages = field(init=False)
    """The one door for shopper chat messages (services/shopper_messages.py)."""
    list_reader: ListReader = field(init=False)
    """What open conversation lists read when conversations change."""
    typing: TypingTracker = field(init=False)
    """Who is typing where (R3), in memory only."""
    mail_reader: MailReader = field(default_factory=MailReader)
    """Reads inbound e-mail in a worker process (services/mail/mail_reader.py)."""
    webhook_sender: WebhookSender = field(init=False)
    """Delivers the webhook outbox (W1, services/webhook_sender.py); `nudge()` after queueing one."""
    message_events: MessageEvents = field(init=False)
    """Writes `message.created` webhook rows for this process's new messages (services/webhook_events.py)."""

    def __post_init__(self) -> None:
        c = self.config
        self.tagger = TopicTagger(db=self.db, bus=self.bus, model_path=c.topic_model_path, threshold=c.topic_threshold)
        self.message_store = message_store_for(self.db, token_lifetime=c.shopper_token_lifetime)
        self.list_reader = list_reader_for(self.db)
        self.presence = PresenceTracker(grace_seconds=c.presence_grace_seconds, bus=self.bus)
        self.limits = RateLimits(message_limit=c.message_rate_limit, window_seconds=c.message_rate_window_seconds,
                                 address_limit=c.address_rate_limit, session_limit=c.session_rate_limit,
                                 login_max_failures=c.login_max_failures, inbound_max_failures=INBOUND_MAX_FAILURES)
        self.webhook_sender = WebhookSender(self.db.sessions)
        self.message_events = MessageEvents(self.db.sessions, written=self.webhook_sender.nudge)
        self.typing = TypingTracker(bus=self.bus)
        self.away_notices = AwayNotices(database=self.db, bus=self.bus)
        self.shopper_messages = ShopperMessages(store=self.message_store, bus=self.bus, limits=self.limits,
                                                after_new=self.away_notices.after_shopper_message)
