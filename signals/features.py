"""A page view's behaviour as a few numbers, the input of the unusualness model."""

from __future__ import annotations

from signals.model import PageView
from signals.timeline import is_clamped

FEATURE_NAMES = (
    "duration_s",
    "clicks",
    "clicked_elements",
    "scroll_px",
    "inputs",
    "errors",
    "failed_requests",
    "page_changes",
)


def page_view_features(page_view: PageView) -> dict[str, float]:
    """Counts and sizes of what happened in the page view, by name (FEATURE_NAMES).

    Events with a clamped time count, but do not stretch the duration. Values are rounded so
    that the stored features, and a model fitted on them, do not depend on float noise.
    """
    clicks = errors = failed = inputs = changes = 0
    clicked: set[int] = set()
    scroll_px = 0.0
    last_scroll: dict[object, float] = {}
    last_ts = page_view.start_ts

    for event in page_view.events:
        kind, data = event.get("kind"), event.get("data") or {}
        if not is_clamped(event):
            last_ts = max(last_ts, int(event.get("ts", last_ts)))
        if kind == "click":
            clicks += 1
            clicked.add(event.get("node") or -1)
        elif kind == "input":
            inputs += 1
        elif kind == "error":
            errors += 1
        elif kind == "request":
            failed += 1
        elif kind == "mutation":
            changes += 1
        elif kind == "scroll" and isinstance(data.get("y"), int | float):
            key = event.get("node")
            # Containers start at the top; a page restored further down counts that jump once.
            scroll_px += abs(float(data["y"]) - last_scroll.get(key, 0.0))
            last_scroll[key] = float(data["y"])

    end_ts = page_view.end_ts if page_view.end_ts is not None else last_ts
    values = (
        max(0.0, (end_ts - page_view.start_ts) / 1000),
        clicks,
        len(clicked),
        scroll_px,
        inputs,
        errors,
        failed,
        changes,
    )
    return {name: round(float(value), 3) for name, value in zip(FEATURE_NAMES, values, strict=True)}
