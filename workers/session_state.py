"""A session's worker state on its session document, and a per-process cache of chunks.

FerretDB v1 (SQLite) answers only ``_id``-equality filters from its index: any other filter, a
``session_id`` one included, scans and decodes the whole collection, so each batch would cost
more the more is stored. The state lists the session's chunks, page views and signals with a
digest of what was last written, so the per-batch path reads and writes them by ``_id`` only and
skips writes that would change nothing.

The state lives on the session document (field ``worker_state``, compressed JSON), so retention
and erasure, which delete the session document, delete it too.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from bson import Binary

from storage.mongo import Store

STATE_FIELD = "worker_state"
# Fields of the session document the per-batch path reads along with the state.
SESSION_FLAGS = ("has_response", "negative_response")
RESPONSE_IDS = "response_ids"
"""Session document field: ids of the session's survey responses, added by the survey endpoint
and by the detect step (for responses that came before the session was stored)."""
CHUNK_CACHE_BYTES = 64 * 1024 * 1024


def digest(value: Any) -> str:
    """A short digest of a JSON-able value (sorted keys): equal values, equal digests."""
    option = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    data = orjson.dumps(value, option=option, default=str)
    return hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass
class ChunkRef:
    """One stored chunk of the session, as the per-batch path needs to know it."""

    id: str
    window_id: str  # the stream: the origin window, or a duplicated tab's own stream
    origin_window_id: str
    seq: int
    received_at_ms: int
    format: str
    version: str  # digest of the chunk's event hashes: a cached copy is current when equal
    page_id: str = ""  # the recorder's page-load id, when it sent one


@dataclass
class SessionState:
    chunks: list[ChunkRef] = field(default_factory=list)
    # page view id -> digest of its stored store-step fields
    page_views: dict[str, str] = field(default_factory=dict)
    # page view id -> field name -> digest of its stored detect-step (summary) field
    summaries: dict[str, dict[str, str]] = field(default_factory=dict)
    # signal id -> digest of the stored document, false-positive mark left out
    signals: dict[str, str] = field(default_factory=dict)
    # signal ids a reviewer marked false positive, as last read from the signal documents
    false_positives: list[str] = field(default_factory=list)
    # session field name -> digest of the value the detect step last wrote
    session_fields: dict[str, str] = field(default_factory=dict)

    def pack(self) -> Binary:
        return Binary(zlib.compress(orjson.dumps(asdict(self)), 3))

    @classmethod
    def unpack(cls, blob: bytes | None) -> SessionState:
        if not blob:
            return cls()
        raw = orjson.loads(zlib.decompress(blob))
        return cls(
            chunks=[ChunkRef(**c) for c in raw.get("chunks", [])],
            page_views=raw.get("page_views", {}),
            summaries=raw.get("summaries", {}),
            signals=raw.get("signals", {}),
            false_positives=raw.get("false_positives", []),
            session_fields=raw.get("session_fields", {}),
        )

    def chunk(self, chunk_id: str) -> ChunkRef | None:
        return next((c for c in self.chunks if c.id == chunk_id), None)

    def put_chunk(self, ref: ChunkRef) -> None:
        """Add a chunk, or replace the one with the same id (a re-run of its batch)."""
        self.chunks = [c for c in self.chunks if c.id != ref.id] + [ref]


async def load_state(store: Store, session_id: str) -> tuple[SessionState, dict[str, Any]]:
    """The session's state and its survey flags (absent fields stay absent), by ``_id``."""
    projection = dict.fromkeys((STATE_FIELD, *SESSION_FLAGS), 1)
    doc = await store.sessions.find_one({"_id": session_id}, projection)
    if doc is None:
        return SessionState(), {}
    flags = {k: doc[k] for k in SESSION_FLAGS if k in doc}
    if STATE_FIELD not in doc:
        return await _state_of_older_session(store, session_id), flags
    return SessionState.unpack(doc[STATE_FIELD]), flags


async def _state_of_older_session(store: Store, session_id: str) -> SessionState:
    """The state of a session stored before states existed, from its documents (once: these
    ``session_id`` queries scan on FerretDB v1). Page views and signals are rewritten once."""
    chunks = await store.event_chunks.find(
        {"session_id": session_id},
        projection=dict.fromkeys(
            (
                "window_id",
                "origin_window_id",
                "seq",
                "received_at_ms",
                "format",
                "hashes",
                "page_id",
            ),
            1,
        ),
    ).to_list(None)
    views = await store.page_views.find({"session_id": session_id}, {"_id": 1}).to_list(None)
    signals = await store.signals.find({"session_id": session_id}, {"false_positive": 1}).to_list(
        None
    )
    return SessionState(
        chunks=[
            ChunkRef(
                id=c["_id"],
                window_id=c["window_id"],
                origin_window_id=str(c.get("origin_window_id") or c["window_id"]),
                seq=int(c.get("seq", 0)),
                received_at_ms=int(c.get("received_at_ms", 0)),
                format=c.get("format", "native"),
                version=digest(c.get("hashes", [])),
                page_id=str(c.get("page_id") or ""),
            )
            for c in chunks
        ],
        page_views={v["_id"]: "" for v in views},
        signals={d["_id"]: "" for d in signals},
        false_positives=[d["_id"] for d in signals if d.get("false_positive") is True],
    )


class ChunkCache:
    """Recently used chunk documents of this process, bounded by their payload bytes.

    A chunk id names its batch's content, and the state's ``version`` of a chunk tells whether a
    cached copy is the stored one, so another worker's write of the same session only costs a
    read by ``_id``.
    """

    def __init__(self, max_bytes: int = CHUNK_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._docs: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()

    def put(self, version: str, doc: dict[str, Any]) -> None:
        self.drop(doc["_id"])
        self._docs[doc["_id"]] = (version, doc)
        self.bytes += _size(doc)
        while self.bytes > self.max_bytes and self._docs:
            _, (_, old) = self._docs.popitem(last=False)
            self.bytes -= _size(old)

    def drop(self, chunk_id: str) -> None:
        entry = self._docs.pop(chunk_id, None)
        if entry is not None:
            self.bytes -= _size(entry[1])

    def get(self, ref: ChunkRef) -> dict[str, Any] | None:
        entry = self._docs.get(ref.id)
        if entry is None or entry[0] != ref.version:
            return None
        self._docs.move_to_end(ref.id)
        return entry[1]

    async def fetch(self, store: Store, refs: list[ChunkRef]) -> list[dict[str, Any]]:
        """The chunks' documents, from the cache or by ``_id``; chunks no longer stored (a
        retention sweep) are left out."""
        docs = []
        for ref in refs:
            doc = self.get(ref)
            if doc is None:
                doc = await store.event_chunks.find_one({"_id": ref.id})
                if doc is None:
                    continue
                self.put(ref.version, doc)
            docs.append(doc)
        return docs


def _size(doc: dict[str, Any]) -> int:
    return len(doc.get("payload") or b"") + 40 * len(doc.get("hashes") or ()) + 200


CHUNKS = ChunkCache()
"""The worker process's chunk cache (jobs of one process share it; each session is locked)."""
