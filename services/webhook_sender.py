"""Webhook delivery (W1): claim due `webhook_delivery` rows, POST each signed, record the answer, retry with backoff.

Every process runs one sender; they share the rows safely. A row is claimed by one conditional UPDATE (the same
lease as the mail outbox, services/mail/outbox.py): it counts the attempt and moves `next_attempt_at` a lease
(60 s, longer than the 10 s timeout) ahead, only if nobody claimed it first; the claim is committed before the
request is made and nothing is held open during it. A row becomes `delivered` only after a 2xx answer. A process
that dies mid-request leaves the row pending: it is sent again when the lease ends. So delivery is at least once
and receivers drop repeats by the event's `id` (API.md).

An answer that is not 2xx within 10 s (or no answer) is retried after an exponential backoff with jitter (15 s
doubling to at most 1 h, times 0.5 to 1.0) until the event is 24 h old; then the row is `given_up`. Requests run as
tasks, at most `concurrency` at once and at most `per_endpoint` per endpoint, so an endpoint that hangs holds at
most its own share while the others' deliveries go on. Before each request the host is resolved again and an
endpoint without `allow_private` that now resolves into the shop's own network is refused (services/webhooks.py).
Redirects are not followed (a 3xx is a failed attempt): a redirect could point anywhere.

The body is `{"id", "type", "created_at", "data"}`; the headers `Inbox-Event-Id` and
`Inbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the endpoint's secret>`.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import WebhookDelivery, WebhookEndpoint
from db.states import WebhookStatus
from db.types import utcnow
from services.errors import Invalid
from services.webhooks import Resolver, check_reachable, parse_url, resolve_host

log = logging.getLogger('inbox.webhooks')
Clock = Callable[[], datetime]
Backoff = Callable[[int], timedelta]
RETRYABLE = (WebhookStatus.PENDING, WebhookStatus.FAILED)
TIMEOUT_SECONDS = 10.0
LEASE = timedelta(seconds=60)
MAX_AGE = timedelta(hours=24)
BASE_BACKOFF_SECONDS = 15.0
MAX_BACKOFF_SECONDS = 3600.0
BATCH = 100
IDLE_SECONDS = 30.0
MIN_ROUND_GAP_SECONDS = 0.2
USER_AGENT = 'merchant-inbox-webhooks/1'


def backoff_with_jitter(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 15 s, 30 s, 1 min, ... at most 1 h, each times 0.5 to 1.0."""
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not a secret


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Inbox-Signature` header's value."""
    digest = hmac.new(secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
    return f't={timestamp},v1={digest}'


def body_of(*, event_id: str, event_type: str, created_at: datetime, data: dict[str, Any]) -> bytes:
    return json.dumps({'id': event_id, 'type': event_type, 'created_at': created_at.isoformat(), 'data': data},
                      ensure_ascii=False, separators=(',', ':')).encode()


@dataclass(frozen=True)
class Claimed:
    id: int
    endpoint_id: int
    attempt: int
    url: str
    secret: str = field(repr=False)  # never in a log line
    allow_private: bool
    event_id: str
    type: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str = ''


class WebhookSender:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utcnow,
                 backoff: Backoff = backoff_with_jitter, resolver: Resolver = resolve_host,
                 timeout: float = TIMEOUT_SECONDS, concurrency: int = 8, per_endpoint: int = 2,
                 max_age: timedelta = MAX_AGE) -> None:
        self.sessions = sessions
        self.clock = clock
        self.backoff = backoff
        self.resolver = resolver
        self.timeout = timeout
        self.per_endpoint = per_endpoint
        self.max_age = max_age
        self.slots = asyncio.Semaphore(concurrency)
        self.wake = asyncio.Event()
        self.in_flight: dict[int, int] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.client: httpx.AsyncClient | None = None

    def nudge(self, *_event: object) -> None:
        """Something may have been queued: a round soon (subscribed to the bus, so it takes any event's args)."""
        self.wake.set()

    def _client(self) -> httpx.AsyncClient:
        if self.client is None:
            self.client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, trust_env=False,
                                            headers={'User-Agent': USER_AGENT})
        return self.client

    async def _claim_due(self) -> list[Claimed]:
        now = self.clock()
        async with self.sessions() as db:
            due = (await db.exec(
                select(WebhookDelivery, WebhookEndpoint)
                .join(WebhookEndpoint, col(WebhookDelivery.endpoint_id) == WebhookEndpoint.id)
                .where(col(WebhookDelivery.status).in_(RETRYABLE), col(WebhookDelivery.next_attempt_at) <= now,
                       col(WebhookEndpoint.active).is_(True))
                .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id)).limit(BATCH))).all()
            claimed: list[Claimed] = []
            taking = dict(self.in_flight)
            for row, endpoint in due:
                assert row.id is not None and endpoint.id is not None
                if taking.get(endpoint.id, 0) >= self.per_endpoint:
                    continue  # this endpoint has its share in flight (it may hang): the others go first
                seen = row.attempts  # read before the UPDATE, which also updates this loaded row
                result = await db.exec(
                    update(WebhookDelivery)
                    .where(col(WebhookDelivery.id) == row.id, col(WebhookDelivery.attempts) == seen,
                           col(WebhookDelivery.status).in_(RETRYABLE), col(WebhookDelivery.next_attempt_at) <= now)
                    .values(attempts=seen + 1, next_attempt_at=now + LEASE))
                if result.rowcount != 1:
                    continue  # another sender took it
                taking[endpoint.id] = taking.get(endpoint.id, 0) + 1
                claimed.append(Claimed(id=row.id, endpoint_id=endpoint.id, attempt=seen + 1, url=endpoint.url,
                                       secret=endpoint.secret, allow_private=endpoint.allow_private,
                                       event_id=row.event_id, type=row.type, payload=row.payload,
                                       created_at=row.created_at))
            await db.commit()
        return claimed

    async def round(self) -> int:
        """Claim what is due now and start a task for each; return how many were started."""
        claimed = await self._claim_due()
        for item in claimed:
            self.in_flight[item.endpoint_id] = self.in_flight.get(item.endpoint_id, 0) + 1
            task = asyncio.create_task(self._deliver(item), name=f'webhook-{item.id}')
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return len(claimed)

    async def run_once(self) -> int:
        """One round and every request it started, to the end (tests, and `inbox` commands)."""
        started = await self.round()
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
        return started

    async def _deliver(self, item: Claimed) -> None:
        try:
            async with self.slots:
                outcome = await self._post(item)
            await self._record(item, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:  # the row stays claimed; its lease ends and it is tried again
            log.exception('webhook delivery %s failed unexpectedly', item.id)
        finally:
            left = self.in_flight.get(item.endpoint_id, 1) - 1
            if left > 0:
                self.in_flight[item.endpoint_id] = left
            else:
                self.in_flight.pop(item.endpoint_id, None)

    async def _post(self, item: Claimed) -> Outcome:
        try:
            await check_reachable(parse_url(item.url), allow_private=item.allow_private, resolver=self.resolver)
        except Invalid as refused:
            return Outcome(delivered=False, error=refused.message)
        body = body_of(event_id=item.event_id, event_type=item.type, created_at=item.created_at, data=item.payload)
        headers = {'Content-Type': 'application/json', 'Inbox-Event-Id': item.event_id,
                   'Inbox-Signature': signature(item.secret, int(self.clock().timestamp()), body)}
        try:
            async with asyncio.timeout(self.timeout):
                async with self._client().stream('POST', item.url, content=body, headers=headers) as response:
                    code = response.status_code
        except TimeoutError:
            return Outcome(delivered=False, error=f'No answer within {self.timeout:g} s.')
        except httpx.HTTPError as error:
            return Outcome(delivered=False, error=f'{type(error).__name__}: {error}'[:200])
        if 200 <= code < 300:
            return Outcome(delivered=True, status_code=code)
        return Outcome(delivered=False, status_code=code, error=f'Answered {code}.')

    async def _record(self, item: Claimed, outcome: Outcome) -> None:
        now = self.clock()
        values: dict[str, Any] = {'last_status_code': outcome.status_code, 'last_error': outcome.error[:200]}
        if outcome.delivered:
            values.update(status=WebhookStatus.DELIVERED, delivered_at=now)
        elif now - item.created_at >= self.max_age:
            values.update(status=WebhookStatus.GIVEN_UP)
            log.warning('webhook %s (%s) to endpoint %s given up after %s attempts: %s', item.event_id, item.type,
                        item.endpoint_id, item.attempt, outcome.error)
        else:
            values.update(status=WebhookStatus.FAILED, next_attempt_at=now + self.backoff(item.attempt))
        async with self.sessions() as db:
            await db.exec(update(WebhookDelivery)
                          .where(col(WebhookDelivery.id) == item.id, col(WebhookDelivery.attempts) == item.attempt,
                                 col(WebhookDelivery.status).in_(RETRYABLE))
                          .values(**values))
            await db.commit()

    async def seconds_until_due(self) -> float | None:
        async with self.sessions() as db:
            due_at = (await db.exec(select(WebhookDelivery.next_attempt_at)
                                    .join(WebhookEndpoint, col(WebhookDelivery.endpoint_id) == WebhookEndpoint.id)
                                    .where(col(WebhookDelivery.status).in_(RETRYABLE),
                                           col(WebhookEndpoint.active).is_(True))
                                    .order_by(col(WebhookDelivery.next_attempt_at)).limit(1))).first()
        return None if due_at is None else max(0.0, (due_at - self.clock()).total_seconds())

    async def run_forever(self, *, idle_seconds: float = IDLE_SECONDS) -> None:
        """A round now (a restart resumes what waits), then when nudged or the next backoff ends, at least every
        `idle_seconds`; rounds are at least 0.2 s apart, however often the bus nudges."""
        try:
            while True:
                self.wake.clear()
                delay = idle_seconds
                try:
                    started = await self.round()
                    wait = await self.seconds_until_due()
                    if wait is not None:
                        delay = min(idle_seconds, max(MIN_ROUND_GAP_SECONDS, wait))
                    if started >= BATCH:
                        delay = MIN_ROUND_GAP_SECONDS
                except asyncio.CancelledError:
                    raise
                except Exception:  # one bad round must not end webhooks for good
                    log.exception('webhook round failed')
                await asyncio.sleep(MIN_ROUND_GAP_SECONDS)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=max(0.0, delay - MIN_ROUND_GAP_SECONDS))
        finally:
            await self.close()

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*list(self.tasks), return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()
            self.client = None
