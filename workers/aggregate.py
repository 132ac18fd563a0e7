"""Step 4: per site, page template, department and day aggregates, recomputed exactly.

The store step marks (site, day) pairs dirty; a once-a-second job recomputes each dirty pair
from the stored page views, so re-runs and retries give identical numbers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import date, timedelta
from typing import Any

from pymongo.errors import PyMongoError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.resources import Resources
from signals.aggregates import (
    HEAD_BUNDLES,
    HEAD_SESSIONS,
    PAGE_VIEW_FIELDS,
    SESSION_FIELDS,
    SIGNAL_FIELDS_LEFT_OUT,
    VIEW_BUCKETS,
    DayAggregates,
    aggregate_day,
    element_counts,
    hour_counts,
    index_columns,
    page_signals,
    score_order,
    session_entry,
    session_struggle,
    view_bucket,
)
from signals.model import PageView, Signal
from storage.chunks import pack
from storage.mongo import Store, upsert
from workers.dirty import (
    FAILED_KEY,
    FAILURES_KEY,
    claim,
    mark_days,
    mark_of,
    set_aside,
    settle,
)
from workers.redact import RedactedBatch
from workers.store import day_of
from workers.timeline import PageViewTimeline

logger = logging.getLogger(__name__)

MAX_RECOMPUTE_FAILURES = 5
MARKS_PER_RUN = 200
PENDING_DAYS_PER_RUN = 10
DASHBOARD = "dashboard"
"""The collection of the dashboard's per-(site, day) documents."""


async def mark_dirty(
    ctx: dict[str, Any],
    batch: RedactedBatch,
    session: dict[str, Any],
    page_views: list[PageViewTimeline],
) -> None:
    resources: Resources = ctx["resources"]
    days = {day_of(pv.started_at) for pv in page_views} or {day_of(batch.received_at_ms)}
    # The session index lives on the session's first day, which a later batch may not touch.
    if session.get("day"):
        days.add(session["day"])
    await mark_days(resources.queue, [mark_of(batch.site_id, day) for day in days])


async def aggregate_dirty(ctx: dict[str, Any]) -> int:
    """Recompute the aggregates of every (site, day) marked dirty since the last run.

    Marks leave the dirty set only once their recompute is done and nothing re-marked them
    meanwhile (`workers/dirty.py`), so a crash, a cancellation by the job timeout or the store
    failing loses none. A failure in one site's data leaves the other sites going on; a mark
    that failed `MAX_RECOMPUTE_FAILURES` times is set aside in `FAILED_KEY` and logged, so one
    bad day cannot stop aggregation for every site.

    One run at a time per process: the cron starts a run every second, and a run that takes
    longer overlapped the next, whose writes to the same site documents FerretDB v1 can lose
    (see ``write_dashboard``; the console's browser test then waited in vain for a day's
    counts). A run that finds the previous one still going leaves the marks to the next.
    """
    if _RUNNING.locked():
        return 0
    async with _RUNNING:
        return await _aggregate_dirty(ctx)


_RUNNING = asyncio.Lock()


async def _aggregate_dirty(ctx: dict[str, Any]) -> int:
    resources: Resources = ctx["resources"]
    queue = resources.queue
    started = time.monotonic()
    claimed = await claim(queue, MARKS_PER_RUN)
    by_site: dict[str, list[tuple[str, str]]] = {}
    for mark, generation in claimed:
        by_site.setdefault(mark.split("|", 1)[0], []).append((mark, generation))
    for site_id, marks in sorted(by_site.items()):
        days = sorted(mark.split("|", 1)[1] for mark, _ in marks)
        try:
            await recompute_days(resources, site_id, days)
        except (PyMongoError, RedisError):
            raise
        except Exception as err:
            await _failed(queue, site_id, [mark for mark, _ in marks], err)
            continue
        await settle(queue, marks)
        await _mark_pending_days(resources.store, queue, site_id)
    if claimed:
        logger.info(
            "aggregated %d site-days in %.0f ms", len(claimed), (time.monotonic() - started) * 1000
        )
    return len(claimed)


