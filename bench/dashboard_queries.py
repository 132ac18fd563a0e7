"""Dashboard query latency over HTTP with a realistic store: p50/p95 per query vs. a baseline.

    python -m bench.dashboard_queries               # 20,000 sessions, 1,000,000 events
    python -m bench.dashboard_queries --scale 0.01  # a quick smoke run

Uses STUCKPOINT_MONGODB_URL when set, otherwise starts an embedded FerretDB in a temporary
directory. Synthetic documents (shapes of docs/architecture.md) are inserted in bulk into a
fresh database, the GraphQL app is served on a loopback port, and each query runs ``--runs``
times after a warm-up: first (``--before-runs``) read from the stored documents, as a site
whose days were never aggregated is, then from the dashboard documents ``recompute_day`` writes
for the days in one call: once with Python's default garbage collector, once after the API's
``tune_gc`` (the bench serves the GraphQL app in its own process, so both run here), and once
more with the API's cache of unpacked dashboard values (``schema.loaders.unpacked``) emptied
before every request, as for days the worker rewrote since the last request. Baselines
measured in the same run: a bare ``find_one`` by id on the store, and a ``{ version }`` GraphQL
round trip (HTTP, auth and the schema's extensions).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from api.auth import Role, create_api_key, create_site
from api.gc_tuning import tune_gc
from api.settings import Settings
from embedded import FerretDBServer
from embedded.process import free_loopback_port
from schema.app import graphql_app
from schema.loaders import forget_unpacked
from signals.model import SIGNAL_KINDS
from storage.chunks import pack
from storage.mongo import Store, connect_store
from workers.aggregate import recompute_days
from workers.audit_rollup import rollup_audit
from workers.session_state import STATE_FIELD, ChunkRef, SessionState, digest

SESSIONS = 20_000
EVENTS = 1_000_000
DAYS = 30
SITE = "bench"
DEPARTMENTS = {"/water": "Water Utility", "/permits": "Permits", "/streets": "Streets"}
TEMPLATES = [f"{prefix}/{page}" for prefix in DEPARTMENTS for page in
             ("pay", "apply", "status", "contact", "faq", "form")] + ["/", "/search"]  # fmt: skip
INSERT_BATCH = 1000


def day_list(today: date) -> list[str]:
    return [(today - timedelta(days=i)).isoformat() for i in range(DAYS - 1, -1, -1)]


def department_of(template: str) -> str:
    return next((d for p, d in DEPARTMENTS.items() if template.startswith(p)), "unassigned")


def synthetic(scale: float, today: date, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Every collection's documents for ``SESSIONS * scale`` sessions."""
    n_sessions = max(int(SESSIONS * scale), 50)
    events_per_session = max(EVENTS * scale / n_sessions, 1)
    days = day_list(today)
    docs: dict[str, list[dict[str, Any]]] = {
        "sessions": [], "page_views": [], "signals": [], "event_chunks": [],
        "redaction_audit": [],
    }  # fmt: skip
    for i in range(n_sessions):
        day = rng.choice(days)
        start = int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1000)
        start += rng.randrange(86_000_000)
        sid = f"{SITE}:s{i:06d}"
        n_views = rng.randint(1, 5)
        counts: Counter[str] = Counter()
        first_view, first_signal = len(docs["page_views"]), len(docs["signals"])
        for v in range(n_views):
            template = rng.choice(TEMPLATES)
            pv_start = start + v * 40_000
            pv_id = f"{sid}:w1:{v}"
            pv_counts: Counter[str] = Counter()
            if rng.random() < 0.12:
                kind = rng.choice(SIGNAL_KINDS)
                for k in range(rng.randint(1, 3)):
                    ts = pv_start + 1000 + k
                    docs["signals"].append({
                        "_id": f"{pv_id}:{kind}:{k}", "kind": kind, "ts": ts, "end_ts": ts + 500,
                        "node": 7, "target": {"tag": "button", "selector": f"button.b{k}",
                                              "text": "Continue"},
                        "details": {}, "thresholds": {}, "thresholds_version": "1",
                        "page_view_id": pv_id, "false_positive": False, "site_id": SITE,
                        "session_id": sid, "day": day, "template": template,
                        "department": department_of(template),
                    })  # fmt: skip
                    pv_counts[kind] += 1
            counts.update(pv_counts)
            clicks = [{"x": rng.randrange(1200), "y": rng.randrange(3000), "width": 1280}
                      for _ in range(rng.randint(0, 6))]  # fmt: skip
            docs["page_views"].append({
                "_id": pv_id, "site_id": SITE, "session_id": sid, "window_id": "w1",
                "url": f"https://city.example.test{template}", "path": template,
                "template": template, "department": department_of(template),
                "started_at": pv_start, "ended_at": pv_start + 30_000, "day": day,
                "event_count": 10, "signal_counts": dict(pv_counts), "frustrated": bool(pv_counts),
                "clicks": clicks,
            })  # fmt: skip
        score = round(sum(counts.values()) * 2.5 + rng.random(), 4) if counts else 0.0
        docs["sessions"].append({
            "_id": sid, "site_id": SITE, "client_session_id": f"s{i:06d}",
            "visitor_id": f"v{i % (n_sessions // 2 or 1)}", "started_at": start,
            "ended_at": start + n_views * 40_000, "day": day,
            "event_count": int(events_per_session), "page_view_count": n_views,
            "window_count": 1, "device": rng.choice(["desktop", "mobile", "tablet"]),
            "browser": "Firefox", "os": "Linux", "score": score,
            "score_breakdown": {"total": score, "breakdown": {}, "counts": dict(counts),
                                "version": "1"},
            "signal_counts": dict(counts), "has_response": rng.random() < 0.05,
            "negative_response": False,
        })  # fmt: skip
        events: list[dict[str, Any]] = [
            {"ts": start + e * 100, "kind": "move" if e % 3 else "click", "node": e % 40,
             "target": None, "x": float(e % 800), "y": float(e % 600), "data": {}, "flags": []}
            for e in range(int(events_per_session))
        ]  # fmt: skip
        docs["event_chunks"].append({
            "_id": f"{sid}:w1:1", "session_id": sid, "site_id": SITE, "window_id": "w1",
            "seq": 1, "format": "native", "received_at_ms": start, "payload": pack(events),
            "count": len(events), "hashes": [], "dropped_duplicates": 0, "warnings": [],
            "rejected": [],
        })  # fmt: skip
        docs["sessions"][-1][STATE_FIELD] = worker_state(
            docs["sessions"][-1], docs["event_chunks"][-1], docs["page_views"][first_view:],
            docs["signals"][first_signal:],
        )  # fmt: skip
        docs["redaction_audit"].append({
            "_id": f"{sid}:w1:1", "site_id": SITE, "session_id": sid, "day": day,
            "policy_version": "1", "policy_hash": "bench", "engine": {},
            "by_entity": {"EMAIL_ADDRESS": rng.randint(0, 2), "PERSON": rng.randint(0, 1)},
            "by_field_kind": {"text": 1, "input": 1}, "by_recognizer": {}, "by_operator": {},
            "fields_seen": {"text": 10}, "timeouts": 0,
        })  # fmt: skip
    docs["aggregates"], docs["heatmaps"] = daily_rollups(docs)
    return docs


