"""Accepted raw batches in Redis: Fernet-encrypted, expiring, with a durable pending record.

The pending sorted set (score: accept time in ms, or the last re-drive) lets the worker re-drive
batches whose job was lost, without waiting for arq's in-progress expiry.
"""

from __future__ import annotations

import time

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from redis.asyncio import Redis

RAW_PREFIX = "stuckpoint:raw:"
PENDING_KEY = "stuckpoint:pending"
# Batches whose job failed on every try: kept encrypted (the same expiry) for an operator.
QUARANTINE_PREFIX = "stuckpoint:quarantine:"
QUARANTINE_KEY = "stuckpoint:quarantined"
FAILURES_KEY = "stuckpoint:failures"


class RawBatchMissing(LookupError):
    """The raw batch is gone: already processed, expired, or never stored."""


class RawBatchCorrupt(ValueError):
    """The stored raw batch does not decrypt with the configured key."""


class RawBatchStore:
    def __init__(self, redis: Redis, fernet: Fernet | MultiFernet, ttl_s: int) -> None:
        self.redis = redis
        self.fernet = fernet
        self.ttl_s = ttl_s

    async def put(self, batch_id: str, payload: bytes) -> None:
        """Encrypt and store one accepted batch, and record it as pending."""
        token = self.fernet.encrypt(payload)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(RAW_PREFIX + batch_id, token, ex=self.ttl_s)
            pipe.zadd(PENDING_KEY, {batch_id: int(time.time() * 1000)})
            await pipe.execute()

    async def get(self, batch_id: str) -> bytes:
        token = await self.redis.get(RAW_PREFIX + batch_id)
        if token is None:
            raise RawBatchMissing(batch_id)
        try:
            return self.fernet.decrypt(token)
        except InvalidToken as err:
            raise RawBatchCorrupt(batch_id) from err

    async def exists(self, batch_id: str) -> bool:
        """Whether the batch still waits to be processed (``done`` deletes it)."""
        return bool(await self.redis.exists(RAW_PREFIX + batch_id))

    async def done(self, batch_id: str) -> None:
        """Forget a processed batch: the raw data, its pending record and its failure count."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(RAW_PREFIX + batch_id)
            pipe.zrem(PENDING_KEY, batch_id)
            pipe.hdel(FAILURES_KEY, batch_id)
            await pipe.execute()

    async def count_failure(self, batch_id: str) -> int:
        """Record one more failed try of this batch; returns how many there were."""
        return int(await self.redis.hincrby(FAILURES_KEY, batch_id, 1))  # type: ignore[misc]

    async def quarantine(self, batch_id: str) -> None:
        """Set a batch aside: no longer pending or re-driven, kept (encrypted) until it expires."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rename(RAW_PREFIX + batch_id, QUARANTINE_PREFIX + batch_id)
            pipe.zrem(PENDING_KEY, batch_id)
            pipe.zadd(QUARANTINE_KEY, {batch_id: int(time.time() * 1000)})
            pipe.hdel(FAILURES_KEY, batch_id)
            # The rename fails when the raw batch is already gone; the rest still applies.
            await pipe.execute(raise_on_error=False)

    async def release(self, batch_id: str) -> None:
        """Put a quarantined batch back in the pending record; the next re-drive processes it."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rename(QUARANTINE_PREFIX + batch_id, RAW_PREFIX + batch_id)
            pipe.zrem(QUARANTINE_KEY, batch_id)
            pipe.zadd(PENDING_KEY, {batch_id: 0})
            await pipe.execute(raise_on_error=False)

    async def quarantined(self, limit: int = 1000) -> list[str]:
        ids = await self.redis.zrange(QUARANTINE_KEY, 0, limit - 1)
        return [i.decode() if isinstance(i, bytes) else str(i) for i in ids]

    async def pending_older_than(self, age_s: float, limit: int = 500) -> list[str]:
        cutoff_ms = int((time.time() - age_s) * 1000)
        ids = await self.redis.zrangebyscore(PENDING_KEY, 0, cutoff_ms, start=0, num=limit)
        return [i.decode() if isinstance(i, bytes) else str(i) for i in ids]

    async def rearm(self, batch_ids: list[str]) -> None:
        """Restart the re-drive clock of batches just re-driven; finished ones stay gone."""
        if batch_ids:
            now_ms = int(time.time() * 1000)
            await self.redis.zadd(PENDING_KEY, dict.fromkeys(batch_ids, now_ms), xx=True)

    async def pending_count(self) -> int:
        return int(await self.redis.zcard(PENDING_KEY))
