"""Growth: ingest rate and query latency with 10k, 100k and 1M events already stored.

    python -m bench.growth [--max-events 1000000] [--ingest-sessions 6] [--json out.json]

Stored data is preloaded straight into the store (bulk inserts of the chunk, page view and
session documents the worker would write for generated sessions, all on today's date, then the
day is marked for re-aggregation), because pushing a million events through the pipeline would
take hours here. At each level the same small workload goes through `/collect` and one worker
(ingest rate until the metrics show it), the aggregate job's times are read from the worker
log, and four GraphQL reads are timed. Baseline: the same at the smallest level, and `/healthz`.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.common import (
    Stack,
    body_of,
    graphql,
    new_site,
    percentile,
    post_all,
    print_header,
    visible_page_views,
    wait_visible,
    write_json,
)
from bench.generator import cut_batches, generate
from bench.store_ceiling import chunk_docs
from storage.mongo import Store, connect_store
from workers.dirty import mark_days
from workers.store import day_of, page_view_doc
from workers.timeline import page_views_of

MODULE = "bench.growth"
LEVELS = (10_000, 100_000, 1_000_000)
REPEATS = 10
QUERIES = {
    "pages (aggregates)": """query Q($site: String!, $day: Date!) {
      pages(siteId: $site, range: {from: $day, to: $day}) { template pageViews sessions } }""",
    "siteSeries HOUR (page views)": """query Q($site: String!, $day: Date!) {
      siteSeries(siteId: $site, range: {from: $day, to: $day}, interval: HOUR) {
        start pageViews } }""",
    "sessions first 20": """query Q($site: String!) {
      sessions(siteId: $site, first: 20) { edges { node { id eventCount } } } }""",
    "session detail": """query Q($id: ID!) {
      session(id: $id) { id eventCount pageViews { template } events(first: 500) { kind } } }""",
}
AGGREGATED = re.compile(r"aggregated \d+ site-days in (\d+) ms")


class Preloader:
    """Copies of a few generated sessions, written as the worker's documents, under new ids."""

    def __init__(self, site_id: str, seed: int = 5, pool: int = 20, max_pages: int = 6) -> None:
        self.site_id = site_id
        self.templates = []
        for session in generate(pool, seed, prefix="grow", max_pages=max_pages):
            batches = cut_batches(session, site_id)
            chunks = chunk_docs(batches, site_id)
            self.templates.append((session, chunks, page_views_of("X", chunks)))
        self.max_pages = max_pages
        self.copies = 0
        self.events = 0
        self.page_views = 0

    def documents(self, copy: int) -> tuple[list[Any], list[Any], list[Any]]:
        chunks, views, sessions = [], [], []
        for session, template_chunks, template_views in self.templates:
            sid = f"{self.site_id}:{session.session_id}-c{copy}"
            for chunk in template_chunks:
                chunks.append(
                    {
                        **chunk,
                        "_id": f"{sid}:{chunk['window_id']}:{chunk['seq']}",
                        "session_id": sid,
                    }
                )
            for pv in template_views:
                doc = page_view_doc(self.site_id, sid, pv)
                doc.update(_id=doc["_id"].replace("X", sid, 1), signal_counts={}, clicks=[])
                views.append(doc)
            started = min(pv.started_at for pv in template_views)
            sessions.append(
                {
                    "_id": sid,
                    "site_id": self.site_id,
                    "client_session_id": f"{session.session_id}-c{copy}",
                    "started_at": started,
                    "ended_at": max(pv.ended_at for pv in template_views),
                    "day": day_of(started),
                    "event_count": sum(len(pv.events) for pv in template_views),
                    "page_view_count": len(template_views),
                    "window_count": len(session.windows),
                }
            )
            self.events += session.events
            self.page_views += len(template_views)
        return chunks, views, sessions

    async def fill_to(self, store: Store, events: int) -> None:
        while self.events < events:
            chunks, views, sessions = self.documents(self.copies)
            self.copies += 1
            for name, docs in (("event_chunks", chunks), ("page_views", views),
                               ("sessions", sessions)):  # fmt: skip
                for i in range(0, len(docs), 500):
                    await store.db[name].insert_many(docs[i : i + 500], ordered=False)


async def time_queries(
    client: httpx.AsyncClient, key: str, site: str, session_id: str, repeats: int
) -> Any:
    day = datetime.now(UTC).date().isoformat()
    args = {"site": site, "day": day, "id": session_id}
    result = {}
    for name, query in QUERIES.items():
        wanted = {k: v for k, v in args.items() if f"${k}" in query}
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            await graphql(client, key, query, wanted)
            times.append((time.perf_counter() - started) * 1000)
        result[name] = percentile(times, 50)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        (await client.get("/healthz")).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    result["baseline /healthz"] = percentile(times, 50)
    return result


