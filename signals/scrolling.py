"""Excessive scrolling: up and down a container, far and repeatedly, without doing anything."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ingest.model import Event
from signals.model import EXCESSIVE_SCROLL, Signal, SignalFactory
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds
from signals.timeline import Timeline

# Events that show the person found something to act on; they end a scroll run.
INTERACTIONS = frozenset({"click", "dblclick", "contextmenu", "input", "submit", "selection"})
DOCUMENT = "document"
DEFAULT_VIEWPORT_WIDTH_PX = 1280.0


@dataclass
class _Run:
    key: int | str
    first: Event
    end_ms: int
    extent_px: dict[str, float]
    positions: dict[str, list[float]] = field(default_factory=lambda: {"x": [], "y": []})


def excessive_scrolling_in(
    events: Sequence[Event],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    page_view_id: str | None = None,
    left_at_ms: int | None = None,
    container_heights_px: Mapping[int, float] | None = None,
) -> list[Signal]:
    """`excessive_scroll` signals, per scroll container (the document or an inner element).

    A run of scrolls on one container ends at an interaction or after `scroll_idle_ms` without
    scrolling. It is flagged when it covers `scroll_min_distance_ratio` × the container's height
    with `scroll_min_reversals` direction changes. Inner container heights come from
    `container_heights_px`, from `height` in the scroll data, or `inner_container_height_px`.
    """
    timeline = Timeline(events, left_at_ms)
    factory = SignalFactory(thresholds, page_view_id)
    signals = []
    for run in _scroll_runs(timeline, thresholds, container_heights_px or {}):
        for axis in ("y", "x"):
            distance, reversals = _travel(run.positions[axis], thresholds.scroll_reversal_min_px)
            extent = run.extent_px[axis]
            if reversals < thresholds.scroll_min_reversals:
                continue
            if distance < thresholds.scroll_min_distance_ratio * extent:
                continue
            signal = factory.make(
                EXCESSIVE_SCROLL,
                int(run.first["ts"]),
                run.end_ms,
                run.first,
                axis=axis,
                distance_px=round(distance),
                reversals=reversals,
                container_px=round(extent),
                container=DOCUMENT if run.key == DOCUMENT else "element",
            )
            signals.append(signal)
            break
    return signals


def _scroll_runs(
    timeline: Timeline, thresholds: Thresholds, heights: Mapping[int, float]
) -> list[_Run]:
    """Runs of scrolling per container, in order of their start."""
    viewport = {"x": DEFAULT_VIEWPORT_WIDTH_PX, "y": thresholds.default_viewport_height_px}
    runs: dict[int | str, _Run] = {}
    finished: list[_Run] = []

    for event in timeline.events:
        kind, ts = event.get("kind"), int(event.get("ts", 0))
        data = event.get("data") or {}
        if kind in ("load", "resize"):
            viewport["x"] = _positive(data.get("width")) or viewport["x"]
            viewport["y"] = _positive(data.get("height")) or viewport["y"]
        elif kind in INTERACTIONS:
            finished.extend(runs.values())
            runs.clear()
        elif kind == "scroll":
            key = _container(event)
            run = runs.get(key)
            if run is None or ts - run.end_ms > thresholds.scroll_idle_ms:
                if run is not None:
                    finished.append(run)
                run = runs[key] = _Run(
                    key, event, ts, _extent(key, event, viewport, thresholds, heights)
                )
            run.end_ms = ts
            for axis in ("x", "y"):
                if isinstance(data.get(axis), (int, float)):
                    run.positions[axis].append(float(data[axis]))

    finished.extend(runs.values())
    return sorted(finished, key=lambda r: int(r.first["ts"]))


def _container(event: Event) -> int | str:
    data = event.get("data") or {}
    node = event.get("node")
    if node is None or data.get("document") is True:
        return DOCUMENT
    return int(node)


def _extent(
    key: int | str,
    event: Event,
    viewport: dict[str, float],
    thresholds: Thresholds,
    heights: Mapping[int, float],
) -> dict[str, float]:
    """The container's visible size along each axis."""
    if key == DOCUMENT:
        return dict(viewport)
    data = event.get("data") or {}
    height = (
        _positive(heights.get(int(key)))
        or _positive(data.get("height"))
        or thresholds.inner_container_height_px
    )
    width = _positive(data.get("width")) or height
    return {"x": width, "y": height}


def _travel(positions: list[float], reversal_min_px: float) -> tuple[float, int]:
    """Total distance scrolled and the number of direction changes larger than the minimum."""
    if len(positions) < 2:
        return 0.0, 0
    distance = sum(abs(b - a) for a, b in zip(positions, positions[1:], strict=False))
    reversals, direction = 0, 0
    anchor = extreme = positions[0]
    for position in positions[1:]:
        if direction == 0:
            if abs(position - anchor) >= reversal_min_px:
                direction = 1 if position > anchor else -1
                extreme = position
            continue
        if (position - extreme) * direction > 0:
            extreme = position
        elif abs(extreme - position) >= reversal_min_px:
            reversals += 1
            direction = -direction
            extreme = position
    return distance, reversals


def _positive(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return float(value)
