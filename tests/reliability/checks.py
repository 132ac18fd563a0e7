"""What must hold after any fault: each accepted event stored once, aggregates exact."""

from __future__ import annotations

from collections import Counter
from typing import Any

from api.resources import Resources
from workers.aggregate import recompute_day
from workers.timeline import page_views_of

AGGREGATE_FIELDS = ("sessions", "page_views", "frustrated_page_views", "signals")


async def stored_events(resources: Resources, site_id: str) -> dict[str, int]:
    """Events kept per stored chunk id."""
    chunks = await resources.store.event_chunks.find(
        {"site_id": site_id}, projection={"hashes": 1}
    ).to_list(None)
    return {c["_id"]: len(c["hashes"]) for c in chunks}


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


async def expected_aggregates(resources: Resources, site_id: str) -> dict[str, dict[str, Any]]:
    """Aggregate rows counted from scratch: page views, sessions and the signals collection."""
    store = resources.store
    views = await store.page_views.find({"site_id": site_id}).to_list(None)
    signals = await store.signals.find(
        {"site_id": site_id, "false_positive": {"$ne": True}}, projection={"kind": 1, "page_view_id": 1}
    ).to_list(None)
    view_of = {v["_id"]: v for v in views}
    kinds_by_view: dict[str, Counter[str]] = {}
    for signal in signals:
        kinds_by_view.setdefault(signal.get("page_view_id") or "", Counter())[signal["kind"]] += 1

    rows: dict[str, dict[str, Any]] = {}
    sessions: dict[str, set[str]] = {}
    for view in view_of.values():
        row_id = f"{site_id}|{view['day']}|{view['template']}"
        row = rows.setdefault(
            row_id, {"page_views": 0, "frustrated_page_views": 0, "signals": Counter()}
        )
        kinds = kinds_by_view.get(view["_id"], Counter())
        row["page_views"] += 1
        row["frustrated_page_views"] += 1 if kinds else 0
        row["signals"].update(kinds)
        sessions.setdefault(row_id, set()).add(view["session_id"])
    for row_id, row in rows.items():
        row["sessions"] = len(sessions[row_id])
        row["signals"] = dict(row["signals"])
    return rows


async def assert_aggregates_exact(resources: Resources, site_id: str) -> list[dict[str, Any]]:
    """Stored aggregates equal a count from scratch and a fresh recompute; returns them."""
    store = resources.store
    stored = await store.aggregates.find({"site_id": site_id}).sort("_id").to_list(None)
    expected = await expected_aggregates(resources, site_id)
    assert {d["_id"]: {f: d[f] for f in AGGREGATE_FIELDS} for d in stored} == expected

    for day in sorted({d["day"] for d in stored}):
        await recompute_day(resources, site_id, day)
    recomputed = await store.aggregates.find({"site_id": site_id}).sort("_id").to_list(None)
    assert recomputed == stored
    return stored
