"""Dirty aggregate marks survive a failed recompute: the days are recomputed once the store is back.

Known bug pinned here (workers/aggregate.py, not ours): `aggregate_dirty` pops up to 200 marks,
and when one recompute fails it puts back only that one, so the other popped days are never
recomputed (a cancellation or a kill loses all of them). Putting back every mark not yet done
(or moving them to a processing set and back at start) would fix it.
"""

from __future__ import annotations

import uuid

import pytest
from pymongo.errors import PyMongoError

from api.resources import Resources, open_resources
from api.settings import Settings
from embedded import ValkeyServer
from embedded.process import free_loopback_port
from storage.mongo import connect_store
from workers.aggregate import aggregate_dirty
from workers.retention import DIRTY_KEY


@pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="aggregate_dirty drops popped marks after a failure"
)
async def test_marks_popped_before_a_store_failure_stay_dirty(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer
) -> None:
    resources = await open_resources(
        Settings(redis_url=queue_server.url, mongodb_url=embedded_urls["mongodb"])
    )
    # A store nobody answers on: every recompute fails after half a second.
    unreachable = connect_store(f"mongodb://127.0.0.1:{free_loopback_port()}/", "x", timeout_ms=500)
    broken = Resources(resources.settings, unreachable, resources.queue, resources.raw_batches)
    marks = {f"dirty-{uuid.uuid4().hex[:6]}|2026-01-0{day}" for day in (1, 2, 3)}
    await resources.queue.sadd(DIRTY_KEY, *marks)
    try:
        with pytest.raises(PyMongoError):
            await aggregate_dirty({"resources": broken})
        left = {m.decode() for m in await resources.queue.smembers(DIRTY_KEY)}
    finally:
        await unreachable.close()
        await resources.close()

    assert left == marks
