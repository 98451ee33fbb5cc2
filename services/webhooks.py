"""Webhook endpoints (W1): the addresses the shop's events are POSTed to, managed by the owner and staff with the
"Manage staff" permission (the permission that already guards the store's settings and its identity secret).

An endpoint's address must be http(s) and must not resolve to the shop's own network (loopback, private,
link-local, multicast, unspecified or reserved addresses), unless the endpoint was made with `allow_private`: a
webhook must not become a way into the shop's own network. The address is resolved when it is saved and again
before every delivery (services/webhook_sender.py), so a name that later resolves inward (DNS rebinding) is refused
then too. Names are resolved off the event loop (`loop.getaddrinfo`).

The signing secret is made here, shown once (`CreatedEndpoint.secret`) and kept on the row, since every delivery
is signed with it; views never carry it and nothing logs it.
"""
from __future__ import annotations

import asyncio
import ipaddress
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Staff, WebhookDelivery, WebhookEndpoint
from db.states import WebhookStatus
from services.errors import Invalid, NotFound
from services.i18n import _
from services.permissions import Permission, require

EVENT_TYPES: tuple[str, ...] = (
    'conversation.created', 'message.created', 'conversation.status_changed', 'conversation.assigned',
    'cart.changed', 'order.created', 'rating.created')
