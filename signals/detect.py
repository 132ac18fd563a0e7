"""Run every detector over a page view, and over a session's page views."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from signals.cursor import thrashed_cursor_in
from signals.dead import dead_clicks_in
from signals.error_clicks import error_clicks_in
from signals.forms import form_abandonment_in
from signals.model import CLAMPED_EVENTS_IGNORED, PageView, Signal, sort_signals
from signals.navigation import (
    ThresholdsFor,
    by_window,
    page_loops_in,
    quick_backs_in,
    thresholds_of,
)
from signals.rage import rage_clicks_in
from signals.scrolling import excessive_scrolling_in
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds
from signals.timeline import clamped_events

logger = logging.getLogger(__name__)


class PageViewDetector(Protocol):
    """What ``detect_session`` runs per page view: ``detect_page_view`` or a stand-in."""

    def __call__(
        self, page_view: PageView, thresholds: Thresholds, *, left_at_ms: int | None
    ) -> list[Signal]: ...


PAGE_DETECTORS = (rage_clicks_in, error_clicks_in, thrashed_cursor_in)


def detect_page_view(
    page_view: PageView,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    left_at_ms: int | None = None,
    container_heights_px: Mapping[int, float] | None = None,
) -> list[Signal]:
    """All page-level signals of one page view, in time order.

    `left_at_ms` is when the next page view in the same window started (a navigation). Events
    with clamped times are left out of every rule; the signals of such a page view say so in
    their `flags`, so a reviewer knows part of the page view's timing was unknown.
    """
    events, view_id = page_view.events, page_view.id
    signals: list[Signal] = []
    for detector in PAGE_DETECTORS:
        signals.extend(detector(events, thresholds, page_view_id=view_id, left_at_ms=left_at_ms))

    signals.extend(
        dead_clicks_in(
            events,
            thresholds,
            page_view_id=view_id,
            left_at_ms=left_at_ms,
            ended_at_ms=page_view.end_ts,
        )
    )
    signals.extend(
        excessive_scrolling_in(
            events,
            thresholds,
            page_view_id=view_id,
            left_at_ms=left_at_ms,
            container_heights_px=container_heights_px,
        )
    )
    signals.extend(
        form_abandonment_in(
            events,
            thresholds,
            page_view_id=view_id,
            left_at_ms=left_at_ms,
            ended_at_ms=page_view.end_ts,
        )
    )
    if clamped_events(events):
        signals = [replace(s, flags=(*s.flags, CLAMPED_EVENTS_IGNORED)) for s in signals]
    return sort_signals(signals)


def detect_session(
    page_views: Sequence[PageView],
    thresholds: ThresholdsFor = DEFAULT_THRESHOLDS,
    page_view_detector: PageViewDetector | None = None,
) -> list[Signal]:
    """All signals of one session: each page view's, then quick backs and page loops.

    ``page_view_detector`` stands in for ``detect_page_view`` (the worker passes a memoised one).
    """
    detect = page_view_detector or detect_page_view
    signals: list[Signal] = []
    for views in by_window(page_views):
        for view, following in zip(views, [*views[1:], None], strict=True):
            left_at = following.start_ts if following is not None else None
            limits = thresholds_of(thresholds, view.template)
            signals.extend(detect(view, limits, left_at_ms=left_at))

    signals.extend(quick_backs_in(page_views, thresholds))
    signals.extend(page_loops_in(page_views, thresholds))
    logger.debug("detected %d signals over %d page views", len(signals), len(page_views))
    return sort_signals(signals)
