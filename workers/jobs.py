"""The arq jobs: process one accepted batch, and re-drive batches whose job was lost."""

from __future__ import annotations

import logging
import time
import traceback
from pathlib import Path
from typing import Any

import orjson
from arq import Retry
from pymongo.errors import ConnectionFailure
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api.resources import Resources
from api.settings import PROJECT_ROOT
from storage.raw_batches import RawBatchCorrupt, RawBatchMissing
from workers.redact import redact_batch, site_policy_of
from workers.retention import ERASED_PREFIX, lock_key
from workers.session_state import load_state
from workers.sessions import assign_part
from workers.store import (
    batch_key_of,
    rebuild_session,
    session_key,
    store_audit,
    store_chunk,
)

logger = logging.getLogger(__name__)

# A store or queue that does not answer: the job is tried again later, nothing is lost.
TRANSIENT_ERRORS = (ConnectionFailure, RedisConnectionError, RedisTimeoutError, LockError, OSError)
RETRY_CAP_S = 60
# A batch whose job fails this many times for a reason other than an outage is set aside.
MAX_FAILURES = 3
ARQ_JOB_PREFIX = "arq:job:"
ARQ_IN_PROGRESS_PREFIX = "arq:in-progress:"


def retry_delay_s(job_try: int) -> int:
    """Exponential backoff: 1, 2, 4, ... seconds, at most ``RETRY_CAP_S``."""
    return int(min(RETRY_CAP_S, 2 ** max(0, job_try - 1)))


async def process_batch(ctx: dict[str, Any], batch_id: str) -> dict[str, int | str]:
    """Redact, store, detect and aggregate one batch; safe to run again for the same id.

    When the store or the queue does not answer, the job is retried with backoff (arq's
    ``max_tries``); past that, the re-drive of pending batches starts it again. Any other failure
    leaves the batch pending for the re-drive, and after ``MAX_FAILURES`` sets it aside.
    """
    try:
        return await _process(ctx, batch_id)
    except TRANSIENT_ERRORS as err:
        delay_s = retry_delay_s(int(ctx.get("job_try") or 1))
        logger.warning("batch %s: %s; retrying in %d s", batch_id, type(err).__name__, delay_s)
        raise Retry(defer=delay_s) from err
    except Exception as err:
        resources: Resources = ctx["resources"]
        failures = await resources.raw_batches.count_failure(batch_id)
        if failures < MAX_FAILURES:
            # Failed, still pending: the re-drive tries it again after redrive_after_s.
            raise
        # A poison batch: re-driving it forever would only repeat the failure.
        await resources.raw_batches.quarantine(batch_id)
        logger.error(
            "batch %s quarantined after %d failures: %s at %s",
            batch_id,
            failures,
            type(err).__name__,
            where(err),
        )
        return {"status": "quarantined"}


def where(err: BaseException) -> str:
    """The innermost frame of our code an error passed through, as ``file:line`` (no values)."""
    frames = traceback.extract_tb(err.__traceback__)
    root = str(PROJECT_ROOT)
    ours = [f for f in frames if f.filename.startswith(root) and "site-packages" not in f.filename]
    if not (ours or frames):
        return "unknown"
    frame = (ours or frames)[-1]
    return f"{Path(frame.filename).name}:{frame.lineno}"


async def _process(ctx: dict[str, Any], batch_id: str) -> dict[str, int | str]:
    started = time.monotonic()
    resources: Resources = ctx["resources"]
    try:
        payload = await resources.raw_batches.get(batch_id)
    except RawBatchMissing:
        logger.info("batch %s already processed or expired", batch_id)
        return {"status": "missing"}
    except RawBatchCorrupt:
        logger.warning("batch %s does not decrypt with the current key; left in place", batch_id)
        return {"status": "corrupt"}

    record = orjson.loads(payload)
    key = session_key(record["site_id"], record["batch"]["session_id"])
    previous = await resources.store.sessions.find_one({"_id": key}, {"clock_shift_ms": 1})
    site = await resources.store.sites.find_one({"_id": record["site_id"]}, {"redaction": 1})
    redacted = await redact_batch(
        ctx["redactor"],
        record,
        (previous or {}).get("clock_shift_ms"),
        site_policy_of(site or {"_id": record["site_id"]}),
    )
    del record, payload

    # One job at a time per session, so the session rebuild sees every stored chunk. The lock
    # expires with the job's timeout: a worker killed while holding it blocks nobody for long.
    timeout_s = resources.settings.job_timeout_s
    lock = resources.queue.lock(lock_key(key), timeout=timeout_s, blocking_timeout=timeout_s / 2)
    async with lock:
        if await resources.queue.exists(ERASED_PREFIX + key):
            await resources.raw_batches.done(batch_id)
            logger.info("batch %s belongs to an erased session; dropped", batch_id)
            return {"status": "erased"}
        # A re-driven copy of this job may have finished it while we waited for the lock.
        if not await resources.raw_batches.exists(batch_id):
            logger.info("batch %s already processed by another job", batch_id)
            return {"status": "missing"}
        redacted.part = await assign_part(resources.store, redacted, batch_key_of(redacted))
        # Read by _id once: the chunks, page views and signals the session holds so far.
        state, flags = await load_state(resources.store, redacted.stored_session_id)
        chunk = await store_chunk(resources.store, redacted, state)
        await store_audit(resources.store, redacted, chunk["_id"])
        session, page_views = await rebuild_session(resources.store, redacted, state, flags)
        for step in ctx.get("after_store", []):
            await step(ctx, redacted, session, page_views)

    await resources.raw_batches.done(batch_id)
    elapsed_ms = (time.monotonic() - started) * 1000
    logger.info(
        "processed batch %s: %d events kept, %d duplicates in %.0f ms",
        batch_id,
        len(chunk["hashes"]),
        chunk["dropped_duplicates"],
        elapsed_ms,
    )
    return {"status": "stored", "events": len(chunk["hashes"])}


async def _still_queued(resources: Resources, batch_id: str) -> bool:
    """The batch's first job waits in the queue and has not started: it will run by itself."""
    async with resources.queue.pipeline(transaction=False) as pipe:
        pipe.exists(ARQ_JOB_PREFIX + batch_id)
        pipe.exists(ARQ_IN_PROGRESS_PREFIX + batch_id)
        queued, running = await pipe.execute()
    return bool(queued) and not running


async def redrive_pending(ctx: dict[str, Any]) -> int:
    """Re-enqueue accepted batches still pending after ``redrive_after_s`` (a lost job).

    A batch is re-driven at most once per ``redrive_after_s``; one whose first job still waits
    in the queue (a backlog, not a loss) is left to it.
    """
    resources: Resources = ctx["resources"]
    ids = await resources.raw_batches.pending_older_than(resources.settings.redrive_after_s)
    redriven = 0
    for batch_id in ids:
        if await _still_queued(resources, batch_id):
            continue
        # A fresh job id: arq refuses to enqueue an id whose result or job still exists, and
        # the lost job's in-progress key may outlive its worker by the job timeout.
        await resources.queue.enqueue_job(
            "process_batch", batch_id, _job_id=f"{batch_id}:redrive:{int(time.time())}"
        )
        redriven += 1
    await resources.raw_batches.rearm(ids)
    if redriven:
        logger.warning("re-drove %d pending batches", redriven)
    return redriven


__all__ = ["LockError", "process_batch", "redrive_pending"]
