"""No N+1: the store queries behind a page of sessions are a small constant, counted by a
command listener on the server's own store client."""

from __future__ import annotations

from typing import Any

import pytest

from api.resources import Resources
from signals.aggregates import VIEW_BUCKETS
from tests.schema.conftest import ApiServer
from tests.schema.seed import new_site, page_view_doc, response_doc, session_doc, signal_doc
from tests.schema.test_safety import post
from workers.aggregate import DASHBOARD, recompute_day

DAY = "2024-09-01"
PAGE = """
query P($site: String!, $first: Int!, $order: SessionOrder! = NEWEST) {
  sessions(siteId: $site, first: $first, order: $order) {
    edges { node {
      id score signalCounts { kind count }
      pageViews { id template signalCounts { kind count } }
      signals { kind ts selector }
      surveyResponses { id surveyId }
    } }
  }
}
"""
SHORTLIST = """
query S($site: String!) {
  replayShortlist(siteId: $site, range: {from: "2024-09-01", to: "2024-09-01"}, perGroup: 50) {
    size representative { id pageViews { id } } sessions { id signals { kind } }
  }
}
"""


@pytest.fixture(scope="module")
async def site(resources: Resources) -> str:
    """60 sessions, each with two page views and a rage click; every third one answered."""
    store = resources.store
    site_id = await new_site(store)
    sessions, views, signals, responses = [], [], [], []
    for i in range(60):
        s = session_doc(site_id, f"s{i:02d}", DAY, hour=i % 24, score=float(i % 7) + 1,
                        signal_counts={"rage_click": 1})  # fmt: skip
        first = page_view_doc(s, 0, "/water/pay", signal_counts={"rage_click": 1})
        views += [first, page_view_doc(s, 1, "/water/done", minute=1)]
        signals.append(signal_doc(first, "rage_click"))
        if i % 3 == 0:
            responses.append(response_doc(s, "sv_1", s["started_at"] + 5000))
        sessions.append(s)
    await store.sessions.insert_many(sessions)
    await store.page_views.insert_many(views)
    await store.signals.insert_many(signals)
    await store.responses.insert_many(responses)
    return site_id


async def reads_for(
    server: ApiServer, key: str, query: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, int]]:
    await post(server.url, key, "{ version }")  # authenticate once; the key is cached after
    server.counter.reset()
    result = await post(server.url, key, query, variables)
    reads = server.counter.reads()
    # The key and the site's existence are looked up at most once per request and then cached
    # for 30 s (a slow run may see either again); they are not what this test counts. Nor are
    # the `dashboard` reads, sent together, that find this seeded site has no precomputed
    # documents yet (its layout and, for a list by score, its heads).
    assert reads.pop("api_keys", 0) <= 1 and reads.pop("sites", 0) <= 1
    assert reads.pop("dashboard", 0) <= 2
    return result, dict(reads)


async def test_a_page_of_50_sessions_with_their_children_takes_four_store_reads(
    counted_api: ApiServer, keys: dict[str, str], site: str
) -> None:
    result, reads = await reads_for(counted_api, keys["analyst"], PAGE, {"site": site, "first": 50})

    edges = result["data"]["sessions"]["edges"]
    assert len(edges) == 50
    assert all(len(e["node"]["pageViews"]) == 2 and len(e["node"]["signals"]) == 1 for e in edges)
    answered = [e for e in edges if int(e["node"]["id"].rsplit(":s", 1)[1]) % 3 == 0]
    assert [len(e["node"]["surveyResponses"]) for e in answered] == [1] * len(answered)
    assert sum(len(e["node"]["surveyResponses"]) for e in edges) == len(answered) > 10
    assert reads == {"sessions": 1, "page_views": 1, "signals": 1, "responses": 1}


async def test_store_reads_do_not_grow_with_the_page_size(
    counted_api: ApiServer, keys: dict[str, str], site: str
) -> None:
    _, small = await reads_for(counted_api, keys["analyst"], PAGE, {"site": site, "first": 5})
    _, large = await reads_for(counted_api, keys["analyst"], PAGE, {"site": site, "first": 50})

    assert small == large


async def test_the_shortlist_loads_its_sessions_children_in_one_read_each(
    counted_api: ApiServer, keys: dict[str, str], site: str
) -> None:
    result, reads = await reads_for(counted_api, keys["analyst"], SHORTLIST, {"site": site})

    [group] = result["data"]["replayShortlist"]
    assert group["size"] == 60 and len(group["sessions"]) == 50
    # Page views and signals were loaded once for the grouping and reused by the fields.
    assert reads == {"sessions": 1, "page_views": 1, "signals": 1}


@pytest.mark.parametrize("order", ["NEWEST", "HIGHEST_SCORE"])
async def test_an_aggregated_page_reads_a_bounded_number_of_dashboard_documents(
    counted_api: ApiServer,
    resources: Resources,
    keys: dict[str, str],
    site: str,
    order: str,
) -> None:
    await recompute_day(resources, site, DAY)
    try:
        found = {}
        for first in (5, 50):
            await post(counted_api.url, keys["analyst"], "{ version }")
            counted_api.counter.reset()
            result = await post(counted_api.url, keys["analyst"], PAGE,
                                {"site": site, "first": first, "order": order})  # fmt: skip
            found[first] = (result, dict(counted_api.counter.reads()))
    finally:
        await resources.store.db[DASHBOARD].delete_many({"site_id": site})

    for first, (result, reads) in found.items():
        edges = result["data"]["sessions"]["edges"]
        assert len(edges) == first
        assert all(len(e["node"]["pageViews"]) == 2 for e in edges)
        reads.pop("api_keys", None)
        reads.pop("sites", None)
        # The day list, the heads and (by score) their bundles, the day's index, and at most
        # every bundle of the day; the responses are still read by session id (a scan), once
        # for the page.
        assert reads.pop("dashboard") <= 4 + VIEW_BUCKETS
        assert reads == {"responses": 1}
