"""Running all detectors over page views and sessions; signals as stored documents."""

from __future__ import annotations

import json

from ingest.model import Event
from signals.detect import detect_page_view, detect_session
from signals.model import PageView, Signal
from tests.signals.events import T0, click, ev, load, move


def page(n: int, path: str, start_ms: int, *events: Event, window: str = "w1") -> PageView:
    return PageView(
        id=f"pv{n}",
        session_id="s1",
        path=path,
        template=path,
        start_ts=T0 + start_ms,
        events=(load(start_ms, path=path), *events),
        window_id=window,
    )


def test_a_page_view_gets_every_kind_found_in_time_order() -> None:
    view = page(
        1, "/pay", 0, click(1000), click(1200), click(1400), ev("error", 1500), move(9000, 1, 1)
    )

    kinds = [s.kind for s in detect_page_view(view)]

    assert kinds == ["dead_click", "rage_click", "error_click"]


def test_a_click_right_before_the_next_page_view_is_not_dead() -> None:
    first = page(1, "/list", 0, click(1000))
    second = page(2, "/detail", 1500, move(9000, 1, 1))

    assert detect_session([first, second]) == []


def test_the_next_page_view_of_another_window_is_no_navigation() -> None:
    first = page(1, "/list", 0, click(1000), move(9000, 1, 1))
    other = page(2, "/detail", 1500, window="w2")

    assert [s.kind for s in detect_session([first, other])] == ["dead_click"]


def test_a_signal_round_trips_through_a_json_document() -> None:
    (signal,) = [s for s in detect_page_view(page(1, "/pay", 0, click(1000), move(9000, 1, 1)))]

    doc = json.loads(json.dumps(signal.to_dict()))
    doc["false_positive"] = True

    restored = Signal.from_dict(doc)
    assert restored.kind == signal.kind and restored.details == signal.details
    assert restored.thresholds == signal.thresholds and restored.false_positive is True


def test_signals_of_a_page_view_with_clamped_events_say_so_and_keep_it_when_stored() -> None:
    late = click(1300)
    late["flags"] = ["ts_clamped"]
    view = page(1, "/pay", 0, click(1000), click(1200), late, move(9000, 1, 1))

    (signal,) = detect_page_view(view)
    restored = Signal.from_dict(json.loads(json.dumps(signal.to_dict())))

    # Two timed clicks: a dead click, not a rage burst of three.
    assert (signal.kind, signal.details) == ("dead_click", {"clicks": 2})
    assert restored.flags == signal.flags == ("clamped_events_ignored",)


def test_signals_without_clamped_events_are_stored_without_flags() -> None:
    (signal,) = detect_page_view(page(1, "/pay", 0, click(1000), move(9000, 1, 1)))

    assert signal.flags == () and "flags" not in signal.to_dict()
