"""The replay shortlist over HTTP: groups of the same struggle, most worth watching first."""

from __future__ import annotations

from typing import Any

import httpx

from api.resources import Resources
from tests.helpers import graphql
from tests.schema.seed import new_site, page_view_doc, session_doc, signal_doc

DAY = "2024-07-01"
SHORTLIST = """
query S($site: String!, $range: DateRange!, $perGroup: Int!) {
  replayShortlist(siteId: $site, range: $range, perGroup: $perGroup) {
    template element pattern reason size
    representative { id score }
    sessions { id }
  }
}
"""


async def struggling(
    store: Any, site_id: str, name: str, score: float, template: str, kind: str, n: int,
    selector: str,
) -> str:  # fmt: skip
    """A session whose ``n`` signals of ``kind`` all concern ``selector`` on ``template``."""
    session = session_doc(site_id, name, DAY, score=score, signal_counts={kind: n} if n else {})
    session["score_breakdown"] = {
        "total": score,
        "breakdown": {f"signal:{kind}": score} if n else {},
        "counts": {kind: n} if n else {},
        "version": "1",
    }
    pv = page_view_doc(session, 0, template, signal_counts={kind: n} if n else {})
    await store.sessions.insert_one(session)
    await store.page_views.insert_one(pv)
    for i in range(n):
        await store.signals.insert_one(signal_doc(pv, kind, n=i, selector=selector, text="Go"))
    return str(session["_id"])


async def test_sessions_sharing_a_struggle_form_one_group_led_by_the_highest_score(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    store = resources.store
    site_id = await new_site(store)
    s1 = await struggling(store, site_id, "s1", 9.0, "/water/pay", "rage_click", 3, "button.pay")
    s2 = await struggling(store, site_id, "s2", 6.0, "/water/pay", "rage_click", 2, "button.pay")
    s3 = await struggling(store, site_id, "s3", 4.0, "/permits/apply", "dead_click", 1, "a.next")
    await struggling(store, site_id, "s4", 0.0, "/", "rage_click", 0, "")
    s5 = await struggling(store, site_id, "s5", 2.0, "/water/pay", "error_click", 1, "button.pay")

    result = await graphql(
        client,
        keys["analyst"],
        SHORTLIST,
        {"site": site_id, "range": {"from": DAY, "to": DAY}, "perGroup": 1},
    )

    groups = result["data"]["replayShortlist"]
    assert [
        (g["template"], g["element"], g["pattern"], g["size"], g["representative"]["id"])
        for g in groups
    ] == [
        ("/water/pay", "button.pay", ["rage_click"], 2, s1),
        ("/permits/apply", "a.next", ["dead_click"], 1, s3),
        ("/water/pay", "button.pay", ["error_click"], 1, s5),
    ]
    assert groups[0]["sessions"] == [{"id": s1}]
    assert groups[0]["reason"].startswith("2 sessions: rage click on button.pay")
    assert groups[0]["representative"]["score"] == 9.0
    assert s2 not in str(groups[1:])


async def test_a_day_without_scored_sessions_has_an_empty_shortlist(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)
    await struggling(resources.store, site_id, "calm", 0.0, "/", "rage_click", 0, "")

    result = await graphql(
        client,
        keys["analyst"],
        SHORTLIST,
        {"site": site_id, "range": {"from": DAY, "to": DAY}, "perGroup": 5},
    )

    assert result["data"]["replayShortlist"] == []
