"""Store ceiling: how fast the store itself takes the chunk documents the worker writes.

    python -m bench.store_ceiling [--sessions 20] [--seed 1] [--json out.json]

The documents are built exactly as `workers.store.store_chunk` builds them (compressed payload,
event hashes) from generated sessions. Three ways of writing them, on a fresh collection each:
`insert_many` in bulks of 100 (the ceiling), one `replace_one(upsert=True)` at a time with 4 in
flight (what the worker does, `max_jobs=4`), and, as the baseline, `ping` round trips.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import Any

from bench.common import Stack, print_header, write_json
from bench.generator import cut_batches, generate
from storage.chunks import pack
from storage.mongo import Store, connect_store
from workers.store import event_hash

MODULE = "bench.store_ceiling"
BULK_DOCS = 100
IN_FLIGHT = 4


def chunk_docs(batches: list[dict[str, Any]], site_id: str) -> list[dict[str, Any]]:
    """One chunk document per batch, shaped like those `store_chunk` writes."""
    docs = []
    for batch in batches:
        session_id = f"{site_id}:{batch['session_id']}"
        events = batch["events"]
        docs.append(
            {
                "_id": f"{session_id}:{batch['window_id']}:{batch['seq']}",
                "session_id": session_id,
                "site_id": site_id,
                "window_id": batch["window_id"],
                "seq": batch["seq"],
                "format": "rrweb",
                "received_at_ms": batch["sent_at"],
                "payload": pack(events),
                "count": len(events),
                "hashes": [event_hash(e) for e in events],
                "dropped_duplicates": 0,
                "warnings": [],
                "rejected": [],
            }
        )
    return docs


async def _timed_bulk(store: Store, docs: list[dict[str, Any]]) -> float:
    collection = store.db[f"ceiling_{uuid.uuid4().hex[:8]}"]
    started = time.perf_counter()
    for i in range(0, len(docs), BULK_DOCS):
        await collection.insert_many(docs[i : i + BULK_DOCS], ordered=False)
    elapsed = time.perf_counter() - started
    await collection.drop()
    return elapsed


async def _timed_upserts(store: Store, docs: list[dict[str, Any]]) -> float:
    collection = store.db[f"ceiling_{uuid.uuid4().hex[:8]}"]
    queue = list(reversed(docs))

    async def writer() -> None:
        while queue:
            doc = queue.pop()
            await collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(IN_FLIGHT)))
    elapsed = time.perf_counter() - started
    await collection.drop()
    return elapsed


async def _timed_pings(store: Store, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await store.ping()
    return time.perf_counter() - started


async def measure(mongodb_url: str, database: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Documents and events per second for each way of writing ``docs``."""
    events = sum(d["count"] for d in docs)
    store = connect_store(mongodb_url, database)
    try:
        await store.ping()
        bulk_s = await _timed_bulk(store, docs)
        upsert_s = await _timed_upserts(store, docs)
        pings = max(len(docs), 200)
        ping_s = await _timed_pings(store, pings)
    finally:
        await store.close()
    payload_kb = sum(len(d["payload"]) for d in docs) / len(docs) / 1024
    return {
        "chunks": len(docs),
        "events": events,
        "payload_kb_per_chunk": round(payload_kb, 2),
        "bulk_insert": {"docs_per_s": len(docs) / bulk_s, "events_per_s": events / bulk_s},
        "upsert_one_by_one": {
            "docs_per_s": len(docs) / upsert_s,
            "events_per_s": events / upsert_s,
        },
        "baseline_ping_per_s": pings / ping_s,
    }


def print_result(result: dict[str, Any]) -> None:
    print(
        f"{result['chunks']} chunk documents, {result['events']} events, "
        f"{result['payload_kb_per_chunk']} KB compressed payload per chunk"
    )
    for name in ("bulk_insert", "upsert_one_by_one"):
        row = result[name]
        print(f"  {name:22} {row['docs_per_s']:>9.0f} docs/s {row['events_per_s']:>10.0f} events/s")
    print(f"  baseline: ping         {result['baseline_ping_per_s']:>9.0f} round trips/s")


def docs_for(sessions: int, seed: int, max_pages: int = 6) -> list[dict[str, Any]]:
    generated = generate(sessions, seed, prefix="ceiling", max_pages=max_pages)
    batches = [b for s in generated for b in cut_batches(s)]
    return chunk_docs(batches, "ceiling")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    info = print_header("Store ceiling: chunk documents the worker writes", MODULE)
    docs = docs_for(args.sessions, args.seed)
    with Stack() as stack:
        result = asyncio.run(measure(stack.mongodb_url, stack.database, docs))
    print_result(result)
    write_json(args.json, {"machine": info, **result})


if __name__ == "__main__":
    main()