async def _mark_pending_days(store: Store, queue: Redis, site_id: str) -> None:
    """Mark dirty the site's days still in the session-index layout of before ``site|sessions``
    (listed there as ``pending``): until recomputed, the session list reads them from the
    stored sessions, a scan. A few per run, so an upgrade's backlog drains in the background."""
    layout = await store.db[DASHBOARD].find_one({"_id": f"{site_id}|sessions"}, {"pending": 1})
    pending = sorted((layout or {}).get("pending") or [])[:PENDING_DAYS_PER_RUN]
    if pending:
        await mark_days(queue, [mark_of(site_id, day) for day in pending])


async def _failed(queue: Redis, site_id: str, marks: list[str], err: Exception) -> None:
    """Count a failed recompute per mark; set aside the marks that failed too often.

    Only the error's type is logged: its message may quote stored values.
    """
    counts = [await queue.hincrby(FAILURES_KEY, mark, 1) for mark in marks]  # type: ignore[misc]
    given_up = [m for m, n in zip(marks, counts, strict=True) if n >= MAX_RECOMPUTE_FAILURES]
    await set_aside(queue, given_up)
    logger.error(
        "aggregating site %s failed (%s): %d day(s) left dirty, %d set aside in %s",
        site_id,
        type(err).__name__,
        len(marks) - len(given_up),
        len(given_up),
        FAILED_KEY,
    )


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
    """Replace one site-day's aggregates, heatmaps and dashboard documents with a recomputation
    from stored data."""
    await recompute_days(resources, site_id, [day])


async def recompute_days(resources: Resources, site_id: str, days: list[str]) -> None:
    """``recompute_day`` for several days of one site, reading the store once for all of them.

    FerretDB v1 reads a whole collection for any filter but ``_id``, so one read per site, not
    per day, is what keeps a backlog of dirty days cheap.
    """
    store = resources.store
    site = await store.sites.find_one({"_id": site_id}, {"departments": 1}) or {}
    # A session of a day may go on past midnight: its page views and signals of the next day
    # belong in that day's session index and bundles.
    read_days = {"$in": sorted(set(days) | {next_day(d) for d in days})}
    views = await store.page_views.find({"site_id": site_id, "day": read_days}).to_list(None)
    signal_docs = await store.signals.find({"site_id": site_id, "day": read_days}).to_list(None)
    sessions = await store.sessions.find(
        {"site_id": site_id, "day": {"$in": days}}, projection=dict.fromkeys(SESSION_FIELDS, 1)
    ).to_list(None)
    for day in days:
        both = (day, next_day(day))
        await _recompute(
            store,
            site_id,
            day,
            site.get("departments") or {},
            [v for v in views if v.get("day") in both],
            [d for d in signal_docs if d.get("day") in both],
            [s for s in sessions if s.get("day") == day],
        )
    from workers.audit_rollup import rollup_audit  # the privacy audit's per-day sums

    await rollup_audit(store, site_id, days)


