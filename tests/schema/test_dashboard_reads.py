"""The dashboard's per-(site, day) documents: once the worker has recomputed a site's days, the
dashboard queries answer exactly as they did from the stored sessions, page views and signals,
without reading those collections; an erasure corrects the documents too."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

import workers.aggregate
from api.resources import Resources
from storage.chunks import pack, unpack
from tests.schema.conftest import ApiServer
from tests.schema.seed import day_ms, new_site, page_view_doc, session_doc, signal_doc
from tests.schema.test_safety import post
from workers.aggregate import DASHBOARD, recompute_day

DAY1, DAY2 = "2024-05-06", "2024-05-07"
RANGE = {"from": DAY1, "to": DAY2}
SESSIONS = """query S($site: String!, $filter: SessionFilter, $order: SessionOrder!,
  $after: String) {
  sessions(siteId: $site, filter: $filter, order: $order, first: 2, after: $after) {
    edges { cursor node { id score day signalCounts { kind count } hasResponse scoreBreakdown
      unusual { value template } pageViews { id template signalCounts { kind count } }
      signals { id kind selector } } }
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
    heatmap { binPx clicks bins { x y count } cells }
    signals(first: 3) { id kind ts }
    all: signals(includeFalsePositives: true, kinds: ["dead_click", "rage_click"]) {
      id falsePositive } }
  hours: page(siteId: $site, template: "/water/pay", range: $one) {
    series(interval: HOUR) { start pageViews sessions frustratedPageViews } }
  siteHours: siteSeries(siteId: $site, range: $one, interval: HOUR) { start pageViews sessions }
}"""
SHORTLIST = """query L($site: String!, $r: DateRange!) {
  replayShortlist(siteId: $site, range: $r, perGroup: 3) {
    template element pattern reason size representative { id score scoreBreakdown }
    sessions { id day } } }"""
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
            elif name == "e":
                signals.append(signal_doc(view, "dead_click", false_positive=True))
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
    for r in (RANGE, one):
        found[f"shortlist {r['to']}"] = await post(
            server.url, key, SHORTLIST, {"site": site, "r": r}
        )
    assert not any("errors" in v for v in found.values() if isinstance(v, dict)), found
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
    assert [s["id"].split(":")[1] for s in page["signals"]] == ["g", "f", "a"]
    assert [s["falsePositive"] for s in page["all"]] == [False, False, True, False]
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
    groups = after[f"shortlist {DAY2}"]["data"]["replayShortlist"]
    assert [(g["template"], g["element"], g["size"]) for g in groups] == [
        ("/water/pay", "button.f", 1), ("/", "button.d", 1), ("/water/pay", "button.a", 1),
        ("/water/pay", "button.g", 1), ("/permits/apply", "button.b", 1),
    ]  # fmt: skip
    assert groups[0]["representative"]["scoreBreakdown"] == {"rage_click": 1.0}


@pytest.mark.parametrize(("heads", "bundles"), [(1, 0), (1, 1), (2, 1)])
async def test_a_page_by_score_reads_the_days_heads_then_only_the_days_it_needs(
    counted_api: ApiServer,
    resources: Resources,
    keys: dict[str, str],
    site: str,
    monkeypatch: pytest.MonkeyPatch,
    heads: int,
    bundles: int,
) -> None:
    key = keys["analyst"]
    await resources.store.db[DASHBOARD].delete_many({"site_id": site})
    before = await answers(counted_api, key, site)
    # Heads of one or two sessions per day, the first with or without its children: pages of
    # two by score then need the rest of a day, or a child read from the day's bundles.
    monkeypatch.setattr(workers.aggregate, "HEAD_SESSIONS", heads)
    monkeypatch.setattr(workers.aggregate, "HEAD_BUNDLES", bundles)
    for day in (DAY1, DAY2):
        await recompute_day(resources, site, day)

    counted_api.counter.reset()
    after = await answers(counted_api, key, site)
    reads = counted_api.counter.reads()
    monkeypatch.undo()
    for day in (DAY1, DAY2):
        await recompute_day(resources, site, day)

    assert after == before
    assert set(reads) & COLLECTIONS_NOT_READ == set()


async def test_days_aggregated_in_the_earlier_layout_are_read_from_the_stored_sessions(
    counted_api: ApiServer, resources: Resources, keys: dict[str, str], site: str
) -> None:
    dashboard = resources.store.db[DASHBOARD]
    for day in (DAY1, DAY2):
        await recompute_day(resources, site, day)
    variables = {"site": site, "order": "HIGHEST_SCORE", "filter": {}}
    indexed = await post(counted_api.url, keys["analyst"], SESSIONS, variables)
    await dashboard.update_one({"_id": f"{site}|sessions"}, {"$set": {"pending": [DAY1]}})

    counted_api.counter.reset()
    pending = await post(counted_api.url, keys["analyst"], SESSIONS, variables)
    reads = counted_api.counter.reads()
    await recompute_day(resources, site, DAY1)
    layout = await dashboard.find_one({"_id": f"{site}|sessions"})

    assert pending == indexed
    assert reads["sessions"] >= 1
    assert layout is not None and layout["pending"] == []
    assert sorted(layout["days"]) == [DAY1, DAY2]


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
    kept, gone = (
        session_doc(site_id, n, DAY1, score=2.0, signal_counts={"rage_click": 1}) for n in "kg"
    )
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
    listed = {
        order: await post(
            api_url, keys["analyst"], SESSIONS, {"site": site_id, "order": order, "filter": {}}
        )  # fmt: skip
        for order in ("NEWEST", "HIGHEST_SCORE")
    }
    shortlisted = await post(api_url, keys["analyst"], SHORTLIST, {"site": site_id, "r": RANGE})
    pages = await post(api_url, keys["analyst"], PAGES, {"site": site_id, "r": RANGE})
    dashboard = await store.db[DASHBOARD].find({"site_id": site_id}).to_list(None)

    assert erased["data"]["eraseSession"]["sessions"] == 1
    for found in listed.values():
        assert [e["node"]["id"] for e in found["data"]["sessions"]["edges"]] == [kept["_id"]]
    [group] = shortlisted["data"]["replayShortlist"]
    assert [s["id"] for s in group["sessions"]] == [kept["_id"]]
    # No document of the dashboard (index, heads, bundles) still holds the erased session.
    assert [d["_id"] for d in dashboard if gone["_id"].encode() in _unpacked(d)] == []
    [pay] = pages["data"]["pages"]
    assert (pay["pageViews"], pay["sessions"], pay["signals"]) == (
        1,
        1,
        [{"kind": "rage_click", "count": 1}],
    )
    assert [p["sessions"] for p in pages["data"]["siteSeries"]] == [1, 0]


def _unpacked(doc: dict[str, Any]) -> bytes:
    """A dashboard document's packed values, unpacked and joined, to search for an id."""
    values = [v for v in doc.values() if isinstance(v, bytes)]
    values += [v for field in doc.values() if isinstance(field, dict) for v in field.values()]
    return b"".join(orjson.dumps(unpack(v)) for v in values if isinstance(v, bytes))


