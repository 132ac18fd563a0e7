"""Session-level signals: quick backs (U-turns) and page loops."""

from __future__ import annotations

from signals.model import PageView
from signals.navigation import page_loops_in, quick_backs_in
from signals.thresholds import resolve_thresholds
from tests.signals.events import T0


def view(n: int, path: str, start_s: float, window: str = "w1") -> PageView:
    return PageView(
        id=f"pv{n}",
        session_id="s1",
        path=path,
        template=path,
        start_ts=T0 + int(start_s * 1000),
        window_id=window,
    )


def test_a_to_b_and_back_within_7_s_is_a_quick_back_on_b() -> None:
    views = [view(1, "/services", 0), view(2, "/parking", 10), view(3, "/services", 13)]

    (signal,) = quick_backs_in(views)

    assert (signal.kind, signal.page_view_id) == ("quick_back", "pv2")
    assert signal.details == {"dwell_ms": 3000, "back_to": "/services"}


def test_staying_7_s_or_longer_is_no_quick_back() -> None:
    views = [view(1, "/services", 0), view(2, "/parking", 10), view(3, "/services", 17)]

    assert quick_backs_in(views) == []


def test_page_views_of_different_windows_are_not_chained() -> None:
    views = [view(1, "/services", 0), view(2, "/parking", 10, "w2"), view(3, "/services", 13)]

    assert quick_backs_in(views) == []


def test_a_template_override_changes_the_dwell_limit() -> None:
    views = [view(1, "/services", 0), view(2, "/parking", 10), view(3, "/services", 13)]
    limits = {"/parking": resolve_thresholds(template_overrides={"quick_back_dwell_ms": 2000})}

    assert quick_backs_in(views, lambda template: limits.get(template, resolve_thresholds())) == []


def test_three_loads_of_a_page_within_15_s_make_one_page_loop() -> None:
    views = [view(1, "/login", 0), view(2, "/help", 3), view(3, "/login", 5), view(4, "/login", 9)]
    views.append(view(5, "/login", 14))

    (signal,) = page_loops_in(views)

    assert (signal.kind, signal.page_view_id, signal.ts) == ("page_loop", "pv1", T0)
    assert signal.details == {"views": 4, "span_ms": 14000}


def test_three_loads_spread_over_more_than_15_s_are_no_loop() -> None:
    views = [view(1, "/login", 0), view(2, "/login", 8), view(3, "/login", 16)]

    assert page_loops_in(views) == []
