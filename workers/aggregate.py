"""Step 4: per site, page template, department and day aggregates, recomputed exactly.

The store step marks (site, day) pairs dirty; a once-a-second job recomputes each dirty pair
from the stored page views, so re-runs and retries give identical numbers.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from api.resources import Resources
from signals.aggregates import aggregate_day
from signals.model import PageView, Signal
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


def _page_view(doc: dict[str, Any]) -> PageView:
    """A stored page view as the aggregator needs it: its clicks and viewport width only."""
    clicks = doc.get("clicks") or []
    width = next((c.get("width") for c in clicks if c.get("width")), None)
    events: list[dict[str, Any]] = [
        {"kind": "load", "ts": doc["started_at"], "data": {"width": width}}
    ]
    events += [{"kind": "click", "ts": doc["started_at"], "x": c["x"], "y": c["y"]} for c in clicks]
    return PageView(
        id=doc["_id"],
        session_id=doc["session_id"],
        path=doc.get("path", "/"),
        template=doc.get("template", "/"),
        start_ts=doc["started_at"],
        end_ts=doc.get("ended_at"),
        events=tuple(events),  # type: ignore[arg-type]
        site=doc["site_id"],
        window_id=doc.get("window_id", ""),
    )


async def recompute_day(resources: Resources, site_id: str, day: str) -> None:
    """Replace one site-day's aggregates and heatmaps with a recomputation from stored data."""
    store = resources.store
    site = await store.sites.find_one({"_id": site_id}, {"departments": 1}) or {}
    views = await store.page_views.find(
        {"site_id": site_id, "day": day},
        projection={
            "session_id": 1,
            "site_id": 1,
            "path": 1,
            "template": 1,
            "window_id": 1,
            "started_at": 1,
            "ended_at": 1,
            "clicks": 1,
        },
    ).to_list(None)
    signal_docs = await store.signals.find({"site_id": site_id, "day": day}).to_list(None)
    result = aggregate_day(
        site_id,
        day,
        [_page_view(v) for v in views],
        [Signal.from_dict(d) for d in signal_docs],
        site.get("departments") or {},
    )

    row_ids = []
    for row in result.rows:
        row_id = f"{site_id}|{day}|{row['template']}|{row['department']}"
        row_ids.append(row_id)
        row.update(_id=row_id, site_id=site_id, frustrated_page_views=row["page_views_with_signal"])
        await store.aggregates.replace_one({"_id": row_id}, row, upsert=True)
    await store.aggregates.delete_many({"site_id": site_id, "day": day, "_id": {"$nin": row_ids}})

    heatmap_ids = []
    for heatmap in result.heatmaps:
        heatmap_id = f"{site_id}|{day}|{heatmap['template']}|{heatmap['viewport_class']}"
        heatmap_ids.append(heatmap_id)
        # FerretDB v1 stores no nested arrays: bins become small documents.
        heatmap["bins"] = [{"x": x, "y": y, "clicks": n} for x, y, n in heatmap["bins"]]
        heatmap.update(_id=heatmap_id, site_id=site_id)
        await store.heatmaps.replace_one({"_id": heatmap_id}, heatmap, upsert=True)
    await store.heatmaps.delete_many({"site_id": site_id, "day": day, "_id": {"$nin": heatmap_ids}})
