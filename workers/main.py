"""arq worker settings: startup builds the redaction engine once and opens connections."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker
from pymongo.errors import PyMongoError
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import WatchError

from anonymizer import Redactor
from api.logfilter import install_log_scrubbing
from api.resources import (
    QUEUE_NAME,
    deserialize_job,
    open_resources,
    redis_settings,
    serialize_job,
)
from api.settings import get_settings
from workers.jobs import process_batch, redrive_pending
from workers.retention import sweep_retention
from workers.survey_text import redact_survey_input, redrive_survey_inputs

logger = logging.getLogger(__name__)

T = TypeVar("T")


# Seconds between tries while the store or the queue is unreachable at start: doubling, capped.
STARTUP_RETRY_FIRST_S = 1.0
STARTUP_RETRY_MAX_S = 10.0
# Within the 15 s `stuckpoint run` (and the test harness) give a worker before SIGKILL.
SHUTDOWN_WAIT_S = 10
UNREACHABLE = (PyMongoError, RedisConnectionError, RedisTimeoutError, OSError)


async def startup(ctx: dict[str, Any]) -> None:
    started = time.monotonic()
    install_log_scrubbing()
    settings = get_settings()
    # The model first: it needs neither server, and a store still starting gets that time.
    ctx["redactor"] = Redactor(model_name=settings.spacy_model)
    ctx["resources"] = await until_reachable("queue", lambda: open_resources(settings))
    await until_reachable("store", ctx["resources"].store.ensure_indexes)
    ctx["after_store"] = after_store_steps()
    logger.info("worker ready in %.0f ms", (time.monotonic() - started) * 1000)


async def until_reachable(name: str, step: Callable[[], Awaitable[T]]) -> T:
    """Run ``step`` until the server it needs answers, waiting longer after each failure.

    A worker started before its store (a host boot, a container started first) waits instead
    of exiting: one warning line per try with the error's type, no traceback.
    """
    delay_s = STARTUP_RETRY_FIRST_S
    tries = 0
    while True:
        try:
            result = await step()
        except UNREACHABLE as err:
            tries += 1
            logger.warning(
                "%s unreachable at start (%s); retrying in %.0f s (try %d)",
                name,
                type(err).__name__,
                delay_s,
                tries,
            )
            await asyncio.sleep(delay_s)
            delay_s = min(delay_s * 2, STARTUP_RETRY_MAX_S)
            continue
        if tries:
            logger.info("%s reachable after %d failed tries", name, tries)
        return result


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
    # Keep retrying a lost queue connection instead of exiting: at start (conn_retries), and
    # for every command of the polling loop (an unbounded Retry), so a queue restart or a
    # dropped connection only pauses the worker.
    rs.conn_retries = 1_000_000
    rs.conn_retry_delay = 1
    rs.retry = Retry(LoggingBackoff(cap=5.0, base=0.1), retries=-1)
    rs.retry_on_error = [RedisConnectionError, RedisTimeoutError, OSError]
    return rs


class LoggingBackoff(ExponentialBackoff):
    """Exponential backoff that says, once per outage and then every 20 tries, why it waits."""

    def compute(self, failures: int) -> float:
        if failures == 1 or failures % 20 == 0:
            logger.warning("queue connection lost; reconnecting (try %d)", failures)
        return float(super().compute(failures))


# What a lost queue connection raises where the client cannot retry by itself: a WATCH (arq
# takes jobs and enqueues cron jobs under one) turns a dropped connection into a WatchError.
QUEUE_ERRORS = (RedisConnectionError, RedisTimeoutError, WatchError, OSError)


class ResilientWorker(Worker):
    """arq's worker, kept alive through queue outages instead of exiting on the first error."""

    _queue_failures = 0

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        try:
            await super().start_jobs(job_ids)
        except QUEUE_ERRORS:
            # arq had taken a job slot for the job it was starting; give it back.
            self.job_counter -= 1
            self.sem.release()
            raise

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except QUEUE_ERRORS as err:
            self._queue_failures += 1
            if self._queue_failures == 1 or self._queue_failures % 20 == 0:
                logger.warning(
                    "queue connection lost (%s); reconnecting (try %d)",
                    type(err).__name__,
                    self._queue_failures,
                )
            await asyncio.sleep(min(5.0, 0.1 * 2**self._queue_failures))
        else:
            self._queue_failures = 0


class QuietFrequentCron(logging.Filter):
    """Drops arq's start and finish lines of the once-a-second aggregation cron: two INFO lines
    a second that bury everything else. ``aggregate_dirty`` logs a line of its own whenever it
    aggregated something, and arq's warnings and errors about it still pass."""

    # arq names the job "cron:aggregate_dirty" (with ":<time>" when given a job id).
    JOB = re.compile(r"\bcron:aggregate_dirty\b")

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or not self.JOB.search(record.getMessage())


def quiet_frequent_cron() -> None:
    """Install `QuietFrequentCron` on arq's worker logger (idempotent)."""
    arq_logger = logging.getLogger("arq.worker")
    if not any(isinstance(f, QuietFrequentCron) for f in arq_logger.filters):
        arq_logger.addFilter(QuietFrequentCron())


def worker_settings() -> dict[str, Any]:
    from workers.aggregate import aggregate_dirty
    from workers.unusual import refit_unusual_models

    quiet_frequent_cron()
    settings = get_settings()
    return {
        "functions": [process_batch, redact_survey_input],
        "cron_jobs": [
            cron(redrive_pending, second={0, 30}, run_at_startup=True, timeout=30),
            cron(redrive_survey_inputs, second={15, 45}, run_at_startup=True, timeout=30),
            cron(aggregate_dirty, second=set(range(60)), timeout=30, unique=True),
            # The timeout stays within the job timeout: arq keeps every job's in-progress key
            # for the longest timeout. A sweep cut short resumes at its next run.
            cron(
                sweep_retention,
                minute={2, 17, 32, 47},
                second={0},
                timeout=settings.job_timeout_s,
                unique=True,
            ),
            # Hourly, off the retention sweep's minutes; it only reads page views and writes
            # small model documents (the forests are fitted where sessions are scored).
            cron(
                refit_unusual_models,
                minute={41},
                second={0},
                timeout=settings.job_timeout_s,
                unique=True,
            ),
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
        # On SIGTERM or SIGINT: take no new job, let running ones finish for this long, then
        # cancel the rest, which arq puts back in the queue ("cancelled, will be run again").
        "job_completion_wait": SHUTDOWN_WAIT_S,
    }
