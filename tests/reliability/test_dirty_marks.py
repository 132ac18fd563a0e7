"""Dirty aggregate marks survive a failed or cut-short recompute, and a re-mark during one.

`aggregate_dirty` reads up to 200 marks without removing them and removes each only after its
recompute, when nothing re-marked it meanwhile (`workers/dirty.py`), so none is lost.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from pymongo.errors import PyMongoError

from api.auth import create_site
from api.resources import Resources, open_resources
from api.settings import Settings
from embedded import ValkeyServer
from embedded.process import free_loopback_port
from storage.mongo import connect_store
from workers.aggregate import MAX_RECOMPUTE_FAILURES, aggregate_dirty
from workers.dirty import (
    DIRTY_KEY,
    FAILED_KEY,
    FAILURES_KEY,
    GENERATIONS_KEY,
    claim,
    mark_days,
    mark_of,
    settle,
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


async def test_a_site_whose_data_breaks_its_recompute_does_not_stop_the_others(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer
) -> None:
    resources = await open_resources(
        Settings(redis_url=queue_server.url, mongodb_url=embedded_urls["mongodb"])
    )
    bad, good = f"bad-{uuid.uuid4().hex[:6]}", f"good-{uuid.uuid4().hex[:6]}"
    day = "2026-01-05"
    # A page view without its session id: the recompute of that site raises KeyError.
    await resources.store.page_views.insert_one(
        {"_id": f"{bad}-pv", "site_id": bad, "day": day, "started_at": 1767571200000}
    )
    await resources.queue.delete(DIRTY_KEY, FAILURES_KEY, FAILED_KEY)
    await resources.queue.sadd(DIRTY_KEY, f"{bad}|{day}")
    try:
        tries = []
        for _ in range(MAX_RECOMPUTE_FAILURES):
            await resources.queue.sadd(DIRTY_KEY, f"{good}|{day}")
            tries.append(await aggregate_dirty({"resources": resources}))
        dirty = {m.decode() for m in await resources.queue.smembers(DIRTY_KEY)}
        failed = {m.decode() for m in await resources.queue.smembers(FAILED_KEY)}
        counts = await resources.queue.hgetall(FAILURES_KEY)
    finally:
        await resources.store.page_views.delete_one({"_id": f"{bad}-pv"})
        await resources.queue.delete(DIRTY_KEY, FAILURES_KEY, FAILED_KEY)
        await resources.close()

    # Every run takes both marks: the good site is done each time, the bad mark stays until its
    # fifth failure sets it aside.
    assert tries == [2] * MAX_RECOMPUTE_FAILURES
    assert dirty == set() and failed == {f"{bad}|{day}"} and counts == {}


async def test_a_mark_renewed_during_a_recompute_stays_and_a_cut_short_run_loses_none(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer
) -> None:
    resources = await open_resources(
        Settings(redis_url=queue_server.url, mongodb_url=embedded_urls["mongodb"])
    )
    queue = resources.queue
    site = f"race-{uuid.uuid4().hex[:6]}"
    early, renewed = f"{site}|2026-01-06", f"{site}|2026-01-07"
    await queue.delete(DIRTY_KEY, GENERATIONS_KEY)
    try:
        await mark_days(queue, [early, renewed])
        claimed = await claim(queue, 10)
        # New data for one day lands while that day is being recomputed.
        await mark_days(queue, [renewed])
        removed = await settle(queue, claimed)
        after_race = {m.decode() for m in await queue.smembers(DIRTY_KEY)}

        # A run cut short (a kill, or the job timeout) before it settles leaves its marks.
        task = asyncio.ensure_future(aggregate_dirty({"resources": resources}))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        after_cancel = {m.decode() for m in await queue.smembers(DIRTY_KEY)}

        done = await aggregate_dirty({"resources": resources})
        after_run = await queue.smembers(DIRTY_KEY)
    finally:
        await queue.delete(DIRTY_KEY, GENERATIONS_KEY)
        await resources.close()

    assert removed == 1 and after_race == {renewed}
    assert after_cancel == {renewed}
    assert done == 1 and after_run == set()


async def test_days_left_in_the_earlier_index_layout_are_recomputed_in_the_background(
    resources: Resources, worker: object
) -> None:
    site_id = f"upgraded-{uuid.uuid4().hex[:6]}"
    await create_site(resources.store, site_id, "Upgraded", "sk-" + site_id, [])
    dashboard = resources.store.db["dashboard"]
    # As an upgrade leaves a site: two days aggregated in the layout before `site|sessions`.
    await dashboard.insert_one(
        {"_id": f"{site_id}|sessions", "site_id": site_id, "pending": ["2024-02-01", "2024-02-03"]}
    )

    await mark_days(resources.queue, [mark_of(site_id, "2024-02-05")])

    pending = ["?"]
    for _ in range(100):
        layout = await dashboard.find_one({"_id": f"{site_id}|sessions"})
        pending = (layout or {}).get("pending", ["?"])
        if not pending:
            break
        await asyncio.sleep(0.3)
    assert pending == []
