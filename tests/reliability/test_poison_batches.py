"""A batch the API accepted but the worker cannot process: retried, then set aside, not looped.

The two batches below were found by `python -m bench.fuzz_http`: /collect accepts them (202) and
the worker fails on them every time. Until ingest refuses or clamps such values, quarantine keeps
them from being re-driven for ever; the xfail tests say what the fix must achieve.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from api.resources import Resources
from storage.raw_batches import PENDING_KEY, QUARANTINE_PREFIX, RAW_PREFIX
from tests.reliability.stack import raw_record
from workers.jobs import MAX_FAILURES, process_batch


def batch_with(event: dict[str, Any], site_key: str) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "site_key": site_key,
        "session_id": uuid.uuid4().hex,
        "window_id": "w1",
        "seq": 1,
        "sent_at": now,
        "format": "native",
        "events": [
            {"type": "pageview", "ts": now - 1_000, "url": "https://city.example.test/water"},
            event,
        ],
    }


def far_future(site_key: str) -> dict[str, Any]:
    """A page view stamped two million years ahead, alone in its batch."""
    body = batch_with({"type": "click", "ts": 2**56, "x": 1, "y": 2}, site_key)
    body["events"] = [{"type": "pageview", "ts": 2**56, "url": "https://city.example.test/a"}]
    return body


def huge_number(site_key: str) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return batch_with({"type": "click", "ts": now - 500, "x": 2**70, "y": 2}, site_key)


async def job_ctx(resources: Resources, worker: Any) -> dict[str, Any]:
    import asyncio

    from workers.main import after_store_steps

    while "redactor" not in worker.ctx:
        await asyncio.sleep(0.1)
    return {
        "resources": resources,
        "redactor": worker.ctx["redactor"],
        "after_store": after_store_steps(),
    }


async def put(resources: Resources, body: dict[str, Any]) -> str:
    batch_id = uuid.uuid4().hex
    await resources.raw_batches.put(batch_id, raw_record("demo", body, int(time.time() * 1000)))
    return batch_id


async def test_a_batch_failing_every_try_is_quarantined_after_the_last(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    ctx = await job_ctx(resources, worker)

    async def explode(*_: object) -> None:
        raise RuntimeError("a bug in a later step")

    ctx["after_store"] = [explode]
    batch_id = await put(resources, batch_with({"type": "click", "ts": 1, "x": 1}, keys["site"]))

    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(RuntimeError):
            await process_batch(ctx, batch_id)
        # Still pending between tries, for the re-drive.
        assert await resources.queue.zscore(PENDING_KEY, batch_id) is not None
    result = await process_batch(ctx, batch_id)

    assert result == {"status": "quarantined"}
    assert await resources.queue.zscore(PENDING_KEY, batch_id) is None
    assert await resources.queue.exists(RAW_PREFIX + batch_id) == 0
    assert await resources.queue.ttl(QUARANTINE_PREFIX + batch_id) > 0
    assert batch_id in await resources.raw_batches.quarantined()

    # Once the bug is fixed, an operator releases it and it goes through.
    await resources.raw_batches.release(batch_id)
    ctx["after_store"] = []
    assert (await process_batch(ctx, batch_id))["status"] == "stored"
    assert batch_id not in await resources.raw_batches.quarantined()


async def test_a_far_future_timestamp_is_refused_at_the_door_not_a_poison_batch(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    from ingest.errors import InvalidBatch

    # Timestamps past year 5000 are refused by validation, so no such batch reaches a worker.
    with pytest.raises(InvalidBatch) as refused:
        await put(resources, far_future(keys["site"]))
    assert refused.value.status == 400


@pytest.mark.xfail(
    strict=True,
    raises=(TypeError, OverflowError),
    reason="ingest accepts integers past 64 bits (orjson, BSON fail)",
)
async def test_a_number_past_64_bits_is_refused_or_clamped_not_a_poison_batch(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    ctx = await job_ctx(resources, worker)
    batch_id = await put(resources, huge_number(keys["site"]))
    assert (await process_batch(ctx, batch_id))["status"] == "stored"
