"""Rage clicks: bursts of quick clicks on one spot that the page does not answer."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ingest.model import Event
from signals.elements import is_text_field, matches_any, pressable
from signals.model import RAGE_CLICK, Signal, SignalFactory
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds
from signals.timeline import Timeline

# What counts as the page visibly answering a click.
ANSWERS = ("change", "scroll", "navigation", "visibility")


def rage_clicks_in(
    events: Sequence[Event],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    page_view_id: str | None = None,
    left_at_ms: int | None = None,
) -> list[Signal]:
    """One `rage_click` signal per burst of clicks that looks like frustration."""
    timeline = Timeline(events, left_at_ms)
    factory = SignalFactory(thresholds, page_view_id)
    signals: list[Signal] = []

    clicks = [c for c in timeline.of_kind("click") if not _synthetic(c)]
    for burst in _bursts(clicks, thresholds):
        if len(burst) < thresholds.rage_min_clicks:
            continue
        if any(matches_any(c.get("target"), thresholds.rage_ignore_selectors) for c in burst):
            continue
        if _selects_text(burst, timeline, thresholds):
            continue
        if _each_click_works(burst, timeline, thresholds):
            continue
        start, end = int(burst[0]["ts"]), int(burst[-1]["ts"])
        signals.append(factory.make(RAGE_CLICK, start, end, burst[-1], clicks=len(burst)))
    return signals


def _synthetic(click: Event) -> bool:
    """A click from the keyboard (Enter/Space) or a script: browsers put it at (0, 0)."""
    return click.get("x") == 0 and click.get("y") == 0


def _bursts(clicks: list[Event], thresholds: Thresholds) -> list[list[Event]]:
    """Runs of clicks, each close in time and space to the one before."""
    bursts: list[list[Event]] = []
    for click in clicks:
        if bursts and _follows(bursts[-1][-1], click, thresholds):
            bursts[-1].append(click)
        else:
            bursts.append([click])
    return bursts


def _follows(previous: Event, click: Event, thresholds: Thresholds) -> bool:
    if int(click["ts"]) - int(previous["ts"]) >= thresholds.rage_interval_ms:
        return False
    points = (previous.get("x"), previous.get("y"), click.get("x"), click.get("y"))
    if any(p is None or not math.isfinite(p) for p in points):
        # Without positions only the same element keeps a burst together.
        return previous.get("node") is not None and previous.get("node") == click.get("node")
    x0, y0, x1, y1 = (float(p) for p in points)  # type: ignore[arg-type]
    return abs(x1 - x0) + abs(y1 - y0) < thresholds.rage_radius_px


def _selects_text(burst: list[Event], timeline: Timeline, thresholds: Thresholds) -> bool:
    """Multi-clicks that select text: in a text field always; on plain text when the page shows a
    selection change, or a dblclick on an element that has text."""
    if any(is_text_field(c.get("target")) for c in burst):
        return True
    if any(pressable(c.get("target")) for c in burst):
        # Browsers send dblclick for any two quick clicks, also on a dead button.
        return False
    start, end = int(burst[0]["ts"]), int(burst[-1]["ts"])
    if timeline.any_within(("selection",), start, end + thresholds.selection_slack_ms):
        return True
    has_text = any((c.get("target") or {}).get("text") for c in burst)
    return has_text and any(start <= int(e["ts"]) <= end for e in timeline.of_kind("dblclick"))


def _each_click_works(burst: list[Event], timeline: Timeline, thresholds: Thresholds) -> bool:
    """Every click is answered within `click_response_ms`, and not all by one shared change.

    The second condition keeps one unrelated change (a carousel turning) from excusing a burst.
    """
    answers: set[int] = set()
    for click in burst:
        ts = int(click["ts"])
        answer = timeline.first(ANSWERS, ts - 1, ts + thresholds.click_response_ms)
        if answer is None:
            return False
        answers.add(answer)
    return len(answers) >= math.ceil(len(burst) / 2)
