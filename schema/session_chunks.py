"""A session's stored chunks, read by ``_id`` from the list the worker keeps on the session.

FerretDB v1 answers only ``_id`` equalities from an index: ``event_chunks`` by ``session_id``
reads and decodes the whole collection. The worker's state (``workers.session_state``, field
``worker_state`` of the session document) lists the session's chunks with their window,
sequence number and format, so ``Session.events``, ``Session.replay`` and the session's
redaction audit read each chunk (or its audit) by ``_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.mongo import Store, read_by_id
from workers.session_state import STATE_FIELD, ChunkRef, SessionState

# `hashes` and `clamped_hashes` tell which rrweb events had their outlier time clamped.
CHUNK_FIELDS = (
    "session_id", "window_id", "seq", "format", "received_at_ms", "payload", "hashes",
    "clamped_hashes",
)  # fmt: skip


async def chunk_refs(store: Store, session_id: str) -> list[ChunkRef] | None:
    """The session's chunks as the worker last wrote them; None for a session without a state
    (not stored by the worker, or stored before states existed), whose chunks the caller then
    finds by ``session_id``."""
    doc = await store.sessions.find_one({"_id": session_id}, {STATE_FIELD: 1})
    if doc is None or not doc.get(STATE_FIELD):
        return None
    return SessionState.unpack(doc[STATE_FIELD]).chunks


async def read_chunks(
    store: Store, session_id: str, refs: Sequence[ChunkRef], first: int | None = None
) -> list[dict[str, Any]]:
    """The chunks of ``refs`` in that order, up to ``first`` of those still stored, of this
    session (a chunk id names its session; checked all the same)."""
    wanted = first if first is not None else len(refs)
    docs: list[dict[str, Any]] = []
    start = 0
    while len(docs) < wanted and start < len(refs):
        batch = [r.id for r in refs[start : start + wanted - len(docs)]]
        start += len(batch)
        found = await read_by_id(store, "event_chunks", batch, dict.fromkeys(CHUNK_FIELDS, 1))
        docs += [d for d in found if d.get("session_id") == session_id]
    return docs