async def _recompute(
    store: Store,
    site_id: str,
    day: str,
    departments: dict[str, str],
    views: list[dict[str, Any]],
    signal_docs: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
) -> None:
    """Write one day's documents from its page views and signals (and the next day's)."""
    day_views = [v for v in views if v.get("day") == day]
    day_signals = [d for d in signal_docs if d.get("day") == day]
    result = aggregate_day(
        site_id,
        day,
        [_page_view(v) for v in day_views],
        [Signal.from_dict(d) for d in day_signals],
        departments,
    )

    row_ids = []
    for row in result.rows:
        row_id = f"{site_id}|{day}|{row['template']}|{row['department']}"
        row_ids.append(row_id)
        row.update(_id=row_id, site_id=site_id, frustrated_page_views=row["page_views_with_signal"])
        await upsert(store.aggregates, row_id, row)
    await store.aggregates.delete_many({"site_id": site_id, "day": day, "_id": {"$nin": row_ids}})

    heatmap_ids = []
    for heatmap in result.heatmaps:
        heatmap_id = f"{site_id}|{day}|{heatmap['template']}|{heatmap['viewport_class']}"
        heatmap_ids.append(heatmap_id)
        # FerretDB v1 stores no nested arrays: bins become small documents.
        heatmap["bins"] = [{"x": x, "y": y, "clicks": n} for x, y, n in heatmap["bins"]]
        heatmap.update(_id=heatmap_id, site_id=site_id)
        await upsert(store.heatmaps, heatmap_id, heatmap)
    await store.heatmaps.delete_many({"site_id": site_id, "day": day, "_id": {"$nin": heatmap_ids}})

    await write_dashboard(store, site_id, day, result, sessions, views, day_views, signal_docs)


def next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


async def write_dashboard(
    store: Store,
    site_id: str,
    day: str,
    result: DayAggregates,
    sessions: list[dict[str, Any]],
    views: list[dict[str, Any]],
    day_views: list[dict[str, Any]],
    signal_docs: list[dict[str, Any]],
) -> None:
    """The day's part of the documents in ``dashboard`` (read by ``_id``, see schema.loaders).

    - ``site|days``: the days, and per day the page rows and session count (pages and series);
    - ``site|hours``: per day the site-wide hourly counts (hourly series) and the templates
      seen (for the next recompute), apart so the pages and series read less;
    - ``site|page|<template>``: per day the elements, heatmaps (bins as flat x, y, count
      lists) and hourly counts of one template (one page in detail);
    - ``site|signals|<template>``: per day its newest signals
      (``signals.aggregates.page_signals``), apart so a page's detail reads less;
    - ``site|sessions``: per day the number of sessions indexed (the session list's days), and
      ``pending``: days aggregated before this layout, which the list reads from the stored
      sessions until they are recomputed;
    - ``site|<day>``: the session index, ``signals.aggregates.index_columns`` of every session
      that started that day, highest score first;
    - ``site|heads``: per day the first ``HEAD_SESSIONS`` rows of that index, so a page by
      score over many days reads one document; ``site|head-bundles``: per day the bundle
      entries of the first ``HEAD_BUNDLES`` of them, read only when their children are asked
      for;
    - ``site|<day>|views|<n>``: per session its page views (``PAGE_VIEW_FIELDS``), signals and
      score breakdown, bundled by ``view_bucket``.

    Per-day fields are set one by one, so that on MongoDB recomputing two days at once (the
    worker and an erasure) loses neither. Known shortcoming: FerretDB v1 does not: it applies
    an update by rewriting the whole stored document, and of 8 simultaneous `$set`s of
    different fields of one document most were lost (measured: 29 of 40 fields over 5 rounds).
    Overlapping recomputes of two days of one site (an erasure's and the cron's, or two cron
    runs of separate worker processes) can so drop one day's entry from `site|days`,
    `site|heads`… until that day is recomputed again (one process's cron runs no longer overlap:
    ``aggregate_dirty``). A per-site lock around `recompute_days`, taken through Redis by every
    worker and the erasure path alike, would serialise them. Days written by an earlier version keep
    their hours, templates and page signals where that version put them until recomputed; the
    readers look there too.

    The bundles are written before the index and the index before the heads, so a reader that
    finds a session listed finds its children (a session was listed without its page views
    once in CI when the index came first). Known shortcoming: these are still several writes,
    not one; between them a reader may see the day's new bundles with its previous index (a
    session leaving the day's list a moment late). Versioning the day's documents and
    switching the version last would make each recompute appear at once.
    """
    dashboard = store.db[DASHBOARD]
    site_doc_id, hours_doc_id = f"{site_id}|days", f"{site_id}|hours"
    templates_before = set(await _templates_before(dashboard, site_doc_id, hours_doc_id, day))
    elements = element_counts([d for d in signal_docs if d.get("day") == day])
    hours = hour_counts(day_views)
    heatmaps: dict[str, dict[str, Any]] = {}
    for h in result.heatmaps:  # bins are {x, y, clicks} documents by now
        flat = [v for b in h["bins"] for v in (b["x"], b["y"], b["clicks"])]
        heatmaps.setdefault(h["template"], {})[h["viewport_class"]] = [h["bin_px"], flat]
    newest = page_signals([d for d in signal_docs if d.get("day") == day])
    templates = sorted({r["template"] for r in result.rows} | set(elements) | set(newest))
    for template in templates:
        detail = {
            "elements": elements.get(template, []),
            "heatmaps": heatmaps.get(template, {}),
            "hours": hours.get(template, []),
        }
        await upsert(
            dashboard,
            f"{site_id}|signals|{template}",
            {"$set": {"site_id": site_id, f"signals.{day}": pack(newest.get(template, []))}},
        )
        await upsert(
            dashboard,
            f"{site_id}|page|{template}",
            {
                "$set": {"site_id": site_id, f"days.{day}": pack([detail])},
                # Where an earlier version kept the day's signals.
                "$unset": {f"signals.{day}": ""},
            },
        )
    for template in sorted(templates_before - set(templates)):
        for doc_id, field in ((f"page|{template}", "days"), (f"signals|{template}", "signals")):
            await dashboard.update_one(
                {"_id": f"{site_id}|{doc_id}"},
                {"$unset": {f"{field}.{day}": "", f"signals.{day}": ""}},
            )

    await _start_session_layout(dashboard, site_id, site_doc_id)
    moved = {f"{field}.{day}": "" for field in ("hours", "templates")}
    if not sessions and not result.rows:
        await dashboard.delete_many({"site_id": site_id, "day": day})
        await dashboard.update_one(
            {"_id": site_doc_id},
            {
                "$pull": {"days": day},
                "$unset": {f"pages.{day}": "", f"session_counts.{day}": "", **moved},
            },
        )
        await dashboard.update_one({"_id": hours_doc_id}, {"$unset": moved})
        await _set_session_day(dashboard, site_id, day, None)
        return
    rows = [{k: v for k, v in r.items() if k != "top_elements"} for r in result.rows]
    await _write_sessions(dashboard, site_id, day, sessions, views, signal_docs)
    await upsert(
        dashboard,
        hours_doc_id,
        {
            "$set": {
                "site_id": site_id,
                f"hours.{day}": pack(hours.get("", [])),
                f"templates.{day}": templates,
            }
        },
    )
    await upsert(
        dashboard,
        site_doc_id,
        {
            "$addToSet": {"days": day},
            "$set": {
                "site_id": site_id,
                f"pages.{day}": pack(rows),
                f"session_counts.{day}": len(sessions),
            },
            "$unset": moved,  # where an earlier version kept them
        },
    )


