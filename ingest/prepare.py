"""One validated batch → ordered, deduplicated raw events and their analytics events.

The steps in order: dedupe → clock shift and outlier clamping → stable order → event ids →
page life → analytics events (rrweb mapping with the page life's DOM mirror, or native) →
session parts and page views. The caller keeps the states between batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest import native, rrweb
from ingest.dom import DomMirror
from ingest.envelope import Batch
from ingest.model import Event
from ingest.order import (
    arrival_order,
    clock_shift_ms,
    correct_times,
    dedupe,
    event_id,
    event_time,
)
from ingest.sessions import (
    SessionState,
    WindowState,
    assign_page_life,
    page_fingerprint,
    page_views,
    path_template,
    split_session,
)


@dataclass
class Prepared:
    """A batch ready to store. `events[i]["source_index"]` points into `raw_events`."""

    raw_events: list[dict[str, Any]]
    # Position of each raw event in the request's `events` array.
    raw_indexes: list[int]
    raw_ids: list[str]
    raw_flags: list[list[str]]
    events: list[Event]
    # Storage id of each analytics event: its raw event's id and its position among its siblings.
    event_ids: list[str]
    shift_ms: int
    page_life: int
    duplicated_tab: bool
    session: SessionState
    page_view: int
    duplicates_dropped: int
    orphans: list[int] = field(default_factory=list)
    # Page-level flags: `missing_full_snapshot` when rrweb changes arrive for a page the mirror
    # never saw a snapshot of (it was rejected, lost, or recorded before the batch window).
    flags: list[str] = field(default_factory=list)


def prepare_batch(
    batch: Batch,
    received_at_ms: int,
    session: SessionState | None = None,
    window: WindowState | None = None,
    shift_ms: int | None = None,
    mirrors: dict[int, DomMirror] | None = None,
) -> Prepared:
    """Prepare one batch. `window` and `mirrors` (one per page life) are updated in place.

    `session` and `shift_ms` are the values returned for the previous batch of the same session
    (`window` and `mirrors` belong to the batch's window); omit them for the first batch.
    """
    window = window if window is not None else WindowState()
    mirrors = mirrors if mirrors is not None else {}

    kept = dedupe(batch.events)
    events = [batch.events[i] for i in kept]
    # Ids and the page fingerprint come from the browser's own times: a retry has the same
    # ones even when it arrives later and is shifted differently.
    positions = [batch.indexes[i] for i in kept]
    ids = [
        event_id(
            batch.site_key, batch.session_id, batch.window_id, e, seq=batch.seq, index=position
        )
        for e, position in zip(events, positions, strict=True)
    ]
    fingerprint = page_fingerprint(events)

    shift = clock_shift_ms(batch.sent_at_ms, received_at_ms, shift_ms)
    events, flags = correct_times(events, received_at_ms, shift)

    order = arrival_order(events)
    events = [events[i] for i in order]
    flags = [flags[i] for i in order]
    ids = [ids[i] for i in order]
    positions = [positions[i] for i in order]

    life, duplicated = assign_page_life(window, batch.seq, fingerprint, batch.page_id)
    mirror = mirrors.setdefault(life, DomMirror())
    fallback = next((t for t in map(event_time, events) if t is not None), received_at_ms)
    if batch.format == "native":
        analytics = native.to_events(events)
    else:
        analytics = rrweb.to_events(events, mirror, fallback_ts_ms=fallback)

    parts, session_after = split_session(session or SessionState(), [e["ts"] for e in analytics])
    views = page_views(analytics, window.lives[life].get("page_view", -1))
    if views:
        window.lives[life]["page_view"] = views[-1]
    for event, part, view in zip(analytics, parts, views, strict=True):
        event["flags"] = event.get("flags", []) + flags[event["source_index"]]
        event["session_part"] = part
        event["page_life"] = life
        event["page_view"] = view
        if event["kind"] in ("load", "navigation"):
            event["data"]["path"] = path_template(event["data"].get("url") or "")

    siblings: dict[int, int] = {}
    event_ids = []
    for event in analytics:
        source = event["source_index"]
        siblings[source] = siblings.get(source, -1) + 1
        event_ids.append(f"{ids[source]}.{siblings[source]}")

    return Prepared(
        raw_events=events,
        raw_indexes=positions,
        raw_ids=ids,
        raw_flags=flags,
        events=analytics,
        event_ids=event_ids,
        shift_ms=shift,
        page_life=life,
        duplicated_tab=duplicated,
        session=session_after,
        page_view=window.lives[life].get("page_view", -1),
        duplicates_dropped=len(batch.events) - len(kept),
        orphans=mirror.orphans,
        flags=_page_flags(batch, events, mirror),
    )


def _page_flags(batch: Batch, events: list[dict[str, Any]], mirror: DomMirror) -> list[str]:
    if batch.format != "rrweb" or mirror.has_snapshot:
        return []
    if any(e.get("type") == rrweb.INCREMENTAL for e in events):
        return ["missing_full_snapshot"]
    return []
