"""Column types shared by the tables."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes.

    SQLite keeps no offset, so without this a value read back is naive and comparisons with
    `utcnow()` fail.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError('naive datetime given to a UTC column')
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# Row ids and the columns that point at them: 64-bit everywhere, as the API accepts ids up to 2**63 - 1. SQLite's
# INTEGER already is; its INTEGER PRIMARY KEY must stay INTEGER to remain the rowid (BIGINT would not be).
Id = BigInteger().with_variant(Integer(), 'sqlite')
