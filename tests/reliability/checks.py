"""What must hold after any fault: each accepted event stored once, aggregates exact."""

from __future__ import annotations

from collections import Counter
from typing import Any

from api.resources import Resources
from workers.aggregate import recompute_day
from workers.timeline import page_views_of



async def stored_events(resources: Resources, site_id: str) -> dict[str, int]:
    """Events kept per stored chunk, keyed ``<session>:<window>:<seq>`` as the tracker sent it."""
    chunks = await resources.store.event_chunks.find(
        {"site_id": site_id},
        projection={"hashes": 1, "session_id": 1, "window_id": 1, "origin_window_id": 1, "seq": 1},
    ).to_list(None)
    counts: dict[str, int] = {}
    for chunk in chunks:
        window = chunk.get("origin_window_id") or chunk["window_id"]
        key = f"{chunk['session_id']}:{window}:{chunk['seq']}"
        assert key not in counts, f"batch {key} stored twice"
        counts[key] = len(chunk["hashes"])
    return counts


async def assert_stored_exactly_once(
    resources: Resources, site_id: str, accepted: dict[str, int]
) -> None:
    """Every accepted chunk is stored with all its events, and no event twice in a window."""
    assert await stored_events(resources, site_id) == accepted

    chunks = await resources.store.event_chunks.find({"site_id": site_id}).to_list(None)
    by_window: dict[tuple[str, str], list[str]] = {}
    for chunk in chunks:
        by_window.setdefault((chunk["session_id"], chunk["window_id"]), []).extend(chunk["hashes"])
    for window, hashes in by_window.items():
        assert len(hashes) == len(set(hashes)), window


async def assert_sessions_rebuilt(resources: Resources, site_id: str) -> None:
    """Stored page views and session counts are what the stored chunks make."""
    store = resources.store
    sessions = await store.sessions.find({"site_id": site_id}).to_list(None)
    assert sessions
    for session in sessions:
        chunks = await store.event_chunks.find({"session_id": session["_id"]}).to_list(None)
        expected = page_views_of(session["_id"], chunks)
        stored = await store.page_views.find({"session_id": session["_id"]}).to_list(None)
        assert sorted((d["_id"], d["event_count"]) for d in stored) == sorted(
            (pv.id, len(pv.events)) for pv in expected
        )
        assert session["event_count"] == sum(len(pv.events) for pv in expected)


def _row_key(doc: dict[str, Any]) -> tuple[str, str]:
    return (doc["day"], doc["template"])


async def expected_aggregates(resources: Resources, site_id: str) -> dict[tuple[str, str], Any]:
    """Per (day, template), counted from scratch: page views, sessions, signals by kind."""
    store = resources.store
    views = await store.page_views.find({"site_id": site_id}).to_list(None)
    signals = await store.signals.find(
        {"site_id": site_id, "false_positive": {"$ne": True}},
        projection={"kind": 1, "page_view_id": 1},
    ).to_list(None)
    kinds_by_view: dict[str, Counter[str]] = {}
    for signal in signals:
        kinds_by_view.setdefault(signal.get("page_view_id") or "", Counter())[signal["kind"]] += 1

    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for view in views:
        row = rows.setdefault(
            _row_key(view), {"page_views": 0, "sessions": set(), "signals": Counter()}
        )
        row["page_views"] += 1
        row["sessions"].add(view["session_id"])
        row["signals"].update(kinds_by_view.get(view["_id"], Counter()))
    return {
        key: {"page_views": r["page_views"], "sessions": len(r["sessions"]), "signals": r["signals"]}
        for key, r in rows.items()
    }


def _summed(stored: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """Stored rows (one per department) summed per (day, template); zero counts left out."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for doc in stored:
        row = rows.setdefault(_row_key(doc), {"page_views": 0, "sessions": 0, "signals": Counter()})
        row["page_views"] += doc["page_views"]
        row["sessions"] += doc["sessions"]
        row["signals"].update({k: n for k, n in (doc.get("signals") or {}).items() if n})
    return rows


async def assert_aggregates_exact(resources: Resources, site_id: str) -> list[dict[str, Any]]:
    """Stored aggregates equal a count from scratch and a fresh recompute; returns them."""
    store = resources.store
    stored = await store.aggregates.find({"site_id": site_id}).sort("_id").to_list(None)
    heatmaps = await store.heatmaps.find({"site_id": site_id}).sort("_id").to_list(None)
    assert _summed(stored) == await expected_aggregates(resources, site_id)

    for day in sorted({d["day"] for d in stored}):
        await recompute_day(resources, site_id, day)
    assert await store.aggregates.find({"site_id": site_id}).sort("_id").to_list(None) == stored
    assert await store.heatmaps.find({"site_id": site_id}).sort("_id").to_list(None) == heatmaps
    return stored