def worker_state(
    session: dict[str, Any],
    chunk: dict[str, Any],
    views: list[dict[str, Any]],
    signals: list[dict[str, Any]],
) -> Any:
    """The session's ``worker_state`` as the worker packs it (``workers.session_state``)."""
    summary_fields = ("signal_counts", "frustrated", "department", "clicks")
    state = SessionState(
        chunks=[
            ChunkRef(
                id=chunk["_id"],
                window_id=chunk["window_id"],
                origin_window_id=chunk["window_id"],
                seq=chunk["seq"],
                received_at_ms=chunk["received_at_ms"],
                format=chunk["format"],
                version=digest(chunk["hashes"]),
            )
        ],
        page_views={v["_id"]: digest(v) for v in views},
        summaries={v["_id"]: {k: digest(v.get(k)) for k in summary_fields} for v in views},
        signals={d["_id"]: digest(d) for d in signals},
        session_fields={
            k: digest(session.get(k)) for k in ("score", "score_breakdown", "signal_counts")
        },
    )
    return state.pack()


def daily_rollups(
    docs: dict[str, list[dict[str, Any]]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Aggregates and heatmaps per (day, template), as the worker keeps them."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    sessions: dict[tuple[str, str], set[str]] = {}
    cells: dict[tuple[str, str], Counter[tuple[int, int]]] = {}
    for pv in docs["page_views"]:
        key = (pv["day"], pv["template"])
        row = rows.setdefault(key, {"page_views": 0, "frustrated": 0, "signals": Counter()})
        row["page_views"] += 1
        row["frustrated"] += 1 if pv["frustrated"] else 0
        row["signals"].update(pv["signal_counts"])
        sessions.setdefault(key, set()).add(pv["session_id"])
        for click in pv["clicks"]:
            cells.setdefault(key, Counter())[(click["x"] // 40, click["y"] // 40)] += 1
    aggregates = [
        {"_id": f"{SITE}|{day}|{template}|{department_of(template)}", "site": SITE,
         "site_id": SITE, "day": day, "template": template,
         "department": department_of(template), "sessions": len(sessions[(day, template)]),
         "page_views": row["page_views"], "page_views_with_signal": row["frustrated"],
         "frustrated_page_views": row["frustrated"],
         "frustration_rate": row["frustrated"] / row["page_views"],
         "signals": {k: row["signals"].get(k, 0) for k in SIGNAL_KINDS}, "top_elements": []}
        for (day, template), row in rows.items()
    ]  # fmt: skip
    heatmaps = [
        {"_id": f"{SITE}|{day}|{template}|desktop", "site": SITE, "site_id": SITE, "day": day,
         "template": template, "viewport_class": "desktop", "bin_px": 40,
         "clicks": sum(c.values()),
         "bins": [{"x": x, "y": y, "clicks": n} for (x, y), n in sorted(c.items())]}
        for (day, template), c in cells.items()
    ]  # fmt: skip
    return aggregates, heatmaps


async def load(store: Store, docs: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    counts = {}
    for name, items in docs.items():
        for i in range(0, len(items), INSERT_BATCH):
            await store.db[name].insert_many(items[i : i + INSERT_BATCH], ordered=False)
        counts[name] = len(items)
    return counts


def queries(today: date, sample_session: str) -> dict[str, tuple[str, dict[str, Any]]]:
    month = {"from": (today - timedelta(days=DAYS - 1)).isoformat(), "to": today.isoformat()}
    week = {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}
    day = {"from": today.isoformat(), "to": today.isoformat()}
    site = {"site": SITE}
    return {
        "pages (30 days, by frustration rate)": (
            """query($site: String!, $r: DateRange!) { pages(siteId: $site, range: $r,
               order: FRUSTRATION_RATE) { template pageViews frustrationRate
               signals { kind count rate } } }""", {**site, "r": month}),
        "site series (30 days)": (
            """query($site: String!, $r: DateRange!) { siteSeries(siteId: $site, range: $r) {
               start pageViews sessions frustrationRate } }""", {**site, "r": month}),
        "sessions page (50, by score, nested)": (
            """query($site: String!) { sessions(siteId: $site, first: 50, order: HIGHEST_SCORE) {
               edges { node { id score signalCounts { kind count }
               pageViews { template } signals { kind ts } } } pageInfo { endCursor } } }""", site),
        "sessions filtered (page + kind, 7 days)": (
            """query($site: String!, $r: DateRange!) { sessions(siteId: $site, first: 50,
               filter: {range: $r, template: "/water/pay", signalKinds: ["rage_click",
               "dead_click"]}) { edges { node { id score } } } }""", {**site, "r": week}),
        "page detail (30 days, heatmap cells)": (
            """query($site: String!, $r: DateRange!) { page(siteId: $site,
               template: "/water/pay", range: $r) { metrics { pageViews frustrationRate }
               series { start pageViews } topElements { selector count }
               heatmap { clicks binPx cells } } }""", {**site, "r": month}),
        "page detail (30 days, deprecated bins objects)": (
            """query($site: String!, $r: DateRange!) { page(siteId: $site,
               template: "/water/pay", range: $r) { metrics { pageViews frustrationRate }
               series { start pageViews } topElements { selector count }
               heatmap { clicks bins { x y count } } } }""", {**site, "r": month}),
        "hourly series (1 day)": (
            """query($site: String!, $r: DateRange!) { page(siteId: $site,
               template: "/water/pay", range: $r) { series(interval: HOUR) { start pageViews } } }
            """, {**site, "r": day}),
        "one session (events, signals)": (
            """query($id: ID!) { session(id: $id) { id pageViews { template }
               signals { kind } events(first: 500) { kind ts } } }""", {"id": sample_session}),
        "replay shortlist (7 days)": (
            """query($site: String!, $r: DateRange!) { replayShortlist(siteId: $site, range: $r)
               { template reason size representative { id } } }""", {**site, "r": week}),
        "redaction audit (30 days)": (
            """query($site: String!, $r: DateRange!) { redactionAudit(siteId: $site, range: $r)
               { chunks byEntity { name count } byDay { key redactions }
               policies { version chunks } } }""", {**site, "r": month}),
    }  # fmt: skip


async def timed(call: Callable[[], Awaitable[Any]], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, samples: list[float], base_ms: float) -> None:
    p50, p95 = p(samples, 0.5), p(samples, 0.95)
    print(f"{name:45} {p50:9.1f} {p95:9.1f} {p50 / base_ms:14.1f}x", flush=True)


@dataclass
class _StoreOnly:
    """What ``workers.aggregate.recompute_day`` reads from its resources: the store."""

    store: Store


async def bench(url: str, scale: float, runs: int, warmup: int, before_runs: int) -> None:
    database = f"bench_{uuid.uuid4().hex[:8]}"
    store = connect_store(url, database, timeout_ms=20_000)
    # The bench measures queries, not the rate limit.
    settings = Settings(mongodb_url=url, database=database, graphql_rate_limit_per_minute=10**9)
    try:
        await store.ensure_indexes()
        await create_site(store, SITE, "Bench City", "bench-site-key", ["https://city.example.test"],
                          DEPARTMENTS)  # fmt: skip
        key = await create_api_key(store, Role.ADMIN, "bench")
        today = datetime.now(tz=UTC).date()

        started = time.monotonic()
        docs = synthetic(scale, today, random.Random(42))
        counts = await load(store, docs)
        events = sum(c["count"] for c in docs["event_chunks"])
        print(
            f"stored in {time.monotonic() - started:.0f} s: {counts}, {events} events", flush=True
        )
        sample = docs["sessions"][len(docs["sessions"]) // 2]["_id"]
        del docs

        app = Starlette(routes=[Route("/graphql", graphql_app(settings, store), methods=["POST"])])
        port = free_loopback_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))  # fmt: skip
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        headers = {"authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:

            async def ask(query: str, variables: dict[str, Any]) -> None:
                response = await http.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
                body = response.json()
                if body.get("errors"):
                    raise RuntimeError(f"query failed: {body['errors'][0]['message']}")

            base_samples = await timed(
                lambda: store.sessions.find_one({"_id": sample}), runs, warmup
            )
            base = p(base_samples, 0.5)
            print(f"\n{'query':45} {'p50 ms':>9} {'p95 ms':>9} {'p50 / find_one':>15}")
            report("baseline: find_one by id", base_samples, base)
            version = await timed(lambda: ask("{ version }", {}), runs, warmup)
            report("baseline: { version } over HTTP", version, base)

            async def each_query(label: str, n: int, warm: int, cold: bool = False) -> None:
                print(f"-- {label}, {n} runs each after {warm} warm-up", flush=True)
                for name, (query, variables) in queries(today, sample).items():

                    async def call(q: str = query, v: dict[str, Any] = variables) -> None:
                        if cold:
                            forget_unpacked()
                        await ask(q, v)

                    report(name, await timed(call, n, warm), base)

            if before_runs:
                await each_query(
                    "read from stored documents (no dashboard documents)", before_runs, 0
                )
            started = time.monotonic()
            await recompute_days(_StoreOnly(store), SITE, day_list(today))  # type: ignore[arg-type]
            print(f"-- recompute_days, {DAYS} days: {time.monotonic() - started:.1f} s", flush=True)
            # recompute_days includes it; timed again alone, on the same store.
            started = time.monotonic()
            await rollup_audit(store, SITE, day_list(today))
            print(
                f"-- of which the redaction audit rollup (rollup_audit, run again alone): "
                f"{time.monotonic() - started:.1f} s",
                flush=True,
            )
            await each_query(
                "read from dashboard documents, Python's default garbage collector", runs, warmup
            )
            tune_gc()  # as the API does once started (api/app.py)
            await each_query(
                "the same, with the API's garbage-collector settings (api/gc_tuning.py)",
                runs,
                warmup,
            )
            await each_query(
                "the same, the cache of unpacked dashboard values emptied before each request",
                runs,
                warmup,
                cold=True,
            )
        server.should_exit = True
        await task
        print(f"\n{runs} runs each after {warmup} warm-up runs; scale {scale}")
    finally:
        await store.client.drop_database(database)
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data set")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs before them")
    parser.add_argument(
        "--before-runs", type=int, default=3, help="timed runs of the stored-documents path"
    )
    args = parser.parse_args()

    url = os.environ.get("STUCKPOINT_MONGODB_URL")
    if url:
        asyncio.run(bench(url, args.scale, args.runs, args.warmup, args.before_runs))
        return
    with tempfile.TemporaryDirectory(prefix="stuckpoint-bench-") as tmp:
        server = FerretDBServer(Path(tmp) / "ferretdb", Settings().cache_dir)
        server.start()
        try:
            asyncio.run(bench(server.url, args.scale, args.runs, args.warmup, args.before_runs))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