async def _templates_before(
    dashboard: Any, site_doc_id: str, hours_doc_id: str, day: str
) -> list[str]:
    """The templates the day's documents were last written for (``site|hours``, or
    ``site|days`` where an earlier version kept them)."""
    for doc_id in (hours_doc_id, site_doc_id):
        found = await dashboard.find_one({"_id": doc_id}, {f"templates.{day}": 1}) or {}
        listed = (found.get("templates") or {}).get(day)
        if listed is not None:
            return list(listed)
    return []


async def _write_sessions(
    dashboard: Any,
    site_id: str,
    day: str,
    sessions: list[dict[str, Any]],
    views: list[dict[str, Any]],
    signal_docs: list[dict[str, Any]],
) -> None:
    """The day's session index, heads and bundles (see ``write_dashboard``)."""
    ids = {s["_id"] for s in sessions}
    by_session: dict[str, dict[str, list[dict[str, Any]]]] = {
        sid: {"page_views": [], "signals": []} for sid in ids
    }
    for doc in sorted(views, key=lambda v: (v["started_at"], v["_id"])):
        if doc.get("session_id") in ids:
            by_session[doc["session_id"]]["page_views"].append(doc)
    for doc in sorted(signal_docs, key=lambda d: (d["ts"], d["_id"])):
        if doc.get("session_id") in ids:
            by_session[doc["session_id"]]["signals"].append(doc)

    bundles: dict[str, dict[str, Any]] = {}
    entries = []
    for s in sorted(sessions, key=score_order, reverse=True):
        found = by_session[s["_id"]]
        entry = session_entry(s, found["page_views"])
        entry["struggle"] = session_struggle(s, found["page_views"], found["signals"])
        entries.append(entry)
        bundles[s["_id"]] = {
            "page_views": [
                {k: v[k] for k in PAGE_VIEW_FIELDS if k in v} for v in found["page_views"]
            ],
            "signals": [
                {k: v for k, v in d.items() if k not in SIGNAL_FIELDS_LEFT_OUT}
                for d in found["signals"]
            ],
            "score_breakdown": s.get("score_breakdown"),
        }
    buckets: list[dict[str, Any]] = [{} for _ in range(VIEW_BUCKETS)]
    for sid, bundle in bundles.items():
        buckets[view_bucket(sid)][sid] = bundle
    for n, bucket in enumerate(buckets):
        await upsert(
            dashboard,
            f"{site_id}|{day}|views|{n}",
            {"site_id": site_id, "day": day, "sessions": pack([bucket])},
        )
    await upsert(
        dashboard,
        f"{site_id}|{day}",
        {"site_id": site_id, "day": day, "columns": pack([index_columns(entries)])},
    )
    heads = entries[:HEAD_SESSIONS]
    head = {"sessions": len(entries), "columns": index_columns(heads)}
    head_bundles = {e["_id"]: bundles[e["_id"]] for e in heads[:HEAD_BUNDLES]}
    await _set_session_day(dashboard, site_id, day, head if entries else None, head_bundles)


