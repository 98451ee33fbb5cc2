"""Statistics of measured values: nearest-rank percentiles, a summary, milliseconds for a table."""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of values; nan for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p95, p99, mean, max of values (e.g. milliseconds)."""
    return {'n': len(values), 'p50': percentile(values, 50), 'p95': percentile(values, 95),
            'p99': percentile(values, 99), 'mean': statistics.fmean(values) if values else math.nan,
            'max': max(values) if values else math.nan}


def ms(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '-'
    if value >= 100:
        return f'{value:,.0f}'
    if value >= 10:
        return f'{value:.1f}'
    return f'{value:.2f}'
