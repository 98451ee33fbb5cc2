"""Rate limits: sliding-window counters kept in memory and the policy of which public write is limited by which
counter (`RateLimits`), so routes and pages ask one place. Staff sign-ins are counted in the database instead
(services/sign_in_limits.py), the same for every process; the shopper-facing counters here are per process. With
several processes, HAProxy (deploy/haproxy.cfg) sends each client address's API requests to one process, so these
counters still see all of one shopper's requests; when a process stops, its clients' counts start again elsewhere."""
from __future__ import annotations

import time
from collections import deque

from services.errors import RateLimited
from services.i18n import _
from services.sign_in_limits import SignInLimits

STAFF_API_LIMIT = 300
"""Staff API requests per personal token per minute (W2): plenty for a script, a stop for a runaway loop."""
TYPING_LIMIT = 20
TYPING_WINDOW_SECONDS = 10.0


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_seconds: float, *, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, key: str, *, now: float | None = None) -> float | None:
        """Seconds to wait if `key` is over its limit now, else None (and nothing is counted)."""
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if not hits:
            return None
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            return None
        return hits[0] + self.window - now

    def hit(self, key: str, *, now: float | None = None) -> float | None:
        """Count one attempt for `key`; return seconds to wait when it is over the limit (then not counted)."""
        now = time.monotonic() if now is None else now
        wait = self.retry_after(key, now=now)
        if wait is not None:
            return wait
        if len(self._hits) >= self.max_keys:
            self._forget_idle(now)
        self._hits.setdefault(key, deque()).append(now)
        return None

    def reset(self, key: str) -> None:
        self._hits.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]


def check_rate(limiter: SlidingWindowLimiter, key: str) -> None:
    """Count one request for `key`; RateLimited (429, with Retry-After) when it is over the limit."""
    wait = limiter.hit(key)
    if wait is not None:
        raise RateLimited(_('Too many requests; slow down and try again shortly.'), retry_after=wait)


class RateLimits:
    """Which counter limits which public write. Shopper writes count per chat session and per client address;
    failed staff sign-ins and wrong inbound-mail secrets are counted by their own services through `login` and
    `inbound`."""

    def __init__(self, *, message_limit: int, window_seconds: float, address_limit: int, session_limit: int,
                 login_max_failures: int, inbound_max_failures: int) -> None:
        self.per_session = SlidingWindowLimiter(message_limit, window_seconds)
        self.per_address = SlidingWindowLimiter(address_limit, window_seconds)
        self.new_sessions = SlidingWindowLimiter(session_limit, 60.0)
        self.reads = SlidingWindowLimiter(3 * message_limit, window_seconds)
        self.searches = SlidingWindowLimiter(address_limit, window_seconds)
        self.verify_requests = SlidingWindowLimiter(3, 15 * 60.0)
        self.login = SignInLimits(login_max_failures)
        """Sign-in attempts (services.staff.sign_in)."""
        self.inbound = SlidingWindowLimiter(inbound_max_failures, 15 * 60.0)
        """Wrong inbound-mail secrets per address: a relay that guesses is shut out for a while."""
        self.typing = SlidingWindowLimiter(TYPING_LIMIT, TYPING_WINDOW_SECONDS)
        """R3 typing frames per session: the page sends one a second while typing (and `false` on send or blur)."""
        self.socket_failures = SlidingWindowLimiter(session_limit, 60.0)
        """Shopper sockets opened with a wrong token, per address."""
        self.staff_api = SlidingWindowLimiter(STAFF_API_LIMIT, 60.0)
        """Staff API requests per personal token (W2)."""

    def check_message(self, *, session_id: int, address: str) -> None:
        check_rate(self.per_session, f'session:{session_id}')
        check_rate(self.per_address, f'address:{address}')

    def check_cart_event(self, *, session_id: int, address: str) -> None:
        check_rate(self.per_session, f'cart:{session_id}')
        check_rate(self.per_address, f'address:{address}')

    def check_read(self, *, session_id: int) -> None:
        """Reading messages: a page that reconnects pages through its history, so three times the writes' budget."""
        check_rate(self.reads, f'read:{session_id}')

    def check_search(self, *, address: str) -> None:
        check_rate(self.searches, f'search:{address}')

    def check_verify_request(self, *, session_id: int) -> None:
        """Mailing a verification code: three per session in 15 minutes."""
        check_rate(self.verify_requests, f'verify:{session_id}')

    def check_presence(self, *, session_id: int) -> None:
        check_rate(self.per_session, f'presence:{session_id}')

    def check_rating(self, *, session_id: int | None, address: str) -> None:
        """K2: a rating from the chat (per session and address) or from an e-mailed link (per address)."""
        if session_id is not None:
            check_rate(self.per_session, f'rating:{session_id}')
        check_rate(self.per_address, f'address:{address}')

    def check_typing(self, *, session_id: int) -> None:
        check_rate(self.typing, f'typing:{session_id}')

    def typing_allowed(self, *, session_id: int) -> bool:
        """The socket's typing frames: over the limit they are dropped without an answer."""
        return self.typing.hit(f'typing:{session_id}') is None

    def check_new_session(self, *, address: str) -> None:
        check_rate(self.new_sessions, f'sessions:{address}')

    def check_staff_api(self, *, token_key: str) -> None:
        """A staff API request: STAFF_API_LIMIT a minute per personal token."""
        check_rate(self.staff_api, f'token:{token_key}')

    def socket_logins_refused(self, *, address: str) -> bool:
        return self.socket_failures.retry_after(f'socket:{address}') is not None

    def socket_login_failed(self, *, address: str) -> None:
        self.socket_failures.hit(f'socket:{address}')
