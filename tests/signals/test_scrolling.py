"""Excessive scrolling per scroll container."""

from __future__ import annotations

from signals.scrolling import excessive_scrolling_in
from tests.signals.events import T0, click, ev, load, scroll

UP_AND_DOWN = (0, 800, 1600, 1000, 200, 900, 1800, 1100)


def test_scrolling_the_page_up_and_down_is_excessive() -> None:
    events = [load(height=800)] + [scroll(1000 + i * 150, y) for i, y in enumerate(UP_AND_DOWN)]

    (signal,) = excessive_scrolling_in(events)

    assert (signal.kind, signal.ts, signal.end_ts) == ("excessive_scroll", T0 + 1000, T0 + 2050)
    assert signal.details == {
        "axis": "y",
        "distance_px": 5300,
        "reversals": 3,
        "container_px": 800,
        "container": "document",
    }


def test_a_taller_viewport_needs_more_distance() -> None:
    events = [load(height=800), ev("resize", 500, width=1280, height=3000)]
    events += [scroll(1000 + i * 150, y) for i, y in enumerate(UP_AND_DOWN)]

    assert excessive_scrolling_in(events) == []


def test_a_click_between_scrolls_ends_the_run() -> None:
    events = [load()] + [scroll(1000 + i * 150, y) for i, y in enumerate(UP_AND_DOWN[:4])]
    events += [click(1620)]
    events += [scroll(1700 + i * 150, y) for i, y in enumerate(UP_AND_DOWN[4:])]

    assert excessive_scrolling_in(events) == []


def test_a_pause_longer_than_scroll_idle_ms_ends_the_run() -> None:
    events = [load()] + [scroll(1000 + i * 150, y) for i, y in enumerate(UP_AND_DOWN[:4])]
    events += [scroll(6000 + i * 150, y) for i, y in enumerate(UP_AND_DOWN[4:])]

    assert excessive_scrolling_in(events) == []


def test_inner_containers_are_judged_on_their_own_height() -> None:
    positions = (0, 300, 600, 900, 500, 100, 700, 1000, 200)
    events = [load()] + [
        scroll(1000 + i * 200, y, node=30, document=False) for i, y in enumerate(positions)
    ]

    (signal,) = excessive_scrolling_in(events)
    assert (signal.node, signal.details["container"], signal.details["container_px"]) == (
        30,
        "element",
        400,
    )
    assert excessive_scrolling_in(events, container_heights_px={30: 2000}) == []


def test_small_bounces_are_not_reversals() -> None:
    positions = (0, 800, 780, 1600, 1580, 2400, 2390, 3200)
    events = [load()] + [scroll(1000 + i * 150, y) for i, y in enumerate(positions)]

    assert excessive_scrolling_in(events) == []
