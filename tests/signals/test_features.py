"""A page view's features: the numbers the unusualness model sees."""

from __future__ import annotations

from signals.features import FEATURE_NAMES, page_view_features
from signals.model import PageView
from tests.signals.events import T0, click, ev, load, mutation, scroll


def test_features_count_what_happened_on_the_page() -> None:
    events = (
        load(),
        click(1000, node=20),
        click(2000, node=21),
        click(2500, node=20),
        mutation(1100),
        scroll(3000, 400),
        scroll(4000, 100),
        ev("input", 5000, node=30, masked=True, length=3),
        ev("error", 6000, message="x"),
        ev("request", 6100, url="https://city.example.test/api", status=500, method="GET"),
    )
    view = PageView("pv1", "s1", "/pay", "/pay", T0, T0 + 30_000, events)

    features = page_view_features(view)

    assert list(features) == list(FEATURE_NAMES)
    assert features == {
        "duration_s": 30.0,
        "clicks": 3.0,
        "clicked_elements": 2.0,
        "scroll_px": 700.0,
        "inputs": 1.0,
        "errors": 1.0,
        "failed_requests": 1.0,
        "page_changes": 1.0,
    }


def test_a_clamped_event_counts_but_does_not_stretch_an_open_page_view() -> None:
    stray = click(400_000)
    stray["flags"] = ["ts_clamped"]
    view = PageView("pv1", "s1", "/pay", "/pay", T0, None, (load(), click(2000), stray))

    features = page_view_features(view)

    assert (features["duration_s"], features["clicks"]) == (2.0, 2.0)
