"""Step 4: per site, page template, department and day aggregates, recomputed exactly.

The store step marks (site, day) pairs dirty; a once-a-second job recomputes each dirty pair
from the stored page views, so re-runs and retries give identical numbers.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from api.resources import Resources
from workers.redact import RedactedBatch
from workers.store import day_of
from workers.timeline import PageViewTimeline

logger = logging.getLogger(__name__)

DIRTY_KEY = "stuckpoint:dirty"


async def mark_dirty(
    ctx: dict[str, Any],
    batch: RedactedBatch,
    session: dict[str, Any],
    page_views: list[PageViewTimeline],
) -> None:
    resources: Resources = ctx["resources"]
    days = {day_of(pv.started_at) for pv in page_views} or {day_of(batch.received_at_ms)}
    await resources.queue.sadd(DIRTY_KEY, *[f"{batch.site_id}|{day}" for day in sorted(days)])


async def aggregate_dirty(ctx: dict[str, Any]) -> int:
    """Recompute the aggregates of every (site, day) marked dirty since the last run."""
    resources: Resources = ctx["resources"]
    started = time.monotonic()
    keys = await resources.queue.spop(DIRTY_KEY, 200)
    for raw in keys or []:
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        site_id, day = key.split("|", 1)
        try:
            await recompute_day(resources, site_id, day)
        except Exception:
            # Put it back so the next run retries it; the error is logged once here.
            await resources.queue.sadd(DIRTY_KEY, key)
            raise
    if keys:
        logger.info(
            "aggregated %d site-days in %.0f ms", len(keys), (time.monotonic() - started) * 1000
        )
    return len(keys or [])


async def recompute_day(resources: Resources, site_id: str, day: str) -> None:
    store = resources.store
    docs = await store.page_views.find(
        {"site_id": site_id, "day": day},
        projection={"template": 1, "session_id": 1, "signal_counts": 1, "department": 1},
    ).to_list(None)

    rows: dict[str, dict[str, Any]] = {}
    sessions: dict[str, set[str]] = {}
    for pv in docs:
        template = pv.get("template", "/")
        row = rows.setdefault(
            template,
            {
                "_id": f"{site_id}|{day}|{template}",
                "site_id": site_id,
                "day": day,
                "template": template,
                "department": pv.get("department"),
                "page_views": 0,
                "frustrated_page_views": 0,
                "signals": {},
            },
        )
        row["page_views"] += 1
        counts = pv.get("signal_counts") or {}
        if any(counts.values()):
            row["frustrated_page_views"] += 1
        for kind, n in counts.items():
            row["signals"][kind] = row["signals"].get(kind, 0) + n
        sessions.setdefault(template, set()).add(pv["session_id"])

    for template, row in rows.items():
        row["sessions"] = len(sessions[template])
        row["frustration_rate"] = row["frustrated_page_views"] / row["page_views"]
        await store.aggregates.replace_one({"_id": row["_id"]}, row, upsert=True)
    await store.aggregates.delete_many(
        {"site_id": site_id, "day": day, "template": {"$nin": sorted(rows)}}
    )
