"""The dashboard's per-(site, day) documents: once the worker has recomputed a site's days, the
dashboard queries answer exactly as they did from the stored sessions, page views and signals,
without reading those collections; an erasure corrects the documents too."""

from __future__ import annotations

from typing import Any

import pytest

from api.resources import Resources
from tests.schema.conftest import ApiServer
from tests.schema.seed import day_ms, new_site, page_view_doc, session_doc, signal_doc
from tests.schema.test_safety import post
from workers.aggregate import DASHBOARD, recompute_day

DAY1, DAY2 = "2024-05-06", "2024-05-07"
RANGE = {"from": DAY1, "to": DAY2}
SESSIONS = """query S($site: String!, $filter: SessionFilter, $order: SessionOrder!,
  $after: String) {
  sessions(siteId: $site, filter: $filter, order: $order, first: 2, after: $after) {
    edges { cursor node { id score day signalCounts { kind count } hasResponse
      pageViews { id template signalCounts { kind count } } signals { id kind selector } } }
    pageInfo { hasNextPage endCursor } } }"""
PAGES = """query P($site: String!, $r: DateRange!) {
  pages(siteId: $site, range: $r, order: FRUSTRATION_RATE) {
    template department sessions pageViews frustratedPageViews signals { kind count } }
  siteSeries(siteId: $site, range: $r) { start pageViews sessions frustratedPageViews } }"""
DETAIL = """query D($site: String!, $r: DateRange!, $one: DateRange!) {
  page(siteId: $site, template: "/water/pay", range: $r) {
    metrics { pageViews sessions frustrationRate }
    series { start pageViews sessions signals { kind count } }
    topElements { kind selector text count }
    rage: topElements(kind: "rage_click", first: 1) { selector count }
    heatmap { binPx clicks bins { x y count } } }
  hours: page(siteId: $site, template: "/water/pay", range: $one) {
    series(interval: HOUR) { start pageViews sessions frustratedPageViews } }
  siteHours: siteSeries(siteId: $site, range: $one, interval: HOUR) { start pageViews sessions }
}"""
FILTERS: list[dict[str, Any]] = [
    {},
    {"range": {"from": DAY2, "to": DAY2}},
    {"template": "/water/pay"},
    {"department": "Permits"},
    {"signalKinds": ["rage_click", "dead_click"]},
    {"minScore": 2.0, "device": "desktop"},
    {"hasResponse": True},
    {"hasResponse": False, "range": RANGE},
]
COLLECTIONS_NOT_READ = {"sessions", "page_views", "signals", "aggregates", "heatmaps"}


@pytest.fixture(scope="module")
async def site(resources: Resources) -> str:
    """Seven sessions over two days, one of them past midnight, with signals and clicks."""
    store = resources.store
    site_id = await new_site(store)
    sessions, views, signals = [], [], []
    specs = [
        ("a", DAY1, 9, 4.0, "desktop", True, ["/water/pay", "/permits/apply"], "rage_click"),
        ("b", DAY1, 10, 1.5, "mobile", False, ["/permits/apply"], "dead_click"),
        ("c", DAY1, 23, None, "desktop", False, ["/water/pay", "/water/pay"], None),
        ("d", DAY2, 8, 4.0, "tablet", False, ["/"], "error_click"),
        ("e", DAY2, 9, 0.0, "desktop", True, ["/water/pay"], None),
        ("f", DAY2, 9, 7.25, "desktop", False, ["/water/pay", "/"], "rage_click"),
        ("g", DAY2, 14, 2.0, "mobile", False, ["/water/pay"], "rage_click"),
    ]
    for name, day, hour, score, device, responded, templates, kind in specs:
        counts = {kind: 1} if kind else {}
        s = session_doc(
            site_id, name, day, hour=hour, score=score, signal_counts=counts, device=device,
            has_response=responded, page_views=len(templates),
        )  # fmt: skip
        for n, template in enumerate(templates):
            department = {"/water": "Water Utility", "/permits": "Permits"}.get(
                template[: template.find("/", 1)] if template.count("/") > 1 else "", None
            )
            view = page_view_doc(
                s, n, template, department=department, minute=70 * n,
                signal_counts=counts if n == 0 else {},
                clicks=[{"x": 10.0 + n, "y": 90.0, "width": 1280}, {"x": 300.0, "y": 5.0}],
            )  # fmt: skip
            views.append(view)
            if kind and n == 0:
                signals.append(signal_doc(view, kind, selector=f"button.{name}"))
        sessions.append(s)
    # Session c goes on past midnight: its second page view is stamped with the next day.
    assert views[4]["session_id"].endswith(":c") and views[4]["day"] == DAY2
    await store.sessions.insert_many(sessions)
    await store.page_views.insert_many(views)
    await store.signals.insert_many(signals)
    assert day_ms(DAY2, 0, 10) == views[4]["started_at"]
    return site_id


async def every_page(server: ApiServer, key: str, site: str, **variables: Any) -> list[Any]:
    """All pages of one ordering and filter, following the cursors."""
    pages, after = [], None
    while True:
        result = await post(server.url, key, SESSIONS, {"site": site, "after": after, **variables})
        assert "errors" not in result, result
        pages.append(result["data"]["sessions"])
        after = result["data"]["sessions"]["pageInfo"]["endCursor"]
        if not result["data"]["sessions"]["pageInfo"]["hasNextPage"]:
            return pages


