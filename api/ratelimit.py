"""Rate limits per site key and per client address: a token bucket per key.

`check_shared` keeps the buckets in Redis, so every API process draws on one budget; `check`
keeps them in this process (what survey routes still use).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from api.errors import TooManyRequests, Unavailable

KEY_PREFIX = "stuckpoint:rate:"

# GCRA, the token bucket kept as one number per key: the time (ms, the server's clock, so API
# processes need not agree on theirs) at which the bucket is full again. All keys are checked
# first and charged only if every one allows, so a refused request costs no key any budget.
# Returns 0 when allowed, else the ms to wait.
_GCRA = """
local interval_ms = tonumber(ARGV[1])
local burst_ms = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now_ms = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local wait_ms = 0
local full_at = {}
for i, key in ipairs(KEYS) do
  local at = tonumber(redis.call('GET', key)) or now_ms
  if at < now_ms then at = now_ms end
  full_at[i] = at + interval_ms
  local over_ms = full_at[i] - burst_ms - now_ms
  if over_ms > wait_ms then wait_ms = over_ms end
end
if wait_ms > 0 then
  return math.ceil(wait_ms)
end
for i, key in ipairs(KEYS) do
  local ttl_ms = math.max(1, math.ceil(full_at[i] - now_ms))
  redis.call('SET', key, string.format('%.17g', full_at[i]), 'PX', ttl_ms)
end
return 0
"""


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows ``per_minute`` requests per key on average, with bursts of up to a minute's worth."""

    def __init__(self, per_minute: int, max_keys: int = 100_000) -> None:
        self.rate_per_s = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._script: tuple[Redis, AsyncScript] | None = None

    async def check_shared(self, redis: Redis, *keys: str) -> None:
        """Take one request from each key's bucket in Redis, or none if any bucket is empty.

        Raises `TooManyRequests` (with the wait) when a bucket is empty, and `Unavailable` when
        Redis does not answer: without it no process can tell what the others allowed.
        """
        interval_ms = 1000.0 / self.rate_per_s
        try:
            wait_ms = await self._gcra(redis)(
                keys=[KEY_PREFIX + key for key in keys],
                args=[repr(interval_ms), repr(interval_ms * self.capacity)],
            )
        except (RedisError, OSError) as err:
            raise Unavailable("the rate limiter is unavailable; retry later") from err
        if wait_ms:
            retry_after_s = max(1, math.ceil(int(wait_ms) / 1000))
            raise TooManyRequests("too many requests; slow down", retry_after_s=retry_after_s)

        # Mirrored in this process's buckets, so that `check` callers (survey routes) see what
        # this process let through; the Redis buckets alone decide here.
        for key in keys:
            self._take(key, strict=False)

    def _gcra(self, redis: Redis) -> AsyncScript:
        # The script object caches its SHA and reloads the script after a server restart.
        if self._script is None or self._script[0] is not redis:
            self._script = (redis, redis.register_script(_GCRA))
        return self._script[1]

    def check(self, key: str) -> None:
        """Take one request from the key's bucket in this process.

        Known shortcoming: these buckets live in this process, so N API processes allow N times
        the rate; callers that can await should use `check_shared`.
        """
        self._take(key, strict=True)

    def _take(self, key: str, strict: bool) -> None:
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate_per_s)
        bucket.updated = now
        if bucket.tokens < 1.0:
            if not strict:
                bucket.tokens = 0.0
                return
            wait_s = math.ceil((1.0 - bucket.tokens) / self.rate_per_s)
            raise TooManyRequests("too many requests; slow down", retry_after_s=max(1, wait_s))
        bucket.tokens -= 1.0
