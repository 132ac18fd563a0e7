"""A site's daily aggregates per page template and department, and click heatmaps.

Pure and deterministic: the same page views and signals always give identical output, so the
worker can recompute a day from stored data and get exactly the same documents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from signals.departments import department_for
from signals.model import SIGNAL_KINDS, PageView, Signal

VIEWPORT_BREAKPOINTS_PX = (768, 1024)
"""Widths below the first are mobile, below the second tablet, the rest desktop."""
HEATMAP_BIN_PX = 40


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
                scroll_y = float(data.get("y") or 0.0)
            elif kind == "click" and x is not None and y is not None:
                counts[(int(x // bin_px), int((y + scroll_y) // bin_px))] += 1

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


def _load_width(events: Sequence[Any]) -> float | None:
    for event in events:
        width = (event.get("data") or {}).get("width")
        if event.get("kind") == "load" and isinstance(width, (int, float)):
            return float(width)
    return None
