"""Money as exact decimals: stored in minor units, shown as "19.90"."""
from __future__ import annotations

from decimal import Decimal


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal('0.01'))


def cents_text(cents: int) -> str:
    return str(from_cents(cents))


def to_cents(value: Decimal | str) -> int:
    amount = Decimal(value).quantize(Decimal('0.01'))
    return int(amount * 100)
