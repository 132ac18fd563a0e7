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


def day_of(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


async def store_chunk(store: Store, batch: RedactedBatch) -> dict[str, Any]:
    """Write the batch as one chunk; events already stored for this window are dropped."""
    session_id = session_key(batch.site_id, batch.session_id)
    chunk_id = f"{session_id}:{batch.window_id}:{batch.seq}"
    items = batch.rrweb if batch.format == "rrweb" else batch.events

    earlier = store.event_chunks.find(
        {"session_id": session_id, "window_id": batch.window_id, "_id": {"$ne": chunk_id}},
        projection={"hashes": 1},
    )
    seen: set[str] = {h for chunk in await earlier.to_list(None) for h in chunk.get("hashes", [])}
    kept: list[dict[str, Any]] = []
    hashes: list[str] = []
    for item in items:
        digest = event_hash(item)
        if digest not in seen:
            seen.add(digest)
            kept.append(item)
            hashes.append(digest)

    chunk = {
        "_id": chunk_id,
        "session_id": session_id,
        "site_id": batch.site_id,
        "window_id": batch.window_id,
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
    session_id = session_key(batch.site_id, batch.session_id)
    chunks = await store.event_chunks.find({"session_id": session_id}).to_list(None)
    page_views = page_views_of(session_id, chunks)

    for pv in page_views:
        doc = page_view_doc(batch.site_id, session_id, pv)
        await store.page_views.replace_one({"_id": pv.id}, doc, upsert=True)
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
            "session_id": session_key(batch.site_id, batch.session_id),
            "day": day_of(batch.received_at_ms),
            **batch.audit,
        },
        upsert=True,
    )
