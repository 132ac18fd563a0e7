"""Step 2: write a redacted batch idempotently, then rebuild its session and page views."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

import orjson

from storage.chunks import pack
from storage.mongo import Store
from workers.redact import RedactedBatch
from workers.timeline import PageViewTimeline, page_views_of

logger = logging.getLogger(__name__)


def session_key(site_id: str, session_id: str) -> str:
    return f"{site_id}:{session_id}"


def event_hash(event: dict[str, Any]) -> str:
    """Identity of a redacted event: equal content means the same event sent twice."""
    return hashlib.blake2b(
        orjson.dumps(event, option=orjson.OPT_SORT_KEYS), digest_size=12
    ).hexdigest()


def identity_hash(event: dict[str, Any], shift_ms: int) -> str:
    """The event's hash on the browser's own clock: a retry that arrives later, and so gets
    another clock-skew shift, still hashes the same."""
    field = "timestamp" if "timestamp" in event else "ts"
    ts = event.get(field)
    if isinstance(ts, int | float) and shift_ms:
        event = {**event, field: ts - shift_ms}
    return event_hash(event)


def day_of(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def batch_key_of(batch: RedactedBatch, item_hashes: list[str] | None = None) -> str:
    """Window, sequence number and a digest of the content: equal for a retry of the batch."""
    if item_hashes is None:
        items = batch.rrweb if batch.format == "rrweb" else batch.events
        item_hashes = [identity_hash(item, batch.clock_shift_ms) for item in items]
    content = hashlib.blake2b("".join(item_hashes).encode(), digest_size=6).hexdigest()
    return f"{batch.window_id}:{batch.seq}:{content}"


async def stream_of(store: Store, session_id: str, batch: RedactedBatch, chunk_id: str) -> str:
    """The window stream a chunk belongs to.

    A retried batch has the same content, so the same chunk id. A *different* batch with the same
    window and sequence number comes from a duplicated tab that copied the window id: it is kept
    (never overwritten) as a separate page life, so one tab's changes never land on the other's
    snapshot.

    Known shortcoming: only the colliding batch moves to the new stream; the duplicate's later
    batches, whose sequence numbers do not collide, stay in the original stream. An explicit page
    id from the tracker (see docs/ingest.md, `page_id`) would make the split exact.
    """
    same_seq = await store.event_chunks.find(
        {"session_id": session_id, "seq": batch.seq, "origin_window_id": batch.window_id},
        projection={"_id": 1, "window_id": 1},
    ).to_list(None)
    for chunk in same_seq:
        if chunk["_id"] == chunk_id:
            return str(chunk["window_id"])
    if same_seq:
        return f"{batch.window_id}~{chunk_id.rsplit(':', 1)[-1][:6]}"
    return batch.window_id


async def store_chunk(store: Store, batch: RedactedBatch) -> dict[str, Any]:
    """Write the batch as one chunk; events already stored for this window are dropped."""
    session_id = batch.stored_session_id
    items = batch.rrweb if batch.format == "rrweb" else batch.events
    item_hashes = [identity_hash(item, batch.clock_shift_ms) for item in items]
    batch_key = batch_key_of(batch, item_hashes)
    chunk_id = f"{session_id}:{batch_key}"
    window_id = await stream_of(store, session_id, batch, chunk_id)

    earlier = store.event_chunks.find(
        {"session_id": session_id, "window_id": window_id, "_id": {"$ne": chunk_id}},
        projection={"hashes": 1},
    )
    seen: set[str] = {h for chunk in await earlier.to_list(None) for h in chunk.get("hashes", [])}
    kept: list[dict[str, Any]] = []
    hashes: list[str] = []
    for item, digest in zip(items, item_hashes, strict=True):
        if digest not in seen:
            seen.add(digest)
            kept.append(item)
            hashes.append(digest)

    chunk = {
        "_id": chunk_id,
        "session_id": session_id,
        "site_id": batch.site_id,
        "client_key": batch.client_key,
        "batch_key": batch_key,
        "window_id": window_id,
        "origin_window_id": batch.window_id,
        "duplicated_tab": window_id != batch.window_id,
        "seq": batch.seq,
        "format": batch.format,
        "received_at_ms": batch.received_at_ms,
        "payload": pack(kept),
        "count": len(kept),
        "hashes": hashes,
        "dropped_duplicates": len(items) - len(kept) + batch.duplicates_dropped,
        "clamped_events": batch.clamped_events,
        "warnings": batch.warnings,
        "rejected": batch.rejected,
    }
    # replace_one with upsert makes a re-run of the same job write the same document.
    await store.event_chunks.replace_one({"_id": chunk_id}, chunk, upsert=True)
    return chunk


PAGE_VIEW_FIELDS = (
    "site_id",
    "session_id",
    "window_id",
    "url",
    "path",
    "template",
    "started_at",
    "ended_at",
    "day",
    "event_count",
)


def same_fields(stored: dict[str, Any] | None, doc: dict[str, Any]) -> bool:
    """True when a stored document already holds every field of ``doc`` with an equal value.

    Compared as sorted JSON, so a tuple written as a list still counts as equal; anything that
    serialises differently (1 vs 1.0) counts as changed, which only costs a needless write.
    """
    if stored is None or any(k not in stored for k in doc):
        return False
    option = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    kept = {k: stored.get(k) for k in doc}
    return orjson.dumps(kept, option=option, default=str) == orjson.dumps(
        doc, option=option, default=str
    )


def page_view_doc(site_id: str, session_id: str, pv: PageViewTimeline) -> dict[str, Any]:
    return {
        "_id": pv.id,
        "site_id": site_id,
        "session_id": session_id,
        "window_id": pv.window_id,
        "url": pv.url,
        "path": pv.path,
        "template": pv.template,
        "started_at": pv.started_at,
        "ended_at": pv.ended_at,
        "day": day_of(pv.started_at),
        "event_count": len(pv.events),
    }


async def rebuild_session(
    store: Store, batch: RedactedBatch
) -> tuple[dict[str, Any], list[PageViewTimeline]]:
    """Recompute the session and its page views from every stored chunk (exact on re-runs)."""
    session_id = batch.stored_session_id
    chunks = await store.event_chunks.find({"session_id": session_id}).to_list(None)
    page_views = page_views_of(session_id, chunks)

    # A batch mostly extends the last page view: rewrite only the page views that changed
    # (one read instead of a write per page view; bench/throughput.py measured the difference).
    stored = {
        d["_id"]: d
        for d in await store.page_views.find(
            {"session_id": session_id}, projection=dict.fromkeys(PAGE_VIEW_FIELDS, 1)
        ).to_list(None)
    }
    for pv in page_views:
        doc = page_view_doc(batch.site_id, session_id, pv)
        if not same_fields(stored.get(pv.id), doc):
            await store.page_views.replace_one({"_id": pv.id}, doc, upsert=True)
    if set(stored) - {pv.id for pv in page_views}:
        await store.page_views.delete_many(
            {"session_id": session_id, "_id": {"$nin": [pv.id for pv in page_views]}}
        )

    timestamps = [pv.started_at for pv in page_views] + [pv.ended_at for pv in page_views]
    session = {
        "_id": session_id,
        "site_id": batch.site_id,
        "client_session_id": batch.session_id,
        "visitor_id": batch.visitor_id,
        "started_at": min(timestamps, default=batch.received_at_ms),
        "ended_at": max(timestamps, default=batch.received_at_ms),
        "event_count": sum(len(pv.events) for pv in page_views),
        "page_view_count": len(page_views),
        "window_count": len({c["window_id"] for c in chunks}),
        "clock_shift_ms": batch.clock_shift_ms,
        "device": (batch.client.get("agent") or {}).get("device"),
        "browser": (batch.client.get("agent") or {}).get("browser"),
        "os": (batch.client.get("agent") or {}).get("os"),
    }
    session["day"] = day_of(session["started_at"])
    await store.sessions.update_one({"_id": session_id}, {"$set": session}, upsert=True)
    return session, page_views


async def store_audit(store: Store, batch: RedactedBatch, chunk_id: str) -> None:
    """Keep the batch's redaction counts (never values) for the privacy audit."""
    await store.redaction_audit.replace_one(
        {"_id": chunk_id},
        {
            "_id": chunk_id,
            "site_id": batch.site_id,
            "session_id": batch.stored_session_id,
            "day": day_of(batch.received_at_ms),
            **batch.audit,
        },
        upsert=True,
    )
