"""A batch the API accepted but the worker cannot process: retried, then set aside, not looped.

Two kinds of batch found by `python -m bench.fuzz_http` used to pass /collect (202) and fail the
worker every time: timestamps far in the future, and integers past 64 bits. Ingest now refuses
both at the door; quarantine remains for whatever else a later bug makes fail.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
from arq.jobs import Job

from api.resources import QUEUE_NAME, Resources, deserialize_job
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


async def post_exact(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    # The stdlib writes integers of any size exactly, as a hostile client could send them.
    content = json.dumps(body).encode()
    return await client.post("/collect", content=content, headers={"content-type": "text/plain"})


async def job_result(resources: Resources, batch_id: str) -> Any:
    """The worker's result for a batch /collect accepted (its job id is the batch id)."""
    job = Job(batch_id, resources.queue, _queue_name=QUEUE_NAME, _deserializer=deserialize_job)
    return await job.result(timeout=60, poll_delay=0.1)


@pytest.mark.parametrize(
    ("place", "wide", "field"),
    [
        ("x", 2**64 - 1, "x"),
        ("x", 2**63, "x"),
        ("target", {"selector": "a", "tag": "a", "rect": [1, 2**63]}, "target.rect[1]"),
    ],
)
async def test_an_integer_past_64_bits_is_refused_by_name_and_the_rest_is_stored(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    worker: Any,
    place: str,
    wide: Any,
    field: str,
) -> None:
    now = int(time.time() * 1000)
    body = batch_with({"type": "click", "ts": now - 500, "x": 2, "y": 2, place: wide}, keys["site"])

    response = await post_exact(client, body)

    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["accepted"] == 1
    assert answer["rejected"] == [{"index": 1, "field": field, "reason": "integer_out_of_range"}]
    assert await job_result(resources, answer["batch_id"]) == {"status": "stored", "events": 1}


async def test_a_batch_of_only_too_wide_integers_gets_400_not_a_poison_batch(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    body = batch_with({"type": "click", "ts": 1, "x": 2**64 - 1}, keys["site"])
    body["events"] = body["events"][1:]

    response = await post_exact(client, body)

    assert response.status_code == 400
    assert response.json()["field"] == "events"


async def test_an_integer_past_any_64_bit_range_is_read_as_a_number_and_stored(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    # JSON's reader turns integers past 2**64 into floats (doubles), which storage holds.
    response = await post_exact(client, huge_number(keys["site"]))

    assert response.status_code == 202, response.text
    assert (response.json()["accepted"], response.json()["rejected"]) == (2, [])
    result = await job_result(resources, response.json()["batch_id"])
    assert result == {"status": "stored", "events": 2}


async def test_two_jobs_of_one_batch_waiting_on_its_session_store_it_once(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    import asyncio

    from workers.retention import lock_key
    from workers.store import session_key

    ctx = await job_ctx(resources, worker)
    body = batch_with({"type": "click", "ts": int(time.time() * 1000) - 500, "x": 1}, keys["site"])
    batch_id = await put(resources, body)
    # A re-drive queued a second job for the batch; both read it, then wait for the session.
    lock = resources.queue.lock(lock_key(session_key("demo", body["session_id"])), timeout=30)
    await lock.acquire()
    jobs = [asyncio.create_task(process_batch(ctx, batch_id)) for _ in range(2)]
    await asyncio.sleep(1.5)
    await lock.release()
    results = await asyncio.gather(*jobs)

    assert sorted(r["status"] for r in results) == ["missing", "stored"]