async def to_earlier_layout(resources: Resources, site: str) -> None:
    """Move the dashboard documents back to where the version before `<site>|hours`,
    `<site>|signals|<template>` and `<site>|head-bundles` kept their parts: hours and templates
    in `<site>|days`, a page's signals in its own document, the heads' bundles in the heads,
    heatmap bins as {x, y, clicks} documents."""
    dashboard = resources.store.db[DASHBOARD]
    docs = {d["_id"]: d for d in await dashboard.find({"site_id": site}).to_list(None)}
    hours = docs.pop(f"{site}|hours")
    moved = {f"{f}.{day}": v for f in ("hours", "templates") for day, v in hours[f].items()}
    await dashboard.update_one({"_id": f"{site}|days"}, {"$set": moved})
    bundles = docs.pop(f"{site}|head-bundles")["days"]
    heads = {
        f"days.{day}": pack([{**unpack(blob)[0], "bundles": unpack(bundles[day])[0]}])
        for day, blob in docs[f"{site}|heads"]["days"].items()
    }
    await dashboard.update_one({"_id": f"{site}|heads"}, {"$set": heads})
    for doc_id, doc in docs.items():
        if doc_id.startswith(f"{site}|signals|"):
            template = doc_id.split("|", 2)[2]
            signals = {f"signals.{day}": v for day, v in doc["signals"].items()}
            await dashboard.update_one({"_id": f"{site}|page|{template}"}, {"$set": signals})
        if doc_id.startswith(f"{site}|page|"):
            details = {}
            for day, blob in doc["days"].items():
                detail = unpack(blob)[0]
                for viewport, (bin_px, flat) in detail["heatmaps"].items():
                    cells = [flat[i : i + 3] for i in range(0, len(flat), 3)]
                    as_docs = [{"x": x, "y": y, "clicks": n} for x, y, n in cells]
                    detail["heatmaps"][viewport] = [bin_px, as_docs]
                details[f"days.{day}"] = pack([detail])
            await dashboard.update_one({"_id": doc_id}, {"$set": details})
    await dashboard.delete_many(
        {"_id": {"$in": [f"{site}|hours", f"{site}|head-bundles"]
                 + [i for i in docs if i.startswith(f"{site}|signals|")]}}
    )  # fmt: skip