"""SPEC W1's events (`rating.created`: services/ratings.py, in the rating's transaction)."""
PING = 'ping'
"""The event of "Send test": only ever sent to the one endpoint it was asked for."""
MAX_URL_LENGTH = 500
MAX_ENDPOINTS = 20
LOG_LIMIT = 50
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, looked up off the event loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def is_shop_internal(address: str) -> bool:
    """True for an address on the shop's own machine or network, which a webhook must not reach."""
    ip = ipaddress.ip_address(address.split('%', 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_multicast or ip.is_unspecified
            or ip.is_reserved)


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int


def parse_url(url: str) -> Target:
    """The address as given, if it is one a webhook may have: http(s), a host, no user name or password."""
    url = url.strip()
    if not url:
        raise Invalid(_('Enter the address of the endpoint.'), code='invalid_url')
    if len(url) > MAX_URL_LENGTH:
        raise Invalid(_('The address is too long (at most {n} characters).', n=MAX_URL_LENGTH), code='invalid_url')
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Invalid(_('This is not a valid address.'), code='invalid_url') from error
    if parts.scheme not in ('http', 'https'):
        raise Invalid(_('The address must start with https:// (or http://).'), code='invalid_url')
    if not parts.hostname:
        raise Invalid(_('This is not a valid address.'), code='invalid_url')
    if parts.username or parts.password:
        raise Invalid(_('The address must not contain a user name or password.'), code='invalid_url')
    return Target(url=url, host=parts.hostname, port=port or (443 if parts.scheme == 'https' else 80))


async def check_reachable(target: Target, *, allow_private: bool, resolver: Resolver = resolve_host) -> None:
    """Refuse an address that does not resolve, or resolves to the shop's own network (unless allowed)."""
    try:
        addresses = await resolver(target.host, target.port)
    except (OSError, UnicodeError) as error:
        raise Invalid(_('The address "{host}" could not be found.', host=target.host[:100]),
                      code='unresolvable_url') from error
    if not addresses:
        raise Invalid(_('The address "{host}" could not be found.', host=target.host[:100]), code='unresolvable_url')
    if not allow_private and any(is_shop_internal(address) for address in addresses):
        raise Invalid(_('The address "{host}" leads into the shop\'s own network (a local or private address); a '
                        'webhook must not become a way into the shop\'s own network.', host=target.host[:100]),
                      code='private_url')


def parse_events(events: Iterable[str]) -> list[str]:
    chosen = {event.strip() for event in events if event.strip()}
    unknown = sorted(chosen - set(EVENT_TYPES))
    if unknown:
        raise Invalid(_('Unknown event: {name}.', name=unknown[0][:60]), code='unknown_event')
    if not chosen:
        raise Invalid(_('Choose at least one event.'), code='no_events')
    return [event for event in EVENT_TYPES if event in chosen]


@dataclass(frozen=True)
class EndpointView:
    id: int
    url: str
    events: list[str]
    active: bool
    allow_private: bool
    created_at: datetime
    waiting: int = 0
    """Deliveries not delivered yet and still being tried (pending or failed)."""
    last_status: str | None = None
    last_status_code: int | None = None
    last_attempt_at: datetime | None = None


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: EndpointView
    secret: str
    """Shown once, when the endpoint is made."""


@dataclass(frozen=True)
class DeliveryView:
    id: int
    event_id: str
    type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime


def _view(row: WebhookEndpoint, **extra: object) -> EndpointView:
    assert row.id is not None
    return EndpointView(id=row.id, url=row.url, events=row.events.split(), active=row.active,
                        allow_private=row.allow_private, created_at=row.created_at, **extra)  # type: ignore[arg-type]


def new_secret() -> str:
    return 'whsec_' + secrets.token_urlsafe(32)


async def add_endpoint(*, db: AsyncSession, staff: Staff | None, url: str, events: Iterable[str],
                       allow_private: bool = False, resolver: Resolver = resolve_host) -> CreatedEndpoint:
    require(staff, Permission.MANAGE_STAFF)
    target = parse_url(url)
    chosen = parse_events(events)
    count = (await db.exec(select(func.count()).select_from(WebhookEndpoint))).one()
    if count >= MAX_ENDPOINTS:
        raise Invalid(_('A shop can have at most {n} webhook endpoints.', n=MAX_ENDPOINTS), code='too_many_endpoints')
    await check_reachable(target, allow_private=allow_private, resolver=resolver)
    secret = new_secret()
    row = WebhookEndpoint(url=target.url, secret=secret, events=' '.join(chosen), allow_private=allow_private)
    db.add(row)
    await db.commit()
    return CreatedEndpoint(endpoint=_view(row), secret=secret)


async def endpoint_row(db: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    row = await db.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound(_('No such webhook endpoint.'), code='unknown_endpoint')
    return row


async def update_endpoint(*, db: AsyncSession, staff: Staff | None, endpoint_id: int, url: str | None = None,
                          events: Iterable[str] | None = None, active: bool | None = None,
                          allow_private: bool | None = None, resolver: Resolver = resolve_host) -> EndpointView:
    require(staff, Permission.MANAGE_STAFF)
    row = await endpoint_row(db, endpoint_id)
    if events is not None:
        row.events = ' '.join(parse_events(events))
    if allow_private is not None:
        row.allow_private = allow_private
    if url is not None or allow_private is not None:
        target = parse_url(url if url is not None else row.url)
        await check_reachable(target, allow_private=row.allow_private, resolver=resolver)
        row.url = target.url
    if active is not None:
        row.active = active
    db.add(row)
    await db.commit()
    return _view(row)


async def remove_endpoint(*, db: AsyncSession, staff: Staff | None, endpoint_id: int) -> None:
    """The endpoint and its delivery log; what was still waiting is not sent."""
    require(staff, Permission.MANAGE_STAFF)
    row = await endpoint_row(db, endpoint_id)
    await db.exec(delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint_id))
    await db.delete(row)
    await db.commit()


async def list_endpoints(*, db: AsyncSession, staff: Staff | None) -> list[EndpointView]:
    require(staff, Permission.MANAGE_STAFF)
    rows = (await db.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id)))).all()
    waiting = dict((await db.exec(
        select(WebhookDelivery.endpoint_id, func.count())
        .where(col(WebhookDelivery.status).in_((WebhookStatus.PENDING, WebhookStatus.FAILED)))
        .group_by(col(WebhookDelivery.endpoint_id)))).all())
    views = []
    for row in rows:
        last = (await db.exec(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == row.id, col(WebhookDelivery.attempts) > 0)
            .order_by(col(WebhookDelivery.id).desc()).limit(1))).first()
        views.append(_view(row, waiting=waiting.get(row.id or 0, 0), last_status=last.status if last else None,
                           last_status_code=last.last_status_code if last else None,
                           last_attempt_at=(last.delivered_at or last.next_attempt_at) if last else None))
    return views


async def delivery_log(*, db: AsyncSession, staff: Staff | None, endpoint_id: int,
                       limit: int = LOG_LIMIT) -> list[DeliveryView]:
    """The endpoint's newest deliveries first: status, the receiver's answer code, when."""
    require(staff, Permission.MANAGE_STAFF)
    await endpoint_row(db, endpoint_id)
    rows = (await db.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                          .order_by(col(WebhookDelivery.id).desc()).limit(max(1, min(limit, 200))))).all()
    return [DeliveryView(id=row.id or 0, event_id=row.event_id, type=row.type, status=row.status,
                         attempts=row.attempts, last_status_code=row.last_status_code, last_error=row.last_error,
                         created_at=row.created_at, delivered_at=row.delivered_at,
                         next_attempt_at=row.next_attempt_at) for row in rows]
