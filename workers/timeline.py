"""Rebuild a session's ordered analytics events and page views from its stored chunks.

Chunks hold redacted data only: rrweb events for rrweb batches, analytics events for native ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ingest import rrweb
from ingest.sessions import path_template
from storage.chunks import unpack


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
    rrweb_events = [e for c in ordered if c.get("format") == "rrweb" for e in unpack(c["payload"])]
    # Events without a timestamp (some recorders omit it) take the chunk's receive time.
    fallback_ms = int(ordered[0].get("received_at_ms", 0)) if ordered else 0
    events: list[dict[str, Any]] = [
        dict(e) for e in rrweb.to_events(rrweb_events, fallback_ts_ms=fallback_ms)
    ]
    for chunk in ordered:
        if chunk.get("format") != "rrweb":
            events.extend(unpack(chunk.get("payload")))
    # sort() is stable: equal timestamps keep arrival order.
    events.sort(key=lambda e: e["ts"])
    return events


def page_views_of(session_id: str, chunks: list[dict[str, Any]]) -> list[PageViewTimeline]:
    """Split each window's events into page views at every ``load``.

    Events before a window's first ``load`` (rrweb's DomContentLoaded and Load precede its Meta)
    belong to that first page view rather than to one of their own without a URL.
    """
    by_window: dict[str, list[dict[str, Any]]] = {}
    for chunk in chunks:
        by_window.setdefault(chunk["window_id"], []).append(chunk)

    page_views: list[PageViewTimeline] = []
    for window_id in sorted(by_window):
        current: PageViewTimeline | None = None
        leading: list[dict[str, Any]] = []
        for event in window_events(by_window[window_id]):
            if event["kind"] != "load":
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
