"""Token-bucket rate limits per site key and per client address."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from api.errors import TooManyRequests


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows ``per_minute`` requests per key on average, with bursts of up to a minute's worth.

    Known shortcoming: buckets live in this process, so N API processes allow N times the rate.
    A shared counter in Redis (one INCR per request) would make the limit global.
    """

    def __init__(self, per_minute: int, max_keys: int = 100_000) -> None:
        self.rate_per_s = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key: str) -> None:
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate_per_s)
        bucket.updated = now
        if bucket.tokens < 1.0:
            wait_s = math.ceil((1.0 - bucket.tokens) / self.rate_per_s)
            raise TooManyRequests("too many requests; slow down", retry_after_s=max(1, wait_s))
        bucket.tokens -= 1.0
