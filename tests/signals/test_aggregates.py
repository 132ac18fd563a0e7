"""Daily aggregates per template and department, heatmaps, departments, viewport classes."""

from __future__ import annotations

import random

from ingest.model import Event
from signals.aggregates import aggregate_day, viewport_class
from signals.departments import department_for
from signals.model import PageView, Signal
from tests.signals.events import T0, click, load, scroll

DEPARTMENTS = {"/parking": "Transport", "/parking/fines": "Finance", "/taxes": "Finance"}
BUTTON = {"tag": "button", "selector": "#pay", "text": "Pay"}


def view(n: int, session: str, path: str, width: int = 1280, *events: Event) -> PageView:
    return PageView(
        f"pv{n}",
        session,
        path,
        path,
        T0 + n,
        None,
        (load(width=width), *events),
        "city",  # type: ignore[arg-type]
    )


def sig(kind: str, page_view: str, on: dict[str, str] | None = BUTTON, fp: bool = False) -> Signal:
    return Signal(kind, T0, T0, 1, on, {}, {}, "1", page_view, fp)


def day() -> tuple[list[PageView], list[Signal]]:
    views = [
        view(
            1,
            "s1",
            "/parking",
            1280,
            click(1000, x=100, y=50),
            scroll(2000, 400),
            click(3000, x=110, y=60),
        ),
        view(2, "s1", "/parking", 390, click(1000, x=20, y=20)),
        view(3, "s2", "/parking", 1280),
        view(4, "s2", "/parking/fines", 1280),
        view(5, "s3", "/about", 800),
    ]
    signals = [
        sig("rage_click", "pv1"),
        sig("dead_click", "pv1"),
        sig("dead_click", "pv2"),
        sig("quick_back", "pv3", on=None),
        sig("rage_click", "pv4", fp=True),
    ]
    return views, signals


def test_rows_count_sessions_page_views_signals_and_frustration_rate() -> None:
    views, signals = day()

    rows = aggregate_day("city", "2023-11-14", views, signals, DEPARTMENTS).rows

    parking = next(r for r in rows if r["template"] == "/parking")
    assert (parking["department"], parking["sessions"], parking["page_views"]) == (
        "Transport",
        2,
        3,
    )
    assert parking["signals"]["dead_click"] == 2 and parking["signals"]["rage_click"] == 1
    assert parking["signals"]["quick_back"] == 1
    assert parking["frustration_rate"] == 1.0
    assert parking["top_elements"] == [
        {
            "selector": "#pay",
            "text": "Pay",
            "signals": 3,
            "kinds": {"dead_click": 2, "rage_click": 1},
        }
    ]
    fines = next(r for r in rows if r["template"] == "/parking/fines")
    assert (fines["department"], fines["frustration_rate"], fines["signals"]["rage_click"]) == (
        "Finance",
        0.0,
        0,
    )
    assert [(r["template"], r["department"]) for r in rows] == [
        ("/about", "unassigned"),
        ("/parking", "Transport"),
        ("/parking/fines", "Finance"),
    ]


def test_heatmaps_bin_clicks_in_page_coordinates_per_viewport_class() -> None:
    views, signals = day()

    heatmaps = aggregate_day("city", "2023-11-14", views, signals, DEPARTMENTS).heatmaps

    assert [(h["template"], h["viewport_class"], h["clicks"]) for h in heatmaps] == [
        ("/parking", "desktop", 2),
        ("/parking", "mobile", 1),
    ]
    # The second click happened after scrolling 400 px down: y 60 + 400 → bin 11.
    assert heatmaps[0]["bins"] == [[2, 1, 1], [2, 11, 1]]


def test_the_same_day_in_any_order_gives_identical_output() -> None:
    views, signals = day()
    shuffled_views, shuffled_signals = views[:], signals[:]
    random.Random(3).shuffle(shuffled_views)
    random.Random(4).shuffle(shuffled_signals)

    first = aggregate_day("city", "2023-11-14", views, signals, DEPARTMENTS)
    second = aggregate_day("city", "2023-11-14", shuffled_views, shuffled_signals, DEPARTMENTS)

    assert first == second


def test_department_is_the_longest_prefix_on_whole_segments() -> None:
    assert department_for("/parking/permits?zone=4", DEPARTMENTS) == "Transport"
    assert department_for("/parking/fines/pay", DEPARTMENTS) == "Finance"
    assert department_for("/parkingfees", DEPARTMENTS) == "unassigned"
    assert department_for("/anything", {"/": "Web team"}) == "Web team"


def test_viewport_classes_follow_the_breakpoints() -> None:
    assert [viewport_class(w) for w in (390, 767, 768, 1023, 1024, None)] == [
        "mobile",
        "mobile",
        "tablet",
        "tablet",
        "desktop",
        "unknown",
    ]


def test_clicks_and_scrolls_off_any_real_page_are_left_out_of_heatmaps() -> None:
    # 1e20 (an integer past 64 bits reaches us as a float) and infinity once broke int() and BSON.
    views = [
        view(
            1,
            "s1",
            "/parking",
            1280,
            click(1000, x=1e20, y=50),
            click(1100, x=100, y=float("inf")),
            scroll(1200, 1e30),
            click(1300, x=100, y=60),
        ),
    ]

    heatmaps = aggregate_day("city", "2023-11-14", views, [], DEPARTMENTS).heatmaps

    # The absurd scroll is ignored too, so the last click keeps its own y: 60 → bin 1.
    assert [(h["clicks"], h["bins"]) for h in heatmaps] == [(1, [[2, 1, 1]])]
