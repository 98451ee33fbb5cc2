"""Opaque secrets: made random, stored only as hashes, compared in constant time."""
from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode('utf-8', 'surrogatepass')).hexdigest()


def identity_hmac(secret: str, email: str) -> str:
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def identity_matches(secret: str, email: str, given: str) -> bool:
    # bytes: compare_digest refuses str with non-ASCII characters (a TypeError, once a 500)
    return hmac.compare_digest(identity_hmac(secret, email).encode(), given.strip().lower().encode('utf-8', 'replace'))