async def measure_level(
    stack: Stack,
    store: Store,
    loader: Preloader,
    level: int,
    ingest_sessions: int,
    repeats: int = REPEATS,
) -> dict[str, Any]:
    filled = time.perf_counter()
    await loader.fill_to(store, level)
    fill_s = time.perf_counter() - filled
    await stack_redis_sadd(stack, f"{loader.site_id}|{datetime.now(UTC).date().isoformat()}")
    settle_s = await wait_visible(stack.redis_url, store, loader.site_id, loader.page_views, 600)

    worker_log = stack.workers[0].log_path
    log_offset = worker_log.stat().st_size
    generated = generate(ingest_sessions, 9, prefix=f"in{level}", max_pages=loader.max_pages)
    batches = sorted((b for s in generated for b in cut_batches(s, loader.site_id)),
                     key=lambda b: b["sent_at"])  # fmt: skip
    events = sum(len(b["events"]) for b in batches)
    expected = loader.page_views + sum(s.page_views for s in generated)
    started = time.perf_counter()
    await post_all(stack.api_url, [body_of(b) for b in batches])
    await wait_visible(stack.redis_url, store, loader.site_id, expected, 900)
    ingest_s = time.perf_counter() - started
    loader.page_views = await visible_page_views(store, loader.site_id)
    loader.events += events
    with open(worker_log, errors="replace") as log:
        log.seek(log_offset)
        aggregate_ms = [int(m.group(1)) for m in AGGREGATED.finditer(log.read())]

    async with httpx.AsyncClient(base_url=stack.api_url, timeout=120) as client:
        session_id = f"{loader.site_id}:{loader.templates[0][0].session_id}-c0"
        queries = await time_queries(client, stack.admin_key, loader.site_id, session_id, repeats)
    return {
        "stored_events": loader.events - events,
        "page_views": loader.page_views,
        "preload_s": fill_s,
        "reaggregate_s": settle_s,
        "ingest_events": events,
        "ingest_events_per_s": events / ingest_s,
        "aggregate_ms_mean": sum(aggregate_ms) / len(aggregate_ms) if aggregate_ms else None,
        "aggregate_runs": len(aggregate_ms),
        "query_p50_ms": queries,
    }


async def stack_redis_sadd(stack: Stack, member: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(stack.redis_url)
    try:
        await mark_days(redis, [member])
    finally:
        await redis.aclose()


async def measure(
    stack: Stack,
    levels: list[int],
    ingest_sessions: int,
    pool: int = 20,
    max_pages: int = 6,
    repeats: int = REPEATS,
) -> list[dict[str, Any]]:
    """One row per level of stored events, printed as it is measured."""
    site_key = await new_site(stack, "growth")
    loader = Preloader(site_key, pool=pool, max_pages=max_pages)
    store = connect_store(stack.mongodb_url, stack.database)
    rows = []
    try:
        for level in levels:
            rows.append(await measure_level(stack, store, loader, level, ingest_sessions, repeats))
            print_row(rows[-1], rows[0])
    finally:
        await store.close()
    return rows


def print_row(row: dict[str, Any], first: dict[str, Any]) -> None:
    scale = row["stored_events"] / first["stored_events"]
    print(
        f"{row['stored_events']:>9} events stored ({row['page_views']} page views, x{scale:.0f} "
        f"the first level): preload {row['preload_s']:.0f} s, re-aggregation "
        f"{row['reaggregate_s']:.1f} s"
    )
    agg = row["aggregate_ms_mean"]
    print(
        f"    ingest {row['ingest_events_per_s']:.0f} events/s "
        f"(x{row['ingest_events_per_s'] / first['ingest_events_per_s']:.2f} of the first level); "
        f"aggregate job {'-' if agg is None else f'{agg:.0f}'} ms per run "
        f"over {row['aggregate_runs']} runs"
    )
    for name, ms in row["query_p50_ms"].items():
        base = first["query_p50_ms"][name]
        print(f"    {name:30} p50 {ms:>8.1f} ms (x{ms / base:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-events", type=int, default=LEVELS[-1], help="stop after this level")
    parser.add_argument(
        "--levels", help="comma-separated stored-event levels (default 10k,100k,1M)"
    )
    parser.add_argument("--ingest-sessions", type=int, default=6, help="workload per level")
    parser.add_argument("--pool", type=int, default=20, help="generated visits copied to preload")
    parser.add_argument("--max-pages", type=int, default=6, help="page views per visit, at most")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    levels = [int(n) for n in args.levels.split(",")] if args.levels else list(LEVELS)
    levels = [n for n in levels if n <= args.max_events]
    info = print_header("Growth: ingest and queries as stored data grows", MODULE)
    with Stack() as stack:
        stack.start_api()
        stack.start_workers(1)
        rows = asyncio.run(measure(stack, levels, args.ingest_sessions, args.pool, args.max_pages))
    write_json(args.json, {"machine": info, "levels": rows})


if __name__ == "__main__":
    main()
