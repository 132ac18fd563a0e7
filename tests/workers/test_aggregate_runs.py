"""The aggregation cron runs one at a time per process: overlapping runs wrote the same site
documents at once, which FerretDB v1 can lose."""

from __future__ import annotations

import uuid

import workers.aggregate
from api.resources import Resources
from workers.aggregate import aggregate_dirty
from workers.dirty import DIRTY_KEY, mark_days, mark_of


async def test_a_run_while_another_is_going_leaves_the_marks_to_the_next(
    resources: Resources,
) -> None:
    mark = mark_of(f"runs-{uuid.uuid4().hex[:8]}", "2024-05-06")
    async with workers.aggregate._RUNNING:  # a run going on (the test worker's cron waits too)
        await mark_days(resources.queue, [mark])

        skipped = await aggregate_dirty({"resources": resources})

        assert skipped == 0
        assert await resources.queue.sismember(DIRTY_KEY, mark)  # type: ignore[misc]
    await resources.queue.srem(DIRTY_KEY, mark)  # type: ignore[misc]
