"""Session-level signals over the sequence of page views: quick backs and page loops."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from signals.model import PAGE_LOOP, QUICK_BACK, PageView, Signal, SignalFactory
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds

ThresholdsFor = Thresholds | Callable[[str], Thresholds]
"""Either one set of thresholds, or a function from page template to its thresholds."""


def thresholds_of(thresholds: ThresholdsFor, template: str) -> Thresholds:
    return thresholds(template) if callable(thresholds) else thresholds


def by_window(page_views: Sequence[PageView]) -> list[list[PageView]]:
    """Page views of each window (browser tab) in time order; windows in order of first start."""
    windows: dict[str, list[PageView]] = {}
    for view in sorted(page_views, key=lambda v: (v.start_ts, v.id)):
        windows.setdefault(view.window_id, []).append(view)
    return list(windows.values())


def quick_backs_in(
    page_views: Sequence[PageView], thresholds: ThresholdsFor = DEFAULT_THRESHOLDS
) -> list[Signal]:
    """`quick_back` on page B for each A → B → A in one window with less than
    `quick_back_dwell_ms` spent on B."""
    signals: list[Signal] = []
    for views in by_window(page_views):
        for before, view, after in zip(views, views[1:], views[2:], strict=False):
            if before.path != after.path or view.path == before.path:
                continue
            limits = thresholds_of(thresholds, view.template)
            dwell_ms = after.start_ts - view.start_ts
            if dwell_ms >= limits.quick_back_dwell_ms:
                continue
            factory = SignalFactory(limits, view.id)
            signals.append(
                factory.make(
                    QUICK_BACK, view.start_ts, after.start_ts, dwell_ms=dwell_ms, back_to=after.path
                )
            )
    return signals


def page_loops_in(
    page_views: Sequence[PageView], thresholds: ThresholdsFor = DEFAULT_THRESHOLDS
) -> list[Signal]:
    """One `page_loop` per run of visits to one page, `page_loop_min_views` within
    `page_loop_window_ms`, attached to the run's first page view."""
    visits: dict[tuple[str, str], list[PageView]] = {}
    for views in by_window(page_views):
        for view in views:
            visits.setdefault((view.window_id, view.path), []).append(view)

    signals: list[Signal] = []
    for (_window, _path), views in sorted(visits.items()):
        limits = thresholds_of(thresholds, views[0].template)
        need = limits.page_loop_min_views
        in_loop = [False] * len(views)
        for last in range(need - 1, len(views)):
            first = last - need + 1
            if views[last].start_ts - views[first].start_ts <= limits.page_loop_window_ms:
                in_loop[first : last + 1] = [True] * need
        for run in _runs(in_loop):
            first_view, last_view = views[run[0]], views[run[-1]]
            factory = SignalFactory(limits, first_view.id)
            signals.append(
                factory.make(
                    PAGE_LOOP,
                    first_view.start_ts,
                    last_view.start_ts,
                    views=len(run),
                    span_ms=last_view.start_ts - first_view.start_ts,
                )
            )
    return sorted(signals, key=lambda s: (s.ts, s.page_view_id or ""))


def _runs(flags: list[bool]) -> list[list[int]]:
    """Index runs of consecutive True values."""
    runs: list[list[int]] = []
    for index, flag in enumerate(flags):
        if not flag:
            continue
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs
