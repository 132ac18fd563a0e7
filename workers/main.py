"""arq worker settings: startup builds the redaction engine once and opens connections."""

from __future__ import annotations

import logging
import time
from typing import Any

from arq import cron
from arq.connections import RedisSettings

from anonymizer import Redactor
from api.resources import (
    QUEUE_NAME,
    deserialize_job,
    open_resources,
    redis_settings,
    serialize_job,
)
from api.settings import get_settings
from workers.jobs import process_batch, redrive_pending

logger = logging.getLogger(__name__)


async def startup(ctx: dict[str, Any]) -> None:
    started = time.monotonic()
    settings = get_settings()
    ctx["resources"] = await open_resources(settings)
    await ctx["resources"].store.ensure_indexes()
    ctx["redactor"] = Redactor(model_name=settings.spacy_model)
    ctx["after_store"] = after_store_steps()
    logger.info("worker ready in %.0f ms", (time.monotonic() - started) * 1000)


def after_store_steps() -> list[Any]:
    """Detect and aggregate run after the store step, inside the session lock."""
    from workers.aggregate import mark_dirty
    from workers.detect import detect_session

    return [detect_session, mark_dirty]


async def shutdown(ctx: dict[str, Any]) -> None:
    resources = ctx.get("resources")
    if resources is not None:
        await resources.close()


def _redis() -> RedisSettings:
    settings = get_settings()
    if not settings.redis_url:
        raise RuntimeError("STUCKPOINT_REDIS_URL is not set; `stuckpoint run` sets it")
    rs = redis_settings(settings.redis_url)
    # Keep retrying a lost queue connection instead of exiting.
    rs.conn_retries = 1_000_000
    rs.conn_retry_delay = 1
    return rs


def worker_settings() -> dict[str, Any]:
    from workers.aggregate import aggregate_dirty

    settings = get_settings()
    return {
        "functions": [process_batch],
        "cron_jobs": [
            cron(redrive_pending, second={0, 30}, run_at_startup=True, timeout=30),
            cron(aggregate_dirty, second=set(range(60)), timeout=30, unique=True),
        ],
        "queue_name": QUEUE_NAME,
        "redis_settings": _redis(),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "job_timeout": settings.job_timeout_s,
        "max_tries": settings.job_max_tries,
        "max_jobs": settings.worker_concurrency,
        "keep_result": 60,
        "log_results": False,
        "job_serializer": serialize_job,
        "job_deserializer": deserialize_job,
        "poll_delay": 0.05,
    }
