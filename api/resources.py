"""Connections shared by the API and the worker: store, queue, raw batches, arq pool."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from arq.connections import ArqRedis, RedisSettings, create_pool
from cryptography.fernet import Fernet, MultiFernet
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api.settings import Settings
from storage.mongo import Store, connect_store
from storage.raw_batches import RawBatchStore

logger = logging.getLogger(__name__)

QUEUE_NAME = "stuckpoint:queue"


class NotConfigured(RuntimeError):
    """A store or queue URL is missing and no embedded server runs."""


def load_fernet(settings: Settings) -> MultiFernet:
    """The raw-batch keys: from settings, or (development only) generated once into data_dir.

    ``STUCKPOINT_FERNET_KEY`` may list several keys separated by commas: the first encrypts,
    all of them decrypt, so a new key can be put first while batches under the old one drain.
    """
    if settings.fernet_key:
        keys = [k.strip() for k in settings.fernet_key.split(",") if k.strip()]
        return MultiFernet([Fernet(k.encode()) for k in keys])
    if settings.environment == "production":
        raise NotConfigured("STUCKPOINT_FERNET_KEY must be set in production")

    key_path = Path(settings.data_dir) / "fernet.key"
    if not key_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key())
        logger.info("generated a development encryption key in %s", key_path)
    return MultiFernet([Fernet(key_path.read_bytes().strip())])


def serialize_job(obj: dict[str, Any]) -> bytes:
    """arq job serializer: JSON, never pickle. What JSON cannot hold becomes its text."""
    return orjson.dumps(obj, default=str)


def deserialize_job(data: bytes) -> dict[str, Any]:
    return orjson.loads(data)  # type: ignore[no-any-return]


def redis_settings(url: str) -> RedisSettings:
    """Connection settings; a command on a connection the server dropped (a queue restart) is
    retried twice on a fresh connection, so one stale socket does not fail a request."""
    settings = RedisSettings.from_dsn(url)
    settings.retry = Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=2)
    settings.retry_on_error = [RedisConnectionError, RedisTimeoutError]
    return settings


@dataclass
class Resources:
    settings: Settings
    store: Store
    queue: ArqRedis
    raw_batches: RawBatchStore

    async def close(self) -> None:
        await self.queue.aclose()
        await self.store.close()


async def open_resources(settings: Settings) -> Resources:
    if not settings.mongodb_url or not settings.redis_url:
        raise NotConfigured(
            "STUCKPOINT_MONGODB_URL and STUCKPOINT_REDIS_URL are needed here; "
            "`stuckpoint run` starts embedded servers and sets them"
        )
    store = connect_store(settings.mongodb_url, settings.database)
    try:
        queue = await create_pool(
            redis_settings(settings.redis_url),
            default_queue_name=QUEUE_NAME,
            job_serializer=serialize_job,
            job_deserializer=deserialize_job,
        )
    except BaseException:
        # A caller that retries (a worker waiting for its queue) must not leak a client a try.
        await store.close()
        raise
    raw = RawBatchStore(queue, load_fernet(settings), settings.raw_batch_ttl_s)
    return Resources(settings=settings, store=store, queue=queue, raw_batches=raw)
