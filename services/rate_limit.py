"""Sliding-window counters kept in memory (one process serves the store)."""
from __future__ import annotations

import time
from collections import deque


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
