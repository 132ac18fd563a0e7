"""Sessions over HTTP: filters, both orderings with keyset pagination, one session in full."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import orjson
import pytest

from api.auth import Role, create_api_key
from api.resources import Resources
from tests.conftest import DATA
from tests.helpers import graphql, wait_processed
from tests.schema.seed import (
    new_site,
    page_view_doc,
    response_doc,
    session_doc,
    signal_doc,
)

LIST = """
query List($site: String, $filter: SessionFilter, $order: SessionOrder!, $first: Int!,
           $after: String) {
  sessions(siteId: $site, filter: $filter, order: $order, first: $first, after: $after) {
    edges { cursor node { id score } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

DAY1, DAY2, DAY3 = "2024-03-04", "2024-03-05", "2024-03-06"


@pytest.fixture(scope="module")
async def site(resources: Resources) -> dict[str, Any]:
    """Eight sessions over three days with varied scores, devices, signals and page visits."""
    store = resources.store
    site_id = await new_site(store)
    specs = [
        ("s1", DAY1, 9, 4.0, {"rage_click": 2}, "desktop", True, "/water/pay"),
        ("s2", DAY1, 10, 1.5, {"dead_click": 1}, "mobile", False, "/permits/apply"),
        ("s3", DAY2, 9, None, {}, "desktop", False, "/water/pay"),
        ("s4", DAY2, 11, 4.0, {"error_click": 1, "rage_click": 1}, "tablet", False, "/"),
        ("s5", DAY2, 12, 0.0, {}, "mobile", True, "/water/outage"),
        ("s6", DAY3, 8, 7.25, {"form_abandonment": 1}, "desktop", False, "/permits/apply"),
        ("s7", DAY3, 9, None, {}, "mobile", False, "/"),
        ("s8", DAY3, 10, 2.0, {"rage_click": 5}, "desktop", False, "/water/pay"),
    ]
    sessions, page_views = [], []
    for name, day, hour, score, counts, device, responded, template in specs:
        s = session_doc(
            site_id, name, day, hour=hour, score=score, signal_counts=counts, device=device,
            has_response=responded,
        )  # fmt: skip
        department = {"/water": "Water Utility", "/permits": "Permits"}.get(
            "/" + template.split("/")[1] if template != "/" else "", None
        )
        sessions.append(s)
        page_views.append(page_view_doc(s, 0, template, department=department))
    await store.sessions.insert_many(sessions)
    await store.page_views.insert_many(page_views)
    return {"id": site_id, "sessions": {s["client_session_id"]: s for s in sessions}}


async def ids(client: httpx.AsyncClient, key: str, site_id: str, **variables: Any) -> list[str]:
    """Every session id over all pages, two per page, following the cursors."""
    found: list[str] = []
    after = None
    variables.setdefault("order", "NEWEST")
    for _ in range(20):
        result = await graphql(
            client, key, LIST, {"site": site_id, "first": 2, "after": after, **variables}
        )
        assert "errors" not in result, result
        connection = result["data"]["sessions"]
        found.extend(e["node"]["id"].split(":", 1)[1] for e in connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


async def test_newest_first_pages_through_every_session_once(
    client: httpx.AsyncClient, keys: dict[str, str], site: dict[str, Any]
) -> None:
    docs = sorted(site["sessions"].values(), key=lambda d: (d["started_at"], d["_id"]))
    expected = [d["client_session_id"] for d in reversed(docs)]

    assert await ids(client, keys["analyst"], site["id"]) == expected


async def test_highest_score_order_keeps_ties_by_id_and_puts_unscored_sessions_last(
    client: httpx.AsyncClient, keys: dict[str, str], site: dict[str, Any]
) -> None:
    found = await ids(client, keys["analyst"], site["id"], order="HIGHEST_SCORE")

    # s1 and s4 tie at 4.0: the larger id first; s3 and s7 have no score yet.
    assert found == ["s6", "s4", "s1", "s8", "s2", "s5", "s7", "s3"]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"range": {"from": DAY2, "to": DAY3}}, {"s3", "s4", "s5", "s6", "s7", "s8"}),
        ({"template": "/water/pay"}, {"s1", "s3", "s8"}),
        ({"department": "Permits"}, {"s2", "s6"}),
        ({"signalKinds": ["rage_click"]}, {"s1", "s4", "s8"}),
        ({"signalKinds": ["dead_click", "error_click"]}, {"s2", "s4"}),
        ({"minScore": 4.0}, {"s1", "s4", "s6"}),
        ({"hasResponse": True}, {"s1", "s5"}),
        ({"device": "mobile"}, {"s2", "s5", "s7"}),
        (
            {"range": {"from": DAY1, "to": DAY2}, "template": "/water/pay", "device": "desktop"},
            {"s1", "s3"},
        ),
    ],
)
async def test_each_filter_selects_exactly_the_matching_sessions(
    client: httpx.AsyncClient,
    keys: dict[str, str],
    site: dict[str, Any],
    filter_: dict[str, Any],
    expected: set[str],
) -> None:
    found = await ids(client, keys["analyst"], site["id"], filter=filter_)

    assert set(found) == expected
    assert len(found) == len(expected)


