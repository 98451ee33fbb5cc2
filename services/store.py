"""The store this installation serves (one row, made by migration 0002), and its settings (U2)."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Staff, Store
from services import audit
from services.audit import Action
from services.errors import Invalid
from services.i18n import _
from services.permissions import Permission, require

COLOUR = re.compile(r'#[0-9a-fA-F]{6}')
CURRENCY = re.compile(r'[A-Z]{3}')
HOSTNAME = re.compile(r'(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*')
POSITIONS = ('left', 'right')
MAX_DOMAINS = 20


async def get_store(db: AsyncSession) -> Store:
    store = await db.get(Store, 1)
    if store is None:
        raise RuntimeError('the store row is missing: run `inbox migrate`')
    return store


@dataclass(frozen=True)
class StoreSettingsIn:
    name: str
    time_zone: str
    currency: str
    storefront_url: str
    widget_color: str
    widget_position: str
    allowed_domains: list[str]


def allowed_domains(store: Store) -> list[str]:
    """The hostnames the widget may be embedded on; empty: anywhere (the state before U2)."""
    return store.allowed_domains.split()


def host_allowed(store: Store, host: str) -> bool:
    allowed = allowed_domains(store)
    return not allowed or host.lower() in allowed


def _time_zone(raw: str) -> str:
    name = raw.strip()
    try:
        if not name or len(name) > 64:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Invalid(_('"%(zone)s" is not a time zone. Use a name like Europe/Helsinki.') % {'zone': name[:64]},
                      code='invalid_time_zone') from error
    return name


def _currency(raw: str) -> str:
    """An ISO 4217 code that Babel knows (its list of currencies), in capitals."""
    code = raw.strip().upper()
    if not CURRENCY.fullmatch(code):
        raise Invalid(_('A currency is a three-letter ISO 4217 code such as EUR.'), code='invalid_currency')
    if code not in list_currencies():
        raise Invalid(_('"%(code)s" is not an ISO 4217 currency code. Use one such as EUR, USD or DKK.')
                      % {'code': code}, code='invalid_currency')
    return code


def _storefront(raw: str) -> str:
    url = raw.strip()
    if not url:
        return ''
    parts = urlsplit(url)
    if len(url) > 500 or parts.scheme not in ('http', 'https') or not parts.hostname:
        raise Invalid(_('The storefront address must start with http:// or https://.'), code='invalid_url')
    return url


def _domains(raw: list[str]) -> str:
    hosts: list[str] = []
    for entry in raw:
        host = entry.strip().lower().rstrip('.')
        if not host:
            continue
        if not HOSTNAME.fullmatch(host):
            raise Invalid(_('"%(host)s" is not a host name such as shop.example.com.') % {'host': host[:100]},
                          code='invalid_domain')
        if host not in hosts:
            hosts.append(host)
    if len(hosts) > MAX_DOMAINS:
        raise Invalid(_('At most %(count)s domains.') % {'count': MAX_DOMAINS}, code='too_many_domains')
    return ' '.join(hosts)


AUDITED_FIELDS = ('name', 'time_zone', 'currency', 'storefront_url', 'widget_color', 'widget_position',
                  'allowed_domains')


def _audited(store: Store) -> dict[str, object]:
    return {field: getattr(store, field) for field in AUDITED_FIELDS}


async def update_settings(*, db: AsyncSession, actor: Staff | None, settings: StoreSettingsIn,
                          address: str = '') -> Store:
    manager = require(actor, Permission.MANAGE_STAFF)
    name = settings.name.strip()
    if not name:
        raise Invalid(_('The store needs a name.'), code='missing_name')
    if not COLOUR.fullmatch(settings.widget_color.strip()):
        raise Invalid(_('The widget colour is a hex colour such as #2563eb.'), code='invalid_colour')
    if settings.widget_position not in POSITIONS:
        raise Invalid(_('The widget sits on the left or the right.'), code='invalid_position')
    store = await get_store(db)
    before = _audited(store)
    store.name = name[:200]
    store.time_zone = _time_zone(settings.time_zone)
    store.currency = _currency(settings.currency)
    store.storefront_url = _storefront(settings.storefront_url)
    store.widget_color = settings.widget_color.strip().lower()
    store.widget_position = settings.widget_position
    store.allowed_domains = _domains(settings.allowed_domains)
    changed = audit.changes(before, _audited(store))
    if changed:  # a save that changes nothing is no settings change
        audit.record(db, actor=manager, action=Action.SETTINGS_CHANGED, target='store', detail=changed,
                     address=address)
    db.add(store)
    await db.commit()
    return store


async def rotate_identity_secret(*, db: AsyncSession, actor: Staff | None, address: str = '') -> Store:
    """A new identity secret: signatures (identity_hmac) made with the old one stop proving anything at once."""
    manager = require(actor, Permission.MANAGE_STAFF)
    store = await get_store(db)
    audit.record(db, actor=manager, action=Action.SETTINGS_CHANGED, target='store',
                 detail={'identity_key': 'rotated'}, address=address)
    store.identity_secret = secrets.token_hex(32)
    db.add(store)
    await db.commit()
    return store
