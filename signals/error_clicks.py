"""Error clicks: a JavaScript error or a failed request right after a click."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from ingest.model import Event
from signals.model import ERROR_CLICK, Signal, SignalFactory
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds
from signals.timeline import Timeline


def error_clicks_in(
    events: Sequence[Event],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    page_view_id: str | None = None,
    left_at_ms: int | None = None,
) -> list[Signal]:
    """One `error_click` per click followed within `error_click_ms` by errors or failed requests.

    Each error is given to the latest click before it only, so one error never makes two signals.
    """
    timeline = Timeline(events, left_at_ms)
    factory = SignalFactory(thresholds, page_view_id)
    clicks = timeline.of_kind("click")
    found = problems_after_clicks(timeline, thresholds)

    signals = []
    for index, problems in sorted(found.items()):
        click = clicks[index]
        errors = sum(1 for p in problems if p.get("kind") == "error")
        signals.append(
            factory.make(
                ERROR_CLICK,
                int(click["ts"]),
                int(problems[-1]["ts"]),
                click,
                errors=errors,
                failed_requests=len(problems) - errors,
                first_problem_ms=int(problems[0]["ts"]) - int(click["ts"]),
            )
        )
    return signals


def problems_after_clicks(timeline: Timeline, thresholds: Thresholds) -> dict[int, list[Event]]:
    """Errors and failed requests per click (index into the timeline's clicks) they followed
    within `error_click_ms`; each goes to the latest click before it only."""
    click_times = [int(c["ts"]) for c in timeline.of_kind("click")]
    found: dict[int, list[Event]] = {}
    for problem in timeline.of_kind("error", "request"):
        if not _is_problem(problem, thresholds):
            continue
        ts = int(problem["ts"])
        index = bisect_right(click_times, ts) - 1
        if index >= 0 and ts - click_times[index] <= thresholds.error_click_ms:
            found.setdefault(index, []).append(problem)
    return found


def _is_problem(event: Event, thresholds: Thresholds) -> bool:
    if event.get("kind") == "error":
        return True
    status = (event.get("data") or {}).get("status")
    # Status 0 (network failure) is left out: browsers also report it for requests a navigation
    # aborts, which would turn every link click into an error click.
    return isinstance(status, int) and status >= thresholds.failed_request_status