async def test_cursor_of_one_ordering_is_refused_by_the_other(
    client: httpx.AsyncClient, keys: dict[str, str], site: dict[str, Any]
) -> None:
    first = await graphql(
        client, keys["analyst"], LIST, {"site": site["id"], "first": 1, "order": "NEWEST"}
    )
    cursor = first["data"]["sessions"]["pageInfo"]["endCursor"]

    result = await graphql(
        client,
        keys["analyst"],
        LIST,
        {"site": site["id"], "first": 1, "order": "HIGHEST_SCORE", "after": cursor},
    )

    assert result["data"] is None
    assert result["errors"][0]["extensions"] == {"code": "invalid_input", "field": "after"}


async def test_page_size_above_the_maximum_is_refused(
    client: httpx.AsyncClient, keys: dict[str, str], site: dict[str, Any], settings: Any
) -> None:
    result = await graphql(
        client,
        keys["analyst"],
        LIST,
        {"site": site["id"], "first": settings.graphql_max_page_size + 1, "order": "NEWEST"},
    )

    assert result["errors"][0]["extensions"]["code"] == "invalid_input"
    assert str(settings.graphql_max_page_size) in result["errors"][0]["message"]


async def test_unknown_signal_and_event_kinds_are_refused_by_argument_without_quoting_them(
    client: httpx.AsyncClient, keys: dict[str, str], site: dict[str, Any]
) -> None:
    result = await graphql(
        client,
        keys["analyst"],
        LIST,
        {
            "site": site["id"], "first": 5, "order": "NEWEST",
            "filter": {"signalKinds": ["jane.roe@example.com"]},
        },
    )  # fmt: skip
    events = await graphql(
        client,
        keys["analyst"],
        'query($id: ID!) { session(id: $id) { events(kinds: ["garbage"]) { kind } } }',
        {"id": f"{site['id']}:s1"},
    )

    error = result["errors"][0]
    assert error["extensions"] == {"code": "invalid_input", "field": "signalKinds"}
    assert error["message"].startswith("an unknown signal kind; the kinds are ")
    assert "rage_click" in error["message"] and "jane.roe" not in error["message"]
    assert events["errors"][0]["extensions"] == {"code": "invalid_input", "field": "kinds"}


ONE = """
query One($id: ID!) {
  session(id: $id) {
    id day score scoreBreakdown device hasResponse
    signalCounts { kind count }
    pageViews { id template department signalCounts { kind count } frustrated }
    signals { id kind ts selector text falsePositive thresholdsVersion }
    surveyResponses { id surveyId negative answers template submittedAt }
  }
}
"""