async def test_days_written_by_the_earlier_layout_answer_the_same(
    counted_api: ApiServer, resources: Resources, keys: dict[str, str], site: str
) -> None:
    key = keys["analyst"]
    for day in (DAY1, DAY2):
        await recompute_day(resources, site, day)
    now = await answers(counted_api, key, site)
    await to_earlier_layout(resources, site)
    ids = {
        d["_id"] for d in await resources.store.db[DASHBOARD].find({"site_id": site}).to_list(None)
    }

    earlier = await answers(counted_api, key, site)

    assert f"{site}|hours" not in ids and f"{site}|head-bundles" not in ids
    assert earlier == now
    page = earlier["detail"]["data"]["page"]
    assert page["heatmap"]["clicks"] == 12 and len(page["heatmap"]["cells"]) == 3 * len(
        page["heatmap"]["bins"]
    )
    assert [s["id"].split(":")[1] for s in page["signals"]] == ["g", "f", "a"]
    hours = earlier["detail"]["data"]["siteHours"]
    assert sum(h["pageViews"] for h in hours) > 0
    # A recompute writes the day in the present layout again, and cleans the earlier places.
    for day in (DAY1, DAY2):
        await recompute_day(resources, site, day)
    site_days = await resources.store.db[DASHBOARD].find_one({"_id": f"{site}|days"})
    assert "hours" not in site_days or not site_days["hours"]
    assert await answers(counted_api, key, site) == now


async def test_two_recomputes_of_a_new_day_at_once_both_finish_with_the_same_documents(
    resources: Resources, site: str
) -> None:
    # The aggregation cron's runs can overlap (one per second) and an erasure recomputes too:
    # both created the day's documents at once, and FerretDB refused one upsert with E11000.
    dashboard = resources.store.db[DASHBOARD]
    await dashboard.delete_many({"site_id": site})
    for _ in range(3):
        await asyncio.gather(*(recompute_day(resources, site, DAY2) for _ in range(4)))
        once = await dashboard.find({"site_id": site}, {"_id": 1}).to_list(None)
        assert {f"{site}|{DAY2}", f"{site}|heads", f"{site}|days"} <= {d["_id"] for d in once}
        await dashboard.delete_many({"site_id": site})
