"""K2's e-mailed rating link: `/rate/<survey id>.<expiry>.<signature>`, where the signature is the hex
HMAC-SHA256 of the survey id and its expiry (Unix seconds) keyed with the server's secret (INBOX_SECRET, or the one
generated into DATA_DIR/secret). A changed id or expiry no longer matches the signature; an expired link is refused
before the database is asked; that the link works once is the survey's `answered_at` (services/ratings.py)."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_TOKEN = 200


@dataclass(frozen=True)
class LinkClaim:
    survey_id: int
    expires_at: datetime


def _signature(secret: str, survey_id: int, expires: int) -> str:
    return hmac.new(secret.encode(), f'rating-link:{survey_id}:{expires}'.encode(), hashlib.sha256).hexdigest()


def sign(secret: str, *, survey_id: int, expires_at: datetime) -> str:
    expires = int(expires_at.timestamp())
    return f'{survey_id}.{expires}.{_signature(secret, survey_id, expires)}'


def link(public_url: str, token: str) -> str:
    return f'{public_url.rstrip("/")}/rate/{token}'


def verify(secret: str, token: str, *, now: datetime) -> LinkClaim | None:
    """The survey a link names when its signature matches and it has not expired; None otherwise."""
    if not token or len(token) > MAX_TOKEN:
        return None
    parts = token.split('.')
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    survey_id, expires = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(_signature(secret, survey_id, expires).encode(),
                               parts[2].encode('utf-8', 'replace')):
        return None
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= now:
        return None
    return LinkClaim(survey_id=survey_id, expires_at=expires_at)
