"""Fault runs: what is posted, and what must hold after any fault.

Used by the fault tests (tests/reliability) and their long versions (bench/fault_*.py): every
accepted event stored exactly once, sessions rebuilt from their chunks, and aggregates equal to
a count from scratch and to a fresh recompute.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from api.resources import Resources
from storage.raw_batches import PENDING_KEY, RAW_PREFIX
from workers.aggregate import recompute_day
from workers.timeline import page_views_of

PATHS = ("/water/pay", "/permits/apply", "/streets/report")


@dataclass
class Posted:
    """What the API accepted: events per chunk id, and the batch ids."""

    site_id: str = "demo"
    events: dict[str, int] = field(default_factory=dict)
    batch_ids: list[str] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)


def native_batch(site_key: str, session_id: str, seq: int) -> dict[str, Any]:
    """A small batch: a page view on odd sequence numbers, then distinct clicks.

    Even batches end in four clicks on one spot within a second, a rage click for the detector.
    """
    now = int(time.time() * 1000)
    base = now - 60_000 + seq * 1_000
    events: list[dict[str, Any]] = []
    if seq % 2 == 1:
        url = f"https://city.example.test{PATHS[seq // 2 % len(PATHS)]}"
        events.append({"type": "pageview", "ts": base, "url": url, "width": 1280, "height": 800})
    for i in range(3):
        target = {"selector": f"button.b{i}", "tag": "button", "text": f"Step {i}"}
        x, y = 40 + 10 * i + seq, 100 + 5 * i
        events.append({"type": "click", "ts": base + 50 + 40 * i, "x": x, "y": y, "target": target})
    if seq % 2 == 0:
        target = {"selector": "button.pay", "tag": "button", "text": "Pay"}
        for i in range(4):
            events.append(
                {"type": "click", "ts": base + 300 + 120 * i, "x": 500, "y": 300, "target": target}
            )
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": seq,
        "sent_at": now,
        "format": "native",
        "events": events,
    }


async def post_batch(
    http: httpx.AsyncClient, body: dict[str, Any], posted: Posted
) -> httpx.Response:
    """POST one batch; record what was accepted (202) or the status it was refused with."""
    response = await http.post(
        "/collect", content=orjson.dumps(body), headers={"content-type": "application/json"}
    )
    if response.status_code == 202:
        chunk_id = f"{posted.site_id}:{body['session_id']}:{body['window_id']}:{body['seq']}"
        posted.events[chunk_id] = int(response.json()["accepted"])
        posted.batch_ids.append(str(response.json()["batch_id"]))
    else:
        posted.refused.append(response.status_code)
    return response


async def post_wave(
    http: httpx.AsyncClient, site_key: str, sessions: list[str], seqs: range, posted: Posted
) -> list[int]:
    """Every session's batches with these sequence numbers; returns the statuses."""
    statuses = []
    for seq in seqs:
        for session_id in sessions:
            response = await post_batch(http, native_batch(site_key, session_id, seq), posted)
            statuses.append(response.status_code)
    return statuses


async def wait_drained(resources: Resources, batch_ids: list[str], timeout_s: float) -> None:
    """Until none of these batches is pending or stored raw any more."""
    deadline = time.monotonic() + timeout_s
    left: list[str] = list(batch_ids)
    while time.monotonic() < deadline:
        async with resources.queue.pipeline(transaction=False) as pipe:
            for batch_id in left:
                pipe.exists(RAW_PREFIX + batch_id)
                pipe.zscore(PENDING_KEY, batch_id)
            found = await pipe.execute()
        left = [b for i, b in enumerate(left) if found[2 * i] or found[2 * i + 1] is not None]
        if not left:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{len(left)} of {len(batch_ids)} batches not processed in {timeout_s}s")


async def wait_quiet(resources: Resources, timeout_s: float = 20) -> None:
    """Until no aggregate is waiting to be recomputed, twice in a row a second apart."""
    from workers.dirty import DIRTY_KEY

    deadline = time.monotonic() + timeout_s
    quiet = 0
    while time.monotonic() < deadline:
        quiet = quiet + 1 if await resources.queue.scard(DIRTY_KEY) == 0 else 0
        if quiet >= 2:
            return
        await asyncio.sleep(1.0)
    raise TimeoutError("aggregates still dirty")


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
        key: {
            "page_views": r["page_views"],
            "sessions": len(r["sessions"]),
            "signals": r["signals"],
        }
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
