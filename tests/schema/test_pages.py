"""Page metrics over HTTP: totals from aggregates, ordering, series, elements, heatmap, signals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.resources import Resources
from tests.helpers import graphql
from tests.schema.seed import (
    aggregate_doc,
    heatmap_doc,
    new_site,
    page_view_doc,
    session_doc,
    signal_doc,
)

D1, D2, D3 = "2024-04-01", "2024-04-02", "2024-04-03"
WATER, PERMITS = "Water Utility", "Permits"


@pytest.fixture(scope="module")
async def site(resources: Resources) -> str:
    store = resources.store
    site_id = await new_site(store)
    agg = aggregate_doc
    await store.aggregates.insert_many(
        [
            agg(site_id, D1, "/water/pay", page_views=10, frustrated=2, sessions=8,
                signals={"rage_click": 3, "dead_click": 1}, department=WATER),
            agg(site_id, D2, "/water/pay", page_views=20, frustrated=5, sessions=15,
                signals={"rage_click": 1, "error_click": 4}, department=WATER),
            agg(site_id, D3, "/water/pay", page_views=5, department=WATER),
            agg(site_id, D1, "/permits/apply", page_views=4, frustrated=4, sessions=4,
                signals={"rage_click": 6}, department=PERMITS),
            agg(site_id, D2, "/permits/apply", page_views=6, sessions=5, department=PERMITS),
            agg(site_id, D1, "/", page_views=50, frustrated=1, sessions=40,
                signals={"dead_click": 1}),
        ]
    )  # fmt: skip

    s1 = session_doc(site_id, "s1", D1, hour=9)
    s2 = session_doc(site_id, "s2", D1, hour=9)
    s3 = session_doc(site_id, "s3", D2, hour=9)
    await store.sessions.insert_many([s1, s2, s3])
    pv1 = page_view_doc(s1, 0, "/water/pay", department=WATER, signal_counts={"rage_click": 2})
    pv2 = page_view_doc(s2, 0, "/water/pay", department=WATER, minute=30)
    pv3 = page_view_doc(s1, 1, "/water/pay", department=WATER, minute=5 * 60)
    await store.page_views.insert_many([pv1, pv2, pv3])
    await store.signals.insert_many(
        [
            signal_doc(pv1, "rage_click", n=0, selector="button.pay", text="Pay now"),
            signal_doc(pv1, "rage_click", n=1, selector="button.pay", text="Pay now"),
            signal_doc(pv2, "rage_click", n=2, selector="button.pay", false_positive=True),
            signal_doc(pv2, "dead_click", n=3, selector="a.help", text="Help"),
            signal_doc(pv3, "rage_click", n=4, selector="a.help", text="Help"),
        ]
    )
    await store.heatmaps.insert_many(
        [
            heatmap_doc(site_id, D1, "/water/pay", "desktop", {(0, 0): 2, (3, 5): 1}),
            heatmap_doc(site_id, D2, "/water/pay", "desktop", {(0, 0): 1}),
            heatmap_doc(site_id, D1, "/water/pay", "mobile", {(1, 1): 4}),
            heatmap_doc(site_id, D1, "/permits/apply", "desktop", {(9, 9): 9}),
        ]
    )
    return site_id


PAGES = """
query Pages($site: String!, $range: DateRange!, $department: String, $order: PageOrder!,
            $kind: String, $ascending: Boolean!) {
  pages(siteId: $site, range: $range, department: $department, order: $order,
        signalKind: $kind, ascending: $ascending) {
    template department sessions pageViews frustratedPageViews frustrationRate
    signals { kind count rate }
  }
}
"""


async def pages(client: httpx.AsyncClient, key: str, site: str, **variables: Any) -> Any:
    defaults = {"range": {"from": D1, "to": D2}, "order": "PAGE_VIEWS", "ascending": False}
    return await graphql(client, key, PAGES, {"site": site, **defaults, **variables})


async def test_page_metrics_sum_the_days_of_the_range(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    result = await pages(client, keys["analyst"], site)

    rows = result["data"]["pages"]
    assert [r["template"] for r in rows] == ["/", "/water/pay", "/permits/apply"]
    water = rows[1]
    assert water == {
        "template": "/water/pay",
        "department": WATER,
        "sessions": 23,
        "pageViews": 30,
        "frustratedPageViews": 7,
        "frustrationRate": pytest.approx(7 / 30),
        "signals": [
            {"kind": "dead_click", "count": 1, "rate": pytest.approx(1 / 30)},
            {"kind": "error_click", "count": 4, "rate": pytest.approx(4 / 30)},
            {"kind": "rage_click", "count": 4, "rate": pytest.approx(4 / 30)},
        ],
    }
    assert rows[0]["department"] == "unassigned"


@pytest.mark.parametrize(
    ("order", "kind", "ascending", "expected"),
    [
        ("SIGNAL_COUNT", "rage_click", False, ["/permits/apply", "/water/pay", "/"]),
        ("SIGNAL_RATE", "error_click", False, ["/water/pay", "/", "/permits/apply"]),
        ("FRUSTRATION_RATE", None, True, ["/", "/water/pay", "/permits/apply"]),
        ("SESSIONS", None, False, ["/", "/water/pay", "/permits/apply"]),
        ("FRUSTRATED_PAGE_VIEWS", None, False, ["/water/pay", "/permits/apply", "/"]),
    ],
)
async def test_pages_order_by_any_count_or_rate(
    client: httpx.AsyncClient,
    keys: dict[str, str],
    site: str,
    order: str,
    kind: str | None,
    ascending: bool,
    expected: list[str],
) -> None:
    result = await pages(client, keys["analyst"], site, order=order, kind=kind, ascending=ascending)

    assert [r["template"] for r in result["data"]["pages"]] == expected


async def test_department_filter_keeps_only_its_pages(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    result = await pages(client, keys["analyst"], site, department=PERMITS)

    assert [(r["template"], r["pageViews"]) for r in result["data"]["pages"]] == [
        ("/permits/apply", 10)
    ]


async def test_ordering_by_a_signal_needs_its_kind(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    result = await pages(client, keys["analyst"], site, order="SIGNAL_RATE")

    assert result["errors"][0]["extensions"] == {"code": "invalid_input", "field": "signalKind"}


async def test_a_reversed_range_is_refused(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    result = await pages(client, keys["analyst"], site, range={"from": D2, "to": D1})

    assert result["errors"][0]["message"] == "the range ends before it starts"


PAGE = """
query Page($site: String!, $template: String!, $range: DateRange!, $interval: Interval!,
           $kind: String, $viewport: String!, $fp: Boolean!) {
  page(siteId: $site, template: $template, range: $range) {
    metrics { pageViews }
    series(interval: $interval) { start pageViews sessions frustratedPageViews
                                  signals { kind count } }
    topElements(kind: $kind) { kind selector text count }
    heatmap(viewportClass: $viewport) { viewportClass binPx clicks bins { x y count } cells }
    signals(includeFalsePositives: $fp) { kind selector falsePositive }
  }
}
"""


async def page(client: httpx.AsyncClient, key: str, site: str, **variables: Any) -> Any:
    defaults = {
        "template": "/water/pay",
        "range": {"from": D1, "to": D3},
        "interval": "DAY",
        "viewport": "desktop",
        "fp": False,
    }
    return await graphql(client, key, PAGE, {"site": site, **defaults, **variables})


async def test_daily_series_has_every_day_of_the_range(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    result = await page(client, keys["analyst"], site)

    detail = result["data"]["page"]
    assert detail["metrics"] == {"pageViews": 35}
    assert [(p["start"], p["pageViews"], p["sessions"]) for p in detail["series"]] == [
        ("2024-04-01T00:00:00+00:00", 10, 8),
        ("2024-04-02T00:00:00+00:00", 20, 15),
        ("2024-04-03T00:00:00+00:00", 5, 5),
    ]
    assert detail["series"][1]["signals"] == [
        {"kind": "error_click", "count": 4},
        {"kind": "rage_click", "count": 1},
    ]


async def test_hourly_series_counts_page_views_and_sessions_per_hour(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    result = await page(
        client, keys["analyst"], site, range={"from": D1, "to": D1}, interval="HOUR"
    )

    series = result["data"]["page"]["series"]
    assert len(series) == 24
    busy = {p["start"][11:13]: (p["pageViews"], p["sessions"], p["frustratedPageViews"])
            for p in series if p["pageViews"]}  # fmt: skip
    assert busy == {"09": (2, 2, 1), "14": (1, 1, 0)}


async def test_hourly_series_is_refused_over_more_than_a_week(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    result = await page(
        client, keys["analyst"], site, range={"from": D1, "to": "2024-04-08"}, interval="HOUR"
    )

    assert result["errors"][0]["message"] == "the range may cover at most 7 days"


async def test_top_elements_rank_elements_by_signals_leaving_false_positives_out(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    every = await page(client, keys["analyst"], site)
    rage = await page(client, keys["analyst"], site, kind="rage_click")

    assert every["data"]["page"]["topElements"] == [
        {"kind": "rage_click", "selector": "button.pay", "text": "Pay now", "count": 2},
        {"kind": "dead_click", "selector": "a.help", "text": "Help", "count": 1},
        {"kind": "rage_click", "selector": "a.help", "text": "Help", "count": 1},
    ]
    assert [(e["selector"], e["count"]) for e in rage["data"]["page"]["topElements"]] == [
        ("button.pay", 2),
        ("a.help", 1),
    ]


async def test_heatmap_adds_up_the_days_of_one_viewport_class(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    desktop = await page(client, keys["analyst"], site)
    mobile = await page(client, keys["analyst"], site, viewport="mobile")
    wrong = await page(client, keys["analyst"], site, viewport="watch")
    # No tablet clicks: an empty heatmap still says the bin size the worker uses.
    tablet = await page(client, keys["analyst"], site, viewport="tablet")

    assert desktop["data"]["page"]["heatmap"] == {
        "viewportClass": "desktop",
        "binPx": 40,
        "clicks": 4,
        "bins": [{"x": 0, "y": 0, "count": 3}, {"x": 3, "y": 5, "count": 1}],
        "cells": [0, 0, 3, 3, 5, 1],
    }
    assert mobile["data"]["page"]["heatmap"]["bins"] == [{"x": 1, "y": 1, "count": 4}]
    assert wrong["errors"][0]["extensions"]["field"] == "viewportClass"
    assert tablet["data"]["page"]["heatmap"] == {
        "viewportClass": "tablet",
        "binPx": 40,
        "clicks": 0,
        "bins": [],
        "cells": [],
    }


async def test_page_signals_are_newest_first_and_hide_false_positives_unless_asked(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    hidden = await page(client, keys["analyst"], site)
    shown = await page(client, keys["analyst"], site, fp=True)

    assert [s["selector"] for s in hidden["data"]["page"]["signals"]] == [
        "a.help",
        "a.help",
        "button.pay",
        "button.pay",
    ]
    assert [s["falsePositive"] for s in shown["data"]["page"]["signals"]].count(True) == 1
    assert len(shown["data"]["page"]["signals"]) == 5


async def test_a_page_without_views_in_the_range_has_no_metrics(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    result = await page(client, keys["analyst"], site, template="/nowhere")

    assert result["data"]["page"]["metrics"] is None
    assert result["data"]["page"]["topElements"] == []


SITE_SERIES = """
query S($site: String!, $range: DateRange!) {
  siteSeries(siteId: $site, range: $range) { start pageViews sessions frustratedPageViews }
}
"""


async def test_site_series_counts_each_session_once_per_day(
    client: httpx.AsyncClient, keys: dict[str, str], site: str
) -> None:
    result = await graphql(
        client, keys["analyst"], SITE_SERIES, {"site": site, "range": {"from": D1, "to": D2}}
    )

    assert [(p["pageViews"], p["sessions"], p["frustratedPageViews"])
            for p in result["data"]["siteSeries"]] == [(64, 2, 7), (26, 1, 5)]  # fmt: skip
