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
from workers.session_state import (
    CHUNKS,
    SESSION_FLAGS,
    STATE_FIELD,
    ChunkRef,
    SessionState,
    digest,
    load_state,
)
from workers.timeline import MAPPINGS, PageViewTimeline, page_views_of

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


def stream_of(state: SessionState, batch: RedactedBatch, chunk_id: str) -> str:
    """The window stream a chunk belongs to.

    A retried batch has the same content, so the same chunk id. A *different* batch with the same
    window and sequence number comes from a duplicated tab that copied the window id: it is kept
    (never overwritten) as a separate page life, so one tab's changes never land on the other's
    snapshot.

    With the recorder's `page_id` the split is exact: every batch of a page load follows the
    stream its first batch took. Known shortcoming: without it (rrweb's own recorder sends none)
    only the colliding batch moves to the new stream; the duplicate's later batches, whose
    sequence numbers do not collide, stay in the original stream. (Our tracker gives a
    duplicated tab a window id of its own, so it never collides.)
    """
    window = [c for c in state.chunks if c.origin_window_id == batch.window_id]
    for chunk in window:
        if chunk.id == chunk_id:
            return chunk.window_id
    if batch.page_id:
        same_page = [c for c in window if c.page_id == batch.page_id]
        if same_page:
            return same_page[-1].window_id
    if any(c.seq == batch.seq for c in window):
        fork = digest(batch.page_id) if batch.page_id else chunk_id.rsplit(":", 1)[-1]
        return f"{batch.window_id}~{fork[:6]}"
    return batch.window_id


async def store_chunk(
    store: Store, batch: RedactedBatch, state: SessionState | None = None
) -> dict[str, Any]:
    """Write the batch as one chunk; events already stored for this window are dropped.

    ``state`` (the session's, read by ``_id``) lists the earlier chunks and gets the new one.
    """
    session_id = batch.stored_session_id
    if state is None:
        state = (await load_state(store, session_id))[0]
    items = batch.rrweb if batch.format == "rrweb" else batch.events
    item_hashes = [identity_hash(item, batch.clock_shift_ms) for item in items]
    batch_key = batch_key_of(batch, item_hashes)
    chunk_id = f"{session_id}:{batch_key}"
    window_id = stream_of(state, batch, chunk_id)

    earlier = [c for c in state.chunks if c.window_id == window_id and c.id != chunk_id]
    seen: set[str] = {
        h for chunk in await CHUNKS.fetch(store, earlier) for h in chunk.get("hashes", [])
    }
    kept: list[dict[str, Any]] = []
    hashes: list[str] = []
    clamped_hashes: list[str] = []
    clamped = set(batch.clamped_positions)
    for index, (item, item_hash) in enumerate(zip(items, item_hashes, strict=True)):
        if item_hash not in seen:
            seen.add(item_hash)
            kept.append(item)
            hashes.append(item_hash)
            if index in clamped:
                clamped_hashes.append(item_hash)

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
        "page_id": batch.page_id,
        "format": batch.format,
        "received_at_ms": batch.received_at_ms,
        "payload": pack(kept),
        "count": len(kept),
        "hashes": hashes,
        "dropped_duplicates": len(items) - len(kept) + batch.duplicates_dropped,
        "clamped_events": batch.clamped_events,
        # The kept rrweb events whose time was clamped, by identity (see workers/timeline.py).
        "clamped_hashes": clamped_hashes,
        "warnings": batch.warnings,
        "rejected": batch.rejected,
    }
    # replace_one with upsert makes a re-run of the same job write the same document.
    await store.event_chunks.replace_one({"_id": chunk_id}, chunk, upsert=True)
    ref = ChunkRef(
        id=chunk_id,
        window_id=window_id,
        origin_window_id=batch.window_id,
        seq=batch.seq,
        received_at_ms=batch.received_at_ms,
        format=batch.format,
        version=digest(hashes),
        page_id=batch.page_id or "",
    )
    state.put_chunk(ref)
    CHUNKS.put(ref.version, chunk)
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
    store: Store,
    batch: RedactedBatch,
    state: SessionState | None = None,
    flags: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[PageViewTimeline]]:
    """Recompute the session and its page views from every stored chunk (exact on re-runs).

    Chunks come from this process's cache or by ``_id``; only page views whose fields changed
    are written. Returns the session as written, with its packed state and survey flags.

    Windows are mapped on from where this process left them (``timeline.MAPPINGS``). Known
    shortcoming: splitting into page views still walks every event of the session on every
    batch; keeping the closed page views would make it proportional to the batch.
    """
    session_id = batch.stored_session_id
    if state is None or flags is None:
        state, flags = await load_state(store, session_id)
    chunks = await CHUNKS.fetch(store, state.chunks)
    page_views = page_views_of(session_id, chunks, MAPPINGS)

    # A batch mostly extends the last page view: write only the page views that changed.
    # $set, not a replace: the detect step's fields (signal counts, clicks) stay.
    current = {pv.id for pv in page_views}
    for pv in page_views:
        doc = page_view_doc(batch.site_id, session_id, pv)
        version = digest(doc)
        if state.page_views.get(pv.id) != version:
            del doc["_id"]
            await store.page_views.update_one({"_id": pv.id}, {"$set": doc}, upsert=True)
            state.page_views[pv.id] = version
    for gone in sorted(set(state.page_views) - current):
        await store.page_views.delete_one({"_id": gone})
        del state.page_views[gone]
        state.summaries.pop(gone, None)

    timestamps = [pv.started_at for pv in page_views] + [pv.ended_at for pv in page_views]
    started_at = min(timestamps, default=batch.received_at_ms)
    session: dict[str, Any] = {
        "_id": session_id,
        "site_id": batch.site_id,
        "client_session_id": batch.session_id,
        "visitor_id": batch.visitor_id,
        "started_at": started_at,
        "ended_at": max(timestamps, default=batch.received_at_ms),
        "event_count": sum(len(pv.events) for pv in page_views),
        "page_view_count": len(page_views),
        "window_count": len({c["window_id"] for c in chunks}),
        "clock_shift_ms": batch.clock_shift_ms,
        "device": (batch.client.get("agent") or {}).get("device"),
        "browser": (batch.client.get("agent") or {}).get("browser"),
        "os": (batch.client.get("agent") or {}).get("os"),
        STATE_FIELD: state.pack(),
    }
    session["day"] = day_of(started_at)
    # A new session starts without survey flags set; the survey endpoint sets them when a
    # response comes in, and the detect step when one came before the session was stored.
    unset_flags = dict.fromkeys(SESSION_FLAGS, False)
    await store.sessions.update_one(
        {"_id": session_id}, {"$set": session, "$setOnInsert": unset_flags}, upsert=True
    )
    return {**session, **flags}, page_views


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