async def test_one_session_brings_its_page_views_signals_and_responses(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    store = resources.store
    site_id = await new_site(store)
    s = session_doc(
        site_id, "full", "2024-03-07", score=3.5, signal_counts={"rage_click": 1}, has_response=True
    )
    pv0 = page_view_doc(s, 0, "/water/pay", department="Water Utility")
    pv1 = page_view_doc(s, 1, "/water/done", minute=2, signal_counts={"rage_click": 1})
    rage = signal_doc(pv1, "rage_click", selector="button.pay", text="Pay now")
    await store.sessions.insert_one(s)
    await store.page_views.insert_many([pv1, pv0])
    await store.signals.insert_one(rage)
    await store.responses.insert_one(response_doc(s, "sv_1", s["started_at"] + 90_000))

    result = await graphql(client, keys["analyst"], ONE, {"id": s["_id"]})

    session = result["data"]["session"]
    assert session["score"] == 3.5
    assert session["scoreBreakdown"] == {"rage_click": 1.0}
    assert session["signalCounts"] == [{"kind": "rage_click", "count": 1}]
    assert [pv["id"] for pv in session["pageViews"]] == [pv0["_id"], pv1["_id"]]
    assert session["pageViews"][0]["department"] == "Water Utility"
    assert session["pageViews"][1]["frustrated"] is True
    assert session["signals"] == [
        {
            "id": rage["_id"],
            "kind": "rage_click",
            "ts": "2024-03-07T12:02:01+00:00",
            "selector": "button.pay",
            "text": "Pay now",
            "falsePositive": False,
            "thresholdsVersion": "1",
        }
    ]
    assert session["surveyResponses"] == [
        {
            "id": f"r-{s['_id']}-sv_1",
            "surveyId": "sv_1",
            "negative": True,
            "answers": {"main": 2},
            "template": "/water/pay",
            "submittedAt": "2024-03-07T12:01:30+00:00",
        }
    ]


async def test_a_key_limited_to_another_site_sees_neither_the_list_nor_the_session(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], site: dict[str, Any]
) -> None:
    other = await new_site(resources.store)
    limited = await create_api_key(resources.store, Role.ANALYST, "limited", site_ids=[other])

    listed = await graphql(
        client, limited, LIST, {"site": site["id"], "first": 5, "order": "NEWEST"}
    )
    unscoped = await ids(client, limited, None)  # type: ignore[arg-type]
    one = await graphql(client, limited, ONE, {"id": site["sessions"]["s1"]["_id"]})

    assert listed["errors"][0]["extensions"] == {"code": "forbidden", "field": "siteId"}
    assert unscoped == []
    assert one["data"]["session"] is None


REPLAY = """
query Replay($id: ID!) {
  session(id: $id) {
    eventCount
    replay { windowId seq events }
    events(first: 50) { kind ts }
  }
}
"""


async def test_posted_rrweb_batch_comes_back_as_replay_chunks_and_an_event_timeline(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    recording = orjson.loads((DATA / "cases" / "rrweb" / "rrweb-fixture-scroll.json").read_bytes())
    session_id = uuid.uuid4().hex
    body = {
        "site_key": keys["site"],
        "session_id": session_id,
        "window_id": "w1",
        "seq": 1,
        "sent_at": recording[-1]["timestamp"] + 100,
        "format": "rrweb",
        "events": recording,
    }
    response = await client.post(
        "/collect", content=orjson.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == 202, response.text
    await wait_processed(resources, [response.json()["batch_id"]])

    result = await graphql(client, keys["analyst"], REPLAY, {"id": f"demo:{session_id}"})

    session = result["data"]["session"]
    chunks = session["replay"]
    assert [(c["windowId"], c["seq"]) for c in chunks] == [("w1", 1)]
    assert [e["type"] for e in chunks[0]["events"]] == [e["type"] for e in recording]
    # Timestamps were shifted by the clock-skew correction, but keep their spacing.
    stamps = [e["timestamp"] for e in chunks[0]["events"]]
    assert [b - a for a, b in zip(stamps, stamps[1:], strict=False)] == [
        b["timestamp"] - a["timestamp"] for a, b in zip(recording, recording[1:], strict=False)
    ]
    assert time.time() * 1000 - stamps[-1] < 600_000
    kinds = [e["kind"] for e in session["events"]]
    assert kinds.count("scroll") == 2
    assert "load" in kinds and "snapshot" in kinds
    assert len(session["events"]) == session["eventCount"]
