"""Rebuild a session's ordered analytics events and page views from its stored chunks.

Chunks hold redacted data only: rrweb events for rrweb batches, analytics events for native ones.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ingest import rrweb
from ingest.dom import DomMirror
from ingest.sessions import PAGE_VIEW_KINDS, path_template
from storage.chunks import unpack

WINDOW_MAPPINGS_KEPT = 64


@dataclass
class PageViewTimeline:
    id: str
    window_id: str
    url: str
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def template(self) -> str:
        return path_template(self.path)

    @property
    def started_at(self) -> int:
        return int(self.events[0]["ts"]) if self.events else 0

    @property
    def ended_at(self) -> int:
        return int(self.events[-1]["ts"]) if self.events else 0


def window_events(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One window's analytics events, in sequence order, then timestamp, then arrival."""
    ordered = sorted(chunks, key=lambda c: (c.get("seq", 0), c.get("received_at_ms", 0)))
    rrweb_chunks = [c for c in ordered if c.get("format") == "rrweb"]
    rrweb_events = [e for c in rrweb_chunks for e in unpack(c["payload"])]
    # Events without a timestamp (some recorders omit it) take the chunk's receive time.
    fallback_ms = int(ordered[0].get("received_at_ms", 0)) if ordered else 0
    events: list[dict[str, Any]] = [
        dict(e) for e in rrweb.to_events(rrweb_events, fallback_ts_ms=fallback_ms)
    ]
    _flag_clamped(events, [flag for c in rrweb_chunks for flag in _clamped(c)])
    for chunk in ordered:
        if chunk.get("format") != "rrweb":
            events.extend(unpack(chunk.get("payload")))
    # sort() is stable: equal timestamps keep arrival order.
    events.sort(key=lambda e: e["ts"])
    return events


@dataclass
class _Mapped:
    """One window's rrweb events mapped so far, and the DOM mirror to map the next ones with."""

    keys: tuple[str, ...]  # the rrweb chunks mapped, in order: id and content digest
    fallback_ms: int
    events: list[dict[str, Any]] = field(default_factory=list)
    mirror: DomMirror = field(default_factory=DomMirror)
    last_ts: int = 0
    raw_count: int = 0


