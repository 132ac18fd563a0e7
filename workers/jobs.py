"""The arq jobs: process one accepted batch, and re-drive batches whose job was lost."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from redis.exceptions import LockError

from api.resources import Resources
from storage.raw_batches import RawBatchCorrupt, RawBatchMissing
from workers.redact import redact_batch
from workers.store import rebuild_session, session_key, store_audit, store_chunk

logger = logging.getLogger(__name__)

SESSION_LOCK_TIMEOUT_S = 120


async def process_batch(ctx: dict[str, Any], batch_id: str) -> dict[str, int | str]:
    """Redact, store, detect and aggregate one batch; safe to run again for the same id."""
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
    redacted = await redact_batch(ctx["redactor"], record)
    del record, payload

    key = session_key(redacted.site_id, redacted.session_id)
    # One job at a time per session, so the session rebuild sees every stored chunk.
    lock = resources.queue.lock(
        f"stuckpoint:lock:{key}", timeout=SESSION_LOCK_TIMEOUT_S, blocking_timeout=60
    )
    async with lock:
        chunk = await store_chunk(resources.store, redacted)
        await store_audit(resources.store, redacted, chunk["_id"])
        session, page_views = await rebuild_session(resources.store, redacted)
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


async def redrive_pending(ctx: dict[str, Any]) -> int:
    """Re-enqueue accepted batches still pending after ``redrive_after_s`` (a lost job)."""
    resources: Resources = ctx["resources"]
    ids = await resources.raw_batches.pending_older_than(resources.settings.redrive_after_s)
    for batch_id in ids:
        # A fresh job id: arq refuses to enqueue an id whose result or job still exists.
        await resources.queue.enqueue_job(
            "process_batch", batch_id, _job_id=f"{batch_id}:redrive:{int(time.time())}"
        )
    if ids:
        logger.warning("re-drove %d pending batches", len(ids))
    return len(ids)


__all__ = ["LockError", "process_batch", "redrive_pending"]