async def _start_session_layout(dashboard: Any, site_id: str, site_doc_id: str) -> None:
    """Create ``site|sessions`` once, listing the days aggregated before it existed as pending:
    their ``site|<day>`` index has the earlier layout, so the list must not read it."""
    sessions_id = f"{site_id}|sessions"
    if await dashboard.find_one({"_id": sessions_id}, {"_id": 1}) is not None:
        return
    earlier = await dashboard.find_one({"_id": site_doc_id}, {"days": 1}) or {}
    await upsert(
        dashboard,
        sessions_id,
        {"$setOnInsert": {"site_id": site_id, "pending": sorted(earlier.get("days") or [])}},
    )


async def _set_session_day(
    dashboard: Any,
    site_id: str,
    day: str,
    head: dict[str, Any] | None,
    head_bundles: dict[str, Any] | None = None,
) -> None:
    """Note the day's session count and heads (or that it has no sessions), no longer pending."""
    if head is None:
        for doc_id in (f"{site_id}|heads", f"{site_id}|head-bundles"):
            await dashboard.update_one({"_id": doc_id}, {"$unset": {f"days.{day}": ""}})
        await dashboard.update_one(
            {"_id": f"{site_id}|sessions"},
            {"$unset": {f"days.{day}": ""}, "$pull": {"pending": day}},
        )
        return
    # The bundles first: a reader that finds a head finds its bundle entry.
    await upsert(
        dashboard,
        f"{site_id}|head-bundles",
        {"$set": {"site_id": site_id, f"days.{day}": pack([head_bundles or {}])}},
    )
    await upsert(
        dashboard, f"{site_id}|heads", {"$set": {"site_id": site_id, f"days.{day}": pack([head])}}
    )
    await dashboard.update_one(
        {"_id": f"{site_id}|sessions"},
        {"$set": {f"days.{day}": head["sessions"]}, "$pull": {"pending": day}},
    )