class WindowMappings:
    """This process's latest mapping of each recently seen window, extended chunk by chunk.

    A batch mostly appends a chunk to its window: mapping only that chunk, with the mirror the
    earlier chunks left, gives the events a mapping from the start gives (``window_events``).
    A chunk that arrives out of order, or a mapping not held here, maps the window from the start.

    Known difference: an ``orphaned`` flag cleared by an intermediate mapping stays cleared when a
    later mutation leaves a node pending; no stored field or detector reads that flag.
    """

    def __init__(self, size: int = WINDOW_MAPPINGS_KEPT) -> None:
        self.size = size
        self._mapped: OrderedDict[str, _Mapped] = OrderedDict()

    def window_events(self, key: str, chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Like ``window_events``; ``key`` names the window (session and window id)."""
        ordered = sorted(chunks, key=lambda c: (c.get("seq", 0), c.get("received_at_ms", 0)))
        rrweb_chunks = [c for c in ordered if c.get("format") == "rrweb"]
        fallback_ms = int(ordered[0].get("received_at_ms", 0)) if ordered else 0
        keys = tuple(_chunk_key(c) for c in rrweb_chunks)

        mapped = self._mapped.pop(key, None)
        if (
            mapped is None
            or mapped.fallback_ms != fallback_ms
            or keys[: len(mapped.keys)] != (mapped.keys)
        ):
            mapped = _Mapped(keys=(), fallback_ms=fallback_ms, last_ts=fallback_ms)
        added = rrweb_chunks[len(mapped.keys) :]
        for chunk in added:
            _extend(mapped, unpack(chunk["payload"]), _clamped(chunk))
        mapped.keys = keys
        if added and not mapped.mirror.has_pending:
            for event in mapped.events:
                if event["kind"] == "mutation" and "orphaned" in event["flags"]:
                    event["flags"].remove("orphaned")
        self._mapped[key] = mapped
        while len(self._mapped) > self.size:
            self._mapped.popitem(last=False)

        events = [dict(e) for e in mapped.events]
        for chunk in ordered:
            if chunk.get("format") != "rrweb":
                events.extend(unpack(chunk.get("payload")))
        events.sort(key=lambda e: e["ts"])
        return events


def _chunk_key(chunk: dict[str, Any]) -> str:
    content = hashlib.blake2b("".join(chunk.get("hashes") or ()).encode(), digest_size=8)
    return f"{chunk['_id']}@{content.hexdigest()}"


def _clamped(chunk: dict[str, Any]) -> list[bool]:
    """Per rrweb event of the chunk: whether ingest clamped its outlier time (store_chunk keeps
    their identities in ``clamped_hashes``, parallel to ``hashes``)."""
    marked = set(chunk.get("clamped_hashes") or ())
    return [digest in marked for digest in chunk.get("hashes") or ()]


def _flag_clamped(events: list[dict[str, Any]], clamped: list[bool]) -> None:
    """Flag ``ts_clamped`` on events from clamped raw events: detectors leave them out."""
    for event in events:
        index = event["source_index"]
        if index < len(clamped) and clamped[index]:
            event["flags"] = [*event.get("flags", []), "ts_clamped"]


def _extend(mapped: _Mapped, raw: list[dict[str, Any]], clamped: list[bool]) -> None:
    """Map one more chunk's rrweb events, going on from where the earlier ones left off."""
    events = rrweb.to_events(raw, mirror=mapped.mirror, fallback_ts_ms=mapped.last_ts)
    _flag_clamped(events, clamped)  # type: ignore[arg-type]
    for event in events:
        event["source_index"] += mapped.raw_count
    mapped.events.extend(dict(e) for e in events)
    mapped.raw_count += len(raw)
    for item in reversed(raw):
        ts = item.get("timestamp") if isinstance(item, dict) else None
        if isinstance(ts, int | float) and not isinstance(ts, bool):
            mapped.last_ts = int(ts)
            break


MAPPINGS = WindowMappings()
"""The worker process's window mappings (jobs of one process share it; each session is locked)."""


def page_views_of(
    session_id: str, chunks: list[dict[str, Any]], mappings: WindowMappings | None = None
) -> list[PageViewTimeline]:
    """Split each window's events into page views at every ``load`` or ``navigation`` (an
    in-page route change is a page view of its own, as ``ingest.sessions.page_views`` counts).

    Events before a window's first page-view start (rrweb's DomContentLoaded and Load precede
    its Meta) belong to that first page view rather than to one of their own without a URL.
    With ``mappings``, windows are mapped from where this process last left them.
    """
    by_window: dict[str, list[dict[str, Any]]] = {}
    for chunk in chunks:
        by_window.setdefault(chunk["window_id"], []).append(chunk)

    page_views: list[PageViewTimeline] = []
    for window_id in sorted(by_window):
        current: PageViewTimeline | None = None
        leading: list[dict[str, Any]] = []
        window_chunks = by_window[window_id]
        events = (
            mappings.window_events(f"{session_id}|{window_id}", window_chunks)
            if mappings is not None
            else window_events(window_chunks)
        )
        for event in events:
            if event["kind"] not in PAGE_VIEW_KINDS:
                if current is None:
                    leading.append(event)
                else:
                    current.events.append(event)
                continue
            url = str((event.get("data") or {}).get("url", ""))
            current = PageViewTimeline(
                id=f"{session_id}:{window_id}:{len(page_views)}", window_id=window_id, url=url
            )
            current.events.extend([*leading, event])
            leading = []
            page_views.append(current)
        if leading:  # a window whose page load was never seen
            orphan = PageViewTimeline(
                id=f"{session_id}:{window_id}:{len(page_views)}", window_id=window_id, url=""
            )
            orphan.events.extend(leading)
            page_views.append(orphan)
    page_views.sort(key=lambda pv: (pv.started_at, pv.id))
    return page_views
