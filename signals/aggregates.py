"""A site's daily aggregates per page template and department, and click heatmaps.

Pure and deterministic: the same page views and signals always give identical output, so the
worker can recompute a day from stored data and get exactly the same documents.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from signals.departments import department_for
from signals.model import SIGNAL_KINDS, PageView, Signal
from signals.score import Score
from signals.shortlist import SessionSummary, struggle_of

VIEWPORT_BREAKPOINTS_PX = (768, 1024)
"""Widths below the first are mobile, below the second tablet, the rest desktop."""
HEATMAP_BIN_PX = 40
# Beyond any real page (browsers cap layout near 2**25 px): such a click is not mapped.
MAX_PAGE_PX = 2**25


@dataclass(frozen=True)
class DayAggregates:
    rows: list[dict[str, Any]]
    """One per (site, day, template, department)."""
    heatmaps: list[dict[str, Any]]
    """One per (site, day, template, viewport class)."""


def viewport_class(
    width_px: float | None, breakpoints_px: tuple[int, int] = VIEWPORT_BREAKPOINTS_PX
) -> str:
    """`mobile`, `tablet`, `desktop`, or `unknown` without a width."""
    if width_px is None or width_px <= 0:
        return "unknown"
    if width_px < breakpoints_px[0]:
        return "mobile"
    return "tablet" if width_px < breakpoints_px[1] else "desktop"


def aggregate_day(
    site: str,
    day: str,
    page_views: Sequence[PageView],
    signals: Sequence[Signal],
    departments: Mapping[str, str],
    *,
    top_elements: int = 10,
    heatmap_bin_px: int = HEATMAP_BIN_PX,
    breakpoints_px: tuple[int, int] = VIEWPORT_BREAKPOINTS_PX,
) -> DayAggregates:
    """Aggregate one day of one site. Signals marked false positive are left out."""
    views = sorted(page_views, key=lambda v: (v.start_ts, v.id))
    by_view: dict[str, list[Signal]] = {}
    for signal in signals:
        if not signal.false_positive and signal.page_view_id is not None:
            by_view.setdefault(signal.page_view_id, []).append(signal)

    groups: dict[tuple[str, str], list[PageView]] = {}
    for view in views:
        key = (view.template, department_for(view.path, departments))
        groups.setdefault(key, []).append(view)

    rows = [
        _row(site, day, template, department, members, by_view, top_elements)
        for (template, department), members in sorted(groups.items())
    ]
    return DayAggregates(rows, _heatmaps(site, day, views, heatmap_bin_px, breakpoints_px))


def _row(
    site: str,
    day: str,
    template: str,
    department: str,
    views: list[PageView],
    by_view: Mapping[str, list[Signal]],
    top_elements: int,
) -> dict[str, Any]:
    kinds: Counter[str] = Counter()
    elements: dict[str, Counter[str]] = {}
    texts: dict[str, str] = {}
    with_signal = 0
    for view in views:
        found = by_view.get(view.id, [])
        with_signal += 1 if found else 0
        for signal in found:
            kinds[signal.kind] += 1
            selector = (signal.target or {}).get("selector", "")
            if selector:
                elements.setdefault(selector, Counter())[signal.kind] += 1
                texts.setdefault(selector, (signal.target or {}).get("text", ""))

    ranked = sorted(elements.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return {
        "site": site,
        "day": day,
        "template": template,
        "department": department,
        "sessions": len({v.session_id for v in views}),
        "page_views": len(views),
        "signals": {kind: kinds.get(kind, 0) for kind in SIGNAL_KINDS},
        "page_views_with_signal": with_signal,
        "frustration_rate": round(with_signal / len(views), 6) if views else 0.0,
        "top_elements": [
            {
                "selector": selector,
                "text": texts[selector],
                "signals": sum(counts.values()),
                "kinds": dict(sorted(counts.items())),
            }
            for selector, counts in ranked[:top_elements]
        ],
    }


def _heatmaps(
    site: str,
    day: str,
    views: list[PageView],
    bin_px: int,
    breakpoints_px: tuple[int, int],
) -> list[dict[str, Any]]:
    """Click counts in square bins of page coordinates (x, and y plus the page's scroll)."""
    bins: dict[tuple[str, str], Counter[tuple[int, int]]] = {}
    for view in views:
        events = sorted(view.events, key=lambda e: int(e.get("ts", 0)))
        viewport = viewport_class(_load_width(events), breakpoints_px)
        counts = bins.setdefault((view.template, viewport), Counter())
        scroll_y = 0.0
        for event in events:
            kind, data = event.get("kind"), event.get("data") or {}
            x, y = event.get("x"), event.get("y")
            if kind == "scroll" and (data.get("document") or event.get("node") is None):
                scroll_y = _page_px(data.get("y")) or 0.0
            elif kind == "click" and x is not None and y is not None:
                page_x, page_y = _page_px(x), _page_px(y + scroll_y)
                # A click off any real page (a forged 1e20 or infinity) is left out of the map.
                if page_x is not None and page_y is not None:
                    counts[(int(page_x // bin_px), int(page_y // bin_px))] += 1

    return [
        {
            "site": site,
            "day": day,
            "template": template,
            "viewport_class": viewport,
            "bin_px": bin_px,
            "clicks": sum(counts.values()),
            "bins": [[x, y, n] for (x, y), n in sorted(counts.items())],
        }
        for (template, viewport), counts in sorted(bins.items())
        if counts
    ]


def _page_px(value: Any) -> float | None:
    """A page coordinate as a float, or None when it is not a number any page could have."""
    try:
        px = float(value or 0.0)
    except (TypeError, ValueError):
        return None
    return px if math.isfinite(px) and abs(px) <= MAX_PAGE_PX else None


def _load_width(events: Sequence[Any]) -> float | None:
    for event in events:
        width = (event.get("data") or {}).get("width")
        if event.get("kind") == "load" and isinstance(width, (int, float)):
            return float(width)
    return None


# The dashboard's per-(site, day) documents. FerretDB v1 on SQLite pushes no filter but `_id`
# equality down to SQL, so the dashboard reads these few documents by `_id` instead of scanning
# sessions, page views and signals; their bulky parts are packed lists (see storage.chunks).

VIEW_BUCKETS = 16
"""A day's page views and signals are split by session id into this many bundles."""
HEAD_SESSIONS = 8
"""A day's highest-scoring sessions whose index rows are copied to ``<site>|heads``."""
HEAD_BUNDLES = 4
"""Of those, how many have their page views, signals and score breakdown copied there too."""
HOUR_MS = 3_600_000
PAGE_SIGNALS = 100
"""Newest signals kept per page, day, kind and false-positive mark: the most a page lists."""
SESSION_FIELDS = (
    "_id", "site_id", "day", "started_at", "ended_at", "event_count", "page_view_count",
    "window_count", "device", "browser", "os", "score", "score_breakdown", "signal_counts",
    "has_response",
)  # fmt: skip
"""What the GraphQL `Session` type shows: the session index keeps these but the score
breakdown, which the bundles keep."""
COLUMNS = (
    "_id", "started_at", "ended_at", "event_count", "page_view_count", "window_count", "device",
    "browser", "os", "score", "signal_counts", "has_response", "templates", "departments",
    "struggle",
)  # fmt: skip
"""The session index's columns: ``SESSION_FIELDS`` but the site, day and score breakdown (in
the bundles), plus what the list filters on and the replay shortlist groups by."""
PAGE_VIEW_FIELDS = (
    "_id", "session_id", "url", "path", "template", "department", "window_id", "started_at",
    "ended_at", "event_count", "signal_counts", "frustrated",
)  # fmt: skip
"""What the GraphQL `PageView` type shows of a page view; the bundles keep these."""
SIGNAL_FIELDS_LEFT_OUT = ("site_id", "day", "department")
"""Fields of a stored signal the bundles leave out: the GraphQL `Signal` type shows none."""


def view_bucket(session_id: str, buckets: int = VIEW_BUCKETS) -> int:
    """The bundle that holds a session's page views and signals."""
    return zlib.crc32(session_id.encode()) % buckets


def session_entry(session: Mapping[str, Any], views: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A session index entry: the session's shown fields plus what the list filters on."""
    entry = {k: session[k] for k in SESSION_FIELDS if k in session}
    entry["templates"] = sorted({v.get("template", "") for v in views})
    entry["departments"] = sorted({v["department"] for v in views if v.get("department")})
    return entry


def score_order(entry: Mapping[str, Any]) -> tuple[bool, float, str]:
    """The ``(score, _id)`` sort key of ``schema.pagination.keyset_key``: no score lowest."""
    score = entry.get("score")
    return (score is not None, 0 if score is None else score, entry["_id"])


def index_columns(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Index entries (in their order) as one list per ``COLUMNS`` field; templates and
    departments as positions in the ``template_names`` and ``department_names`` lists. Columns
    make a day's index quick to unpack and filter: a few long lists, not a dict per session."""
    templates = sorted({t for e in entries for t in e.get("templates", ())})
    departments = sorted({d for e in entries for d in e.get("departments", ())})
    t_pos = {t: i for i, t in enumerate(templates)}
    d_pos = {d: i for i, d in enumerate(departments)}
    columns: dict[str, Any] = {f: [e.get(f) for e in entries] for f in COLUMNS}
    columns["templates"] = [[t_pos[t] for t in e.get("templates", ())] for e in entries]
    columns["departments"] = [[d_pos[d] for d in e.get("departments", ())] for e in entries]
    columns["template_names"] = templates
    columns["department_names"] = departments
    return columns


def column_entry(columns: Mapping[str, Any], row: int, site_id: str, day: str) -> dict[str, Any]:
    """Row ``row`` of ``index_columns`` back as an index entry; fields stored as null are left
    out (the `Session` type reads them with defaults, as it reads a stored session)."""
    entry: dict[str, Any] = {"site_id": site_id, "day": day}
    for field in COLUMNS:
        value = columns[field][row]
        if value is not None:
            entry[field] = value
    entry["templates"] = [columns["template_names"][i] for i in columns["templates"][row]]
    entry["departments"] = [columns["department_names"][i] for i in columns["departments"][row]]
    return entry


def session_struggle(
    session: Mapping[str, Any],
    views: Sequence[Mapping[str, Any]],
    signals: Sequence[Mapping[str, Any]],
) -> list[Any] | None:
    """``[template, element, kinds, text, score]`` of ``signals.shortlist.struggle_of`` for a
    stored session, its page views and signals; None when nothing stands out. Stored in the
    session index, so the shortlist groups sessions without reading their children."""
    found = struggle_of(session_summary(session, views, signals))
    if found is None:
        return None
    (template, element, kinds), text = found
    return [template, element, list(kinds), text, session_score(session).total]


def session_summary(
    session: Mapping[str, Any],
    views: Sequence[Mapping[str, Any]],
    signals: Sequence[Mapping[str, Any]],
) -> SessionSummary:
    """A stored session with its page views and signals as the shortlist reads it."""
    return SessionSummary(
        session_id=session["_id"],
        page_views=[
            PageView(
                id=v["_id"],
                session_id=v["session_id"],
                path=v.get("path", "/"),
                template=v.get("template", "/"),
                start_ts=int(v["started_at"]),
                end_ts=v.get("ended_at"),
                site=v.get("site_id", ""),
                window_id=v.get("window_id", ""),
            )
            for v in views
        ],
        signals=[Signal.from_dict(dict(s)) for s in signals],
        score=session_score(session),
    )


def session_score(session: Mapping[str, Any]) -> Score:
    """The stored score breakdown, or the bare total when there is none."""
    stored = session.get("score_breakdown")
    if isinstance(stored, dict) and "total" in stored:
        return Score.from_dict(stored)
    return Score(total=float(session.get("score") or 0.0), breakdown={}, counts={})


def page_signals(signals: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Per template, the day's newest ``PAGE_SIGNALS`` signals of each kind, and as many more
    of each kind marked false positive, newest first: the newest signals of a page for any
    choice of kinds, with or without false positives, are among them."""
    kept: dict[tuple[str, str, bool], list[Mapping[str, Any]]] = {}
    for doc in sorted(signals, key=lambda d: (d["ts"], d["_id"]), reverse=True):
        template = doc.get("template")
        if isinstance(template, str):
            found = kept.setdefault((template, doc["kind"], bool(doc.get("false_positive"))), [])
            if len(found) < PAGE_SIGNALS:
                found.append(doc)
    by_template: dict[str, list[Mapping[str, Any]]] = {}
    for (template, _, _), docs in sorted(kept.items()):
        by_template.setdefault(template, []).extend(docs)
    for docs in by_template.values():
        docs.sort(key=lambda d: (d["ts"], d["_id"]), reverse=True)
    return by_template


def element_counts(signals: Sequence[Mapping[str, Any]]) -> dict[str, list[list[Any]]]:
    """Per template, ``[kind, selector, text, count]`` of the day's true signals on elements."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for doc in signals:
        selector = (doc.get("target") or {}).get("selector")
        if doc.get("false_positive") or selector is None:
            continue
        text = (doc.get("target") or {}).get("text") or ""
        counts[(doc.get("template") or "", doc["kind"], selector, text)] += 1
    found: dict[str, list[list[Any]]] = {}
    for (template, kind, selector, text), n in sorted(counts.items()):
        found.setdefault(template, []).append([kind, selector, text, n])
    return found


def hour_counts(views: Sequence[Mapping[str, Any]]) -> dict[str, list[list[Any]]]:
    """Per template (and ``""`` for the whole site): ``[hour, views, frustrated, sessions,
    {kind: n}]`` for every hour with page views; ``hour`` is epoch ms divided by an hour."""
    cells: dict[tuple[str, int], list[Any]] = {}
    for view in views:
        hour = int(view["started_at"]) // HOUR_MS
        counts = view.get("signal_counts") or {}
        for template in (view.get("template", ""), ""):
            cell = cells.setdefault((template, hour), [0, 0, set(), Counter()])
            cell[0] += 1
            cell[1] += 1 if any(counts.values()) else 0
            cell[2].add(view["session_id"])
            cell[3].update(counts)
    found: dict[str, list[list[Any]]] = {}
    for (template, hour), (n, frustrated, sessions, kinds) in sorted(cells.items()):
        row = [hour, n, frustrated, len(sessions), {k: v for k, v in kinds.items() if v}]
        found.setdefault(template, []).append(row)
    return found
