"""Erasure and false-positive marks over HTTP: what goes, what stays, what is recomputed."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import orjson

from api.auth import Role, create_api_key, key_id_of
from api.resources import Resources
from tests.helpers import all_documents, graphql, wait_processed
from tests.schema.seed import (
    aggregate_doc,
    audit_doc,
    new_site,
    page_view_doc,
    response_doc,
    session_doc,
    signal_doc,
)

D1, D2 = "2024-05-01", "2024-05-02"
RESULT = """
  sessions sessionParts pageViews eventChunks signals responses surveyEvents redactionAudit batches
  aggregatesRecomputed
"""
ERASE_VISITOR = f"""
mutation E($visitor: String!, $site: String) {{
  eraseVisitor(visitorId: $visitor, siteId: $site) {{ {RESULT} }}
}}
"""
ERASE_SESSION = f"mutation E($id: ID!) {{ eraseSession(id: $id) {{ {RESULT} }} }}"


async def seed_visitor(store: Any, site_id: str, name: str, visitor: str, day: str) -> str:
    """One session with a document in every collection that refers to sessions."""
    session = session_doc(site_id, name, day, visitor_id=visitor, signal_counts={"rage_click": 1})
    pv = page_view_doc(session, 0, "/water/pay", department="Water Utility",
                       signal_counts={"rage_click": 1})  # fmt: skip
    sid = session["_id"]
    await store.sessions.insert_one(session)
    await store.page_views.insert_one(pv)
    await store.signals.insert_one(signal_doc(pv, "rage_click"))
    await store.event_chunks.insert_one(
        {"_id": f"{sid}:w1:1", "session_id": sid, "site_id": site_id, "window_id": "w1", "seq": 1}
    )
    await store.redaction_audit.insert_one(audit_doc(session, 1, by_entity={"PERSON": 1}))
    await store.batches.insert_one({"_id": uuid.uuid4().hex, "session_id": sid})
    await store.db["session_parts"].insert_one(
        {"_id": sid, "part": 0, "started_ts": session["started_at"], "last_ts": session["ended_at"]}
    )
    await store.responses.insert_one(response_doc(session, "sv_1", session["started_at"]))
    await store.db["survey_events"].insert_one(
        {"_id": uuid.uuid4().hex, "site_id": site_id, "session_id": sid, "visitor_id": visitor,
         "survey_id": "sv_1", "kind": "shown", "ts": session["started_at"]}
    )  # fmt: skip
    return sid


async def test_erasing_a_visitor_removes_all_their_documents_and_recomputes_aggregates(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    store = resources.store
    site_id = await new_site(store)
    visitor = f"visitor-{uuid.uuid4().hex[:8]}"
    erased = [
        await seed_visitor(store, site_id, "a1", visitor, D1),
        await seed_visitor(store, site_id, "a2", visitor, D2),
    ]
    kept = await seed_visitor(store, site_id, "b1", "someone-else", D1)
    # Stale aggregates that still count the visitor's page views.
    await store.aggregates.insert_many(
        [
            aggregate_doc(site_id, D1, "/water/pay", page_views=2, frustrated=2,
                          signals={"rage_click": 2}, department="Water Utility"),
            aggregate_doc(site_id, D2, "/water/pay", page_views=1, frustrated=1,
                          signals={"rage_click": 1}, department="Water Utility"),
        ]
    )  # fmt: skip

    result = await graphql(
        client, keys["privacy_officer"], ERASE_VISITOR, {"visitor": visitor, "site": site_id}
    )

    assert result["data"]["eraseVisitor"] == {
        "sessions": 2,
        "sessionParts": 2,
        "pageViews": 2,
        "eventChunks": 2,
        "signals": 2,
        "responses": 2,
        "surveyEvents": 2,
        "redactionAudit": 2,
        "batches": 2,
        "aggregatesRecomputed": 2,
    }
    for name, doc in await all_documents(resources):
        text = orjson.dumps(doc, default=str).decode()
        assert not any(sid in text for sid in erased), name
        assert visitor not in text, name
    assert await store.sessions.count_documents({"_id": kept}) == 1
    assert await store.page_views.count_documents({"session_id": kept}) == 1
    aggregates = await store.aggregates.find({"site_id": site_id}).to_list(None)
    assert [(a["day"], a["page_views"], a["signals"]["rage_click"]) for a in aggregates] == [
        (D1, 1, 1)
    ]


async def test_erasure_is_audited_with_counts_and_never_the_visitor_id(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)
    visitor = f"visitor-{uuid.uuid4().hex[:8]}"
    await seed_visitor(resources.store, site_id, "c1", visitor, D1)
    officer = await key_id_of(resources.store, keys["privacy_officer"])
    before = int(time.time() * 1000)

    await graphql(
        client, keys["privacy_officer"], ERASE_VISITOR, {"visitor": visitor, "site": site_id}
    )

    entries = await resources.store.audit_log.find(
        {"action": "erasure", "who": officer, "when": {"$gte": before}}
    ).to_list(None)
    assert len(entries) == 1
    assert entries[0]["scope"] == "visitor"
    assert entries[0]["counts"]["sessions"] == 1
    assert entries[0]["counts"]["page_views"] == 1
    assert visitor not in orjson.dumps(entries[0], default=str).decode()


async def test_a_privacy_officer_of_another_site_erases_nothing(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    store = resources.store
    site_id = await new_site(store)
    other = await new_site(store)
    officer = await create_api_key(store, Role.PRIVACY_OFFICER, "other", site_ids=[other])
    visitor = f"visitor-{uuid.uuid4().hex[:8]}"
    sid = await seed_visitor(store, site_id, "d1", visitor, D1)

    by_visitor = await graphql(client, officer, ERASE_VISITOR, {"visitor": visitor})
    by_session = await graphql(client, officer, ERASE_SESSION, {"id": sid})

    assert by_visitor["data"]["eraseVisitor"]["sessions"] == 0
    assert by_session["errors"][0]["extensions"]["code"] == "forbidden"
    assert await store.sessions.count_documents({"_id": sid}) == 1


async def test_a_session_posted_through_collect_is_erased_everywhere(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    session = uuid.uuid4().hex
    now = int(time.time() * 1000)
    batch = {
        "site_key": keys["site"],
        "session_id": session,
        "window_id": "w1",
        "seq": 1,
        "sent_at": now,
        "format": "native",
        "events": [
            {"type": "pageview", "ts": now - 4000, "url": "https://city.example.test/water/pay"},
            *[
                {"type": "click", "ts": now - 3000 + i * 100, "x": 50, "y": 60,
                 "target": {"selector": "button.pay", "tag": "button", "text": "Pay"}}
                for i in range(4)
            ],
        ],
    }  # fmt: skip
    response = await client.post(
        "/collect", content=orjson.dumps(batch), headers={"content-type": "application/json"}
    )
    assert response.status_code == 202
    await wait_processed(resources, [response.json()["batch_id"]])
    sid = f"demo:{session}"
    assert await resources.store.page_views.count_documents({"session_id": sid}) == 1

    result = await graphql(client, keys["admin"], ERASE_SESSION, {"id": sid})

    counts = result["data"]["eraseSession"]
    assert counts["sessions"] == 1 and counts["pageViews"] == 1 and counts["eventChunks"] == 1
    assert counts["sessionParts"] == 1
    assert counts["redactionAudit"] == 1
    assert counts["aggregatesRecomputed"] >= 1
    leftovers = [name for name, doc in await all_documents(resources) if session in str(doc)]
    assert leftovers == []


MARK = """
mutation M($id: ID!, $fp: Boolean!) {
  markFalsePositive(signalId: $id, falsePositive: $fp) { id falsePositive }
}
"""


async def test_marking_a_false_positive_sets_the_flag_and_recomputes_the_page_numbers(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    store = resources.store
    site_id = await new_site(store)
    session = session_doc(site_id, "m1", D1)
    view = page_view_doc(session, 0, "/", signal_counts={"dead_click": 1})
    signal = signal_doc(view, "dead_click")
    await store.page_views.insert_one(view)
    await store.signals.insert_one(signal)

    async def dead_clicks() -> list[int]:
        rows = await store.aggregates.find({"site_id": site_id, "day": D1}).to_list(None)
        return [r["signals"]["dead_click"] for r in rows]

    marked = await graphql(client, keys["analyst"], MARK, {"id": signal["_id"], "fp": True})
    stored = await store.signals.find_one({"_id": signal["_id"]})
    after_mark = await dead_clicks()
    cleared = await graphql(client, keys["analyst"], MARK, {"id": signal["_id"], "fp": False})
    after_clear = await dead_clicks()
    missing = await graphql(client, keys["analyst"], MARK, {"id": "nope", "fp": True})

    assert marked["data"]["markFalsePositive"] == {"id": signal["_id"], "falsePositive": True}
    assert stored is not None and stored["false_positive"] is True
    assert after_mark == [0]
    assert cleared["data"]["markFalsePositive"]["falsePositive"] is False
    assert after_clear == [1]
    assert missing["errors"][0]["extensions"] == {"code": "not_found", "field": "signalId"}
