"""Between redact and store: which part of the browser's session a batch belongs to.

A session splits after 30 minutes without activity and is capped at 4 hours (the rules of
``ingest.sessions.split_session``); each part is stored as its own session.
"""

from __future__ import annotations

from typing import Any

from ingest.sessions import SessionState, split_session
from storage.mongo import Store
from workers.redact import RedactedBatch


async def assign_part(store: Store, batch: RedactedBatch, batch_key: str) -> int:
    """The batch's session part; a batch seen before (a re-run or a retry) keeps its part."""
    known = await store.event_chunks.find_one(
        {"client_key": batch.client_key, "batch_key": batch_key}, {"session_id": 1}
    )
    if known is not None:
        session_id = str(known["session_id"])
        return int(session_id.rsplit("~", 1)[1]) if "~" in session_id else 0

    span = batch.time_span_ms()
    state_doc: dict[str, Any] = (
        await store.db["session_parts"].find_one({"_id": batch.client_key}) or {}
    )
    if span is None:
        return int(state_doc.get("part", 0))

    state = SessionState(
        part=int(state_doc.get("part", 0)),
        started_ts=state_doc.get("started_ts"),
        last_ts=state_doc.get("last_ts"),
    )
    # The whole batch goes to one part: it covers seconds, and splitting one mid-way would
    # tear a page view's events apart.
    parts, after = split_session(state, [span[0], span[1]])
    await store.db["session_parts"].replace_one(
        {"_id": batch.client_key},
        {"part": after.part, "started_ts": after.started_ts, "last_ts": after.last_ts},
        upsert=True,
    )
    return parts[0]