async def answers(server: ApiServer, key: str, site: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for i, f in enumerate(FILTERS):
        for order in ("NEWEST", "HIGHEST_SCORE"):
            found[f"sessions {i} {order}"] = await every_page(
                server, key, site, filter=f, order=order
            )
    found["pages"] = await post(server.url, key, PAGES, {"site": site, "r": RANGE})
    one = {"from": DAY1, "to": DAY1}
    found["detail"] = await post(server.url, key, DETAIL, {"site": site, "r": RANGE, "one": one})
    assert not any("errors" in v for v in (found["pages"], found["detail"])), found
    return found


async def test_aggregated_days_answer_as_the_stored_documents_without_reading_them(
    counted_api: ApiServer, resources: Resources, keys: dict[str, str], site: str
) -> None:
    key = keys["analyst"]
    for day in (DAY1, DAY2):
        await recompute_day(resources, site, day)
    # Without its dashboard documents the site is read as before: aggregates, heatmaps, sessions.
    await resources.store.db[DASHBOARD].delete_many({"site_id": site})
    before = await answers(counted_api, key, site)
    for day in (DAY1, DAY2):
        await recompute_day(resources, site, day)

    counted_api.counter.reset()
    after = await answers(counted_api, key, site)
    reads = counted_api.counter.reads()

    assert after == before
    assert {p["template"] for p in before["pages"]["data"]["pages"]} == {
        "/", "/water/pay", "/permits/apply"
    }  # fmt: skip
    page = before["detail"]["data"]["page"]
    assert page["rage"] == [{"selector": "button.a", "count": 1}]
    assert page["heatmap"]["clicks"] == 2 * page["metrics"]["pageViews"] == 12
    assert set(reads) & COLLECTIONS_NOT_READ == set()
    assert reads["dashboard"] > 0
    newest = [e["node"]["id"] for p in before["sessions 0 NEWEST"] for e in p["edges"]]
    assert [i.rsplit(":", 1)[1] for i in newest] == ["g", "f", "e", "d", "c", "b", "a"]
    on_pay = [e["node"]["id"] for p in after["sessions 2 NEWEST"] for e in p["edges"]]
    assert [i.rsplit(":", 1)[1] for i in on_pay] == ["g", "f", "e", "c", "a"]
    by_score = [e["node"]["score"] for p in after["sessions 0 HIGHEST_SCORE"] for e in p["edges"]]
    assert by_score == [7.25, 4.0, 4.0, 2.0, 1.5, 0.0, None]
    [c] = [e["node"] for p in after["sessions 0 NEWEST"] for e in p["edges"]
           if e["node"]["id"].endswith(":c")]  # fmt: skip
    assert [v["template"] for v in c["pageViews"]] == ["/water/pay", "/water/pay"]


async def test_a_page_of_sessions_with_children_reads_a_few_dashboard_documents_only(
    counted_api: ApiServer, resources: Resources, keys: dict[str, str], site: str
) -> None:
    for day in (DAY1, DAY2):
        await recompute_day(resources, site, day)
    await post(counted_api.url, keys["analyst"], "{ version }")
    counted_api.counter.reset()

    result = await post(counted_api.url, keys["analyst"], SESSIONS,
                        {"site": site, "order": "NEWEST", "filter": {}})  # fmt: skip
    reads = dict(counted_api.counter.reads())

    assert len(result["data"]["sessions"]["edges"]) == 2
    # Site's day list, two day documents, and the view bundles of the two sessions shown.
    assert reads.pop("dashboard") <= 5
    assert set(reads) <= {"sites"}


async def test_an_erased_session_leaves_the_dashboard_documents(
    api_url: str, resources: Resources, keys: dict[str, str]
) -> None:
    store = resources.store
    site_id = await new_site(store)
    kept, gone = (session_doc(site_id, n, DAY1, signal_counts={"rage_click": 1}) for n in "kg")
    views = [
        page_view_doc(s, 0, "/water/pay", signal_counts={"rage_click": 1}) for s in (kept, gone)
    ]
    await store.sessions.insert_many([kept, gone])
    await store.page_views.insert_many(views)
    await store.signals.insert_many([signal_doc(v, "rage_click") for v in views])
    await recompute_day(resources, site_id, DAY1)

    erased = await post(api_url, keys["privacy_officer"],
                        'mutation E($id: ID!) { eraseSession(id: $id) { sessions } }',
                        {"id": gone["_id"]})  # fmt: skip
    listed = await post(api_url, keys["analyst"], SESSIONS,
                        {"site": site_id, "order": "NEWEST", "filter": {}})  # fmt: skip
    pages = await post(api_url, keys["analyst"], PAGES, {"site": site_id, "r": RANGE})

    assert erased["data"]["eraseSession"]["sessions"] == 1
    assert [e["node"]["id"] for e in listed["data"]["sessions"]["edges"]] == [kept["_id"]]
    [pay] = pages["data"]["pages"]
    assert (pay["pageViews"], pay["sessions"], pay["signals"]) == (
        1,
        1,
        [{"kind": "rage_click", "count": 1}],
    )
    assert [p["sessions"] for p in pages["data"]["siteSeries"]] == [1, 0]
