"""Password hashing with argon2 (pwdlib's recommended settings)."""
from __future__ import annotations

from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()
_DUMMY_HASH = _hasher.hash('not a real password')


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; with no hash it still spends the same time so unknown e-mails don't answer faster."""
    if not password_hash:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)
