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
    """The batch's session part; a batch seen before (a re-run or a retry) keeps its part.

    A stored batch is found by its chunk id (``_id`` lookups only: FerretDB v1 scans for any
    other filter), trying the current part first and then the earlier ones.
    """
    state_doc: dict[str, Any] = (
        await store.db["session_parts"].find_one({"_id": batch.client_key}) or {}
    )
    current = int(state_doc.get("part", 0))
    for part in range(current, -1, -1):
        session_id = batch.client_key if part == 0 else f"{batch.client_key}~{part}"
        if await store.event_chunks.find_one({"_id": f"{session_id}:{batch_key}"}, {"_id": 1}):
            return part

    span = batch.time_span_ms()
    if span is None:
        return current

    state = SessionState(
        part=current,
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
