"""Dead and slow clicks: a press on a button or link that the page does not (quickly) answer."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.model import Event
from signals.elements import acts_elsewhere, matches_any, opens_native_ui, pressable
from signals.error_clicks import problems_after_clicks
from signals.model import DEAD_CLICK, SLOW_CLICK, Signal, SignalFactory
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds
from signals.timeline import Timeline

PRESS_KINDS = ("mousedown", "touchstart")
PRESS_LOOKBACK_MS = 1000


def dead_clicks_in(
    events: Sequence[Event],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    page_view_id: str | None = None,
    left_at_ms: int | None = None,
    ended_at_ms: int | None = None,
) -> list[Signal]:
    """`dead_click` and `slow_click` signals for one page view.

    `left_at_ms` is when the next page view started (a navigation answers a click). Without a
    next page view, a click less than `dead_click_ms` before `ended_at_ms` (the page view's end)
    is not judged: the session may have gone on elsewhere (a link off the site). Repeated dead
    clicks on one element within `dead_click_ms` of each other make one signal with a count.
    A click followed by an error or a failed request is an error click and nothing else: the
    page did answer, with a failure, and one failure should not be counted twice.
    """
    timeline = Timeline(events, left_at_ms)
    factory = SignalFactory(thresholds, page_view_id)
    presses = timeline.of_kind(*PRESS_KINDS)
    signals: list[Signal] = []
    open_dead: tuple[Event, int, int] | None = None  # first click, last click ts, count
    error_clicks = problems_after_clicks(timeline, thresholds)

    for index, click in enumerate(timeline.of_kind("click")):
        if index in error_clicks or not _expects_visible_answer(click, thresholds):
            continue
        ts = int(click["ts"])
        if _answered_instantly(click, _press_ts(presses, ts), timeline, thresholds):
            continue

        # A change stamped in the click's own millisecond was made by its handler: start at ts - 1.
        answer = timeline.first(("change", "navigation"), ts - 1, ts + thresholds.slow_click_ms)
        if answer is not None and answer - ts <= thresholds.dead_click_ms:
            continue
        if answer is not None:
            signals.append(factory.make(SLOW_CLICK, ts, answer, click, response_ms=answer - ts))
            continue

        if left_at_ms is None and ended_at_ms is not None:
            if ended_at_ms - ts <= thresholds.dead_click_ms:
                continue
        if open_dead and _same_element(open_dead[0], click):
            if ts - open_dead[1] <= thresholds.dead_click_ms:
                open_dead = (open_dead[0], ts, open_dead[2] + 1)
                continue
        if open_dead:
            signals.append(_dead(factory, *open_dead))
        open_dead = (click, ts, 1)

    if open_dead:
        signals.append(_dead(factory, *open_dead))
    return sorted(signals, key=lambda s: (s.ts, s.kind))


def _dead(factory: SignalFactory, first: Event, last_ts: int, count: int) -> Signal:
    return factory.make(DEAD_CLICK, int(first["ts"]), last_ts, first, clicks=count)


def _expects_visible_answer(click: Event, thresholds: Thresholds) -> bool:
    """A plain click on a button or link whose effect should show on this page."""
    target = click.get("target")
    if not pressable(target):
        return False
    if (click.get("data") or {}).get("modifiers"):
        # Ctrl/Cmd/Shift/middle clicks open new tabs or windows by design.
        return False
    if acts_elsewhere(target, thresholds.download_extensions) or opens_native_ui(target):
        return False
    return not matches_any(target, thresholds.dead_click_ignore_selectors)


def _press_ts(presses: list[Event], click_ts: int) -> int:
    """When the button went down for this click (the click's own time if unknown)."""
    for press in reversed(presses):
        ts = int(press["ts"])
        if ts <= click_ts:
            return ts if click_ts - ts <= PRESS_LOOKBACK_MS else click_ts
    return click_ts


def _answered_instantly(
    click: Event, press_ts: int, timeline: Timeline, thresholds: Thresholds
) -> bool:
    """A scroll or selection right after the click, or a tab/window focus change around it.

    A click that only brings a tab or window to the front is preceded by the visibility change,
    hence the window for visibility starts before the press. A window blur right after a click
    (native trackers send it) is a file or print dialog opening.
    """
    ts, slack = int(click["ts"]), thresholds.instant_response_ms
    if timeline.any_within(("scroll", "selection"), ts, ts + slack):
        return True
    return timeline.any_within(("visibility",), press_ts - slack, ts + slack)


def _same_element(first: Event, click: Event) -> bool:
    node = first.get("node")
    return node is not None and node == click.get("node")
