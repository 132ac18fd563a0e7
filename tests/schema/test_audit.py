"""The redaction audit over HTTP: totals, per day, per session, policies in force; read from
the per-day documents the aggregation cron writes, or one session's audits by `_id`, with the
same answers as from the stored audit documents."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from anonymizer import POLICY_VERSION
from api.auth import Role, create_api_key
from api.resources import Resources
from storage.mongo import Store
from tests.helpers import graphql, wait_processed
from tests.schema.conftest import ApiServer
from tests.schema.recorded import RecordedApi, recorded_api  # noqa: F401 (fixture)
from tests.schema.seed import audit_doc, new_site, response_doc, session_doc
from tests.schema.test_safety import post
from workers.aggregate import DASHBOARD, recompute_days
from workers.session_state import STATE_FIELD, ChunkRef, SessionState

D1, D2 = "2024-06-01", "2024-06-02"


@dataclass
class _StoreOnly:
    """What ``workers.aggregate.recompute_days`` reads from its resources: the store."""

    store: Store


AUDIT = """
query A($site: String, $range: DateRange!, $session: ID) {
  redactionAudit(siteId: $site, range: $range, sessionId: $session) {
    chunks timeouts
    byEntity { name count }
    byFieldKind { name count }
    byDay { key chunks redactions }
    bySession { key chunks redactions byEntity { name count } }
    policies { version hash firstDay lastDay chunks }
  }
}
"""


async def test_audit_totals_by_entity_field_kind_day_session_and_policy(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)
    s1 = session_doc(site_id, "s1", D1)
    s2 = session_doc(site_id, "s2", D2)
    await resources.store.redaction_audit.insert_many(
        [
            audit_doc(s1, 1, by_entity={"EMAIL_ADDRESS": 2, "PERSON": 1},
                      by_field_kind={"text": 2, "input": 1}, policy_version="1"),
            audit_doc(s1, 2, day=D2, by_entity={"PHONE_NUMBER": 1},
                      by_field_kind={"url": 1}, policy_version="2"),
            audit_doc(s2, 1, by_entity={"EMAIL_ADDRESS": 1},
                      by_field_kind={"input": 1}, policy_version="2"),
        ]
    )  # fmt: skip

    result = await graphql(
        client,
        keys["privacy_officer"],
        AUDIT,
        {"site": site_id, "range": {"from": D1, "to": D2}},
    )

    audit = result["data"]["redactionAudit"]
    assert audit["chunks"] == 3 and audit["timeouts"] == 0
    assert audit["byEntity"] == [
        {"name": "EMAIL_ADDRESS", "count": 3},
        {"name": "PERSON", "count": 1},
        {"name": "PHONE_NUMBER", "count": 1},
    ]
    assert audit["byFieldKind"] == [
        {"name": "input", "count": 2},
        {"name": "text", "count": 2},
        {"name": "url", "count": 1},
    ]
    assert audit["byDay"] == [
        {"key": D1, "chunks": 1, "redactions": 3},
        {"key": D2, "chunks": 2, "redactions": 2},
    ]
    assert [(s["key"], s["chunks"], s["redactions"]) for s in audit["bySession"]] == [
        (s1["_id"], 2, 4),
        (s2["_id"], 1, 1),
    ]
    assert audit["policies"] == [
        {"version": "1", "hash": "hash-1", "firstDay": D1, "lastDay": D1, "chunks": 1},
        {"version": "2", "hash": "hash-2", "firstDay": D2, "lastDay": D2, "chunks": 2},
    ]

    one = await graphql(
        client,
        keys["privacy_officer"],
        AUDIT,
        {"site": site_id, "range": {"from": D1, "to": D2}, "session": s2["_id"]},
    )
    assert one["data"]["redactionAudit"]["byEntity"] == [{"name": "EMAIL_ADDRESS", "count": 1}]


async def test_an_email_posted_through_collect_shows_up_as_a_count_never_as_a_value(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    email = "ana.lopez@example.org"
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
            {"type": "pageview", "ts": now - 2000, "url": "https://city.example.test/contact"},
            {"type": "click", "ts": now - 1000, "x": 5, "y": 5,
             "target": {"selector": "a.mail", "tag": "a", "text": f"Mail {email}"}},
        ],
    }  # fmt: skip
    response = await client.post(
        "/collect", content=orjson.dumps(batch), headers={"content-type": "application/json"}
    )
    await wait_processed(resources, [response.json()["batch_id"]])
    today = time.strftime("%Y-%m-%d", time.gmtime(now / 1000))

    result = await graphql(
        client,
        keys["privacy_officer"],
        AUDIT,
        {"site": "demo", "range": {"from": today, "to": today}, "session": f"demo:{session}"},
    )

    audit = result["data"]["redactionAudit"]
    assert {"name": "EMAIL_ADDRESS", "count": 1} in audit["byEntity"]
    assert [p["version"] for p in audit["policies"]] == [POLICY_VERSION]
    assert email not in orjson.dumps(result).decode()


FULL = """
query A($site: String, $range: DateRange!, $session: ID) {
  redactionAudit(siteId: $site, range: $range, sessionId: $session) {
    chunks timeouts
    byEntity { name count } byFieldKind { name count } byRecognizer { name count }
    byOperator { name count } fieldsSeen { name count }
    byDay { key chunks redactions byEntity { name count } byFieldKind { name count } }
    bySession(first: 200) { key chunks redactions byEntity { name count }
                            byFieldKind { name count } }
    policies { version hash engine firstDay lastDay chunks }
  }
}
"""
R1, R2, R3 = "2024-06-10", "2024-06-11", "2024-06-12"
RANGE = {"from": R1, "to": R3}


async def seed_audits(store: Store, site_id: str) -> dict[str, dict[str, Any]]:
    """Four sessions over three days with their chunks listed in their worker state: one runs
    past midnight, two policies share a version, engines change, one survey answer was
    redacted, an entity was counted 0 times."""
    a = session_doc(site_id, "a", R1)
    b = session_doc(site_id, "b", R1, hour=9)
    c = {**session_doc(site_id, "c", R2, has_response=True), "negative_response": False}
    d = session_doc(site_id, "d", R3)
    docs = [
        audit_doc(a, 1, by_entity={"EMAIL_ADDRESS": 2, "PERSON": 0}, by_field_kind={"text": 2}),
        {**audit_doc(a, 2, day=R2, by_entity={"PHONE_NUMBER": 1}, by_field_kind={"url": 1},
                     policy_version="2"), "timeouts": 1, "engine": {"model": "m2"}},
        {**audit_doc(b, 1, by_entity={"EMAIL_ADDRESS": 1}, policy_version="2"),
         "policy_hash": "hash-2b"},
        audit_doc(b, 2, by_entity={"PERSON": 3}, by_field_kind={"input": 3}, policy_version="2"),
        audit_doc(c, 1, by_entity={"LOCATION": 1}, by_field_kind={"text": 1}),
        audit_doc(d, 1, by_entity={"PERSON": 1}, by_field_kind={"attribute": 1}),
    ]  # fmt: skip
    response = {**response_doc(c, "sv_1", c["started_at"]), "answers": {"main": 2, "why": "x"}}
    docs.append(
        {**audit_doc(c, 9, by_entity={"PERSON": 2}, by_field_kind={"survey_text": 1}),
         "_id": f"response:{response['_id']}:why", "source": "survey_response"}
    )  # fmt: skip
    sessions = {"a": a, "b": b, "c": c, "d": d}
    for session in sessions.values():
        chunk_ids = [doc["_id"] for doc in docs if doc["_id"].startswith(session["_id"] + ":")]
        refs = [ChunkRef(i, "w1", "w1", n, 0, "native", "v") for n, i in enumerate(chunk_ids)]
        session[STATE_FIELD] = SessionState(chunks=refs).pack()
    await store.sessions.insert_many(list(sessions.values()))
    await store.redaction_audit.insert_many(docs)
    await store.responses.insert_one(response)
    return sessions


async def _audit(url: str, key: str, variables: dict[str, Any]) -> dict[str, Any]:
    result = await post(url, key, FULL, variables)
    assert "errors" not in result, result
    return result["data"]["redactionAudit"]  # type: ignore[no-any-return]


async def test_rolled_up_days_answer_exactly_as_the_stored_audit_documents(
    counted_api: ApiServer, resources: Resources, keys: dict[str, str]
) -> None:
    store = resources.store
    site_id, other = await new_site(store), await new_site(store)
    await seed_audits(store, site_id)
    await seed_audits(store, other)
    both = await create_api_key(store, Role.PRIVACY_OFFICER, "two", site_ids=[site_id, other])
    officer = keys["privacy_officer"]
    one_site = {"site": site_id, "range": RANGE}
    stored = await _audit(counted_api.url, officer, one_site)
    stored_both = await _audit(counted_api.url, both, {"range": RANGE})

    await recompute_days(_StoreOnly(store), site_id, [R1, R2, R3])  # type: ignore[arg-type]
    counted_api.counter.reset()
    rolled = await _audit(counted_api.url, officer, one_site)
    reads = counted_api.counter.reads()
    mixed_both = await _audit(counted_api.url, both, {"range": RANGE})
    await recompute_days(_StoreOnly(store), other, [R1, R2, R3])  # type: ignore[arg-type]
    rolled_both = await _audit(counted_api.url, both, {"range": RANGE})
    # A day never rolled up (here: taken off the list) is read from the stored documents.
    await store.db[DASHBOARD].update_one(
        {"_id": f"{site_id}|audit"}, {"$unset": {f"days.{R2}": ""}}
    )
    partly = await _audit(counted_api.url, officer, one_site)

    assert rolled == stored and partly == stored
    assert mixed_both == stored_both and rolled_both == stored_both
    assert "redaction_audit" not in reads
    assert stored["chunks"] == 7 and stored["timeouts"] == 1
    assert stored["byEntity"] == [
        {"name": "PERSON", "count": 6},
        {"name": "EMAIL_ADDRESS", "count": 3},
        {"name": "LOCATION", "count": 1},
        {"name": "PHONE_NUMBER", "count": 1},
    ]
    assert [(d["key"], d["chunks"], d["redactions"]) for d in stored["byDay"]] == [
        (R1, 3, 6),
        (R2, 3, 4),
        (R3, 1, 1),
    ]
    assert [(p["version"], p["hash"], p["firstDay"], p["lastDay"], p["chunks"])
            for p in stored["policies"]] == [
        ("1", "hash-1", R1, R3, 4),
        ("2", "hash-2b", R1, R1, 1),
        ("2", "hash-2", R1, R2, 2),
    ]  # fmt: skip
    assert stored["policies"][2]["engine"] == {"model": "m2"}
    assert stored_both["chunks"] == 14


async def test_an_erased_session_leaves_the_rolled_up_audit_as_the_stored_documents_do(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    store = resources.store
    site_id = await new_site(store)
    sessions = await seed_audits(store, site_id)
    await recompute_days(_StoreOnly(store), site_id, [R1, R2, R3])  # type: ignore[arg-type]
    officer = keys["privacy_officer"]
    erase = "mutation E($id: ID!) { eraseSession(id: $id) { redactionAudit } }"

    for name in ("a", "d"):
        result = await graphql(client, officer, erase, {"id": sessions[name]["_id"]})
        assert result["data"]["eraseSession"]["redactionAudit"] >= 1
    rolled = (await graphql(client, officer, FULL, {"site": site_id, "range": RANGE}))["data"]
    await store.db[DASHBOARD].delete_one({"_id": f"{site_id}|audit"})
    stored = (await graphql(client, officer, FULL, {"site": site_id, "range": RANGE}))["data"]

    assert rolled == stored
    audit = rolled["redactionAudit"]
    assert audit["chunks"] == 4
    assert sorted(s["key"] for s in audit["bySession"]) == [
        sessions["b"]["_id"],
        sessions["c"]["_id"],
    ]
    assert [d["key"] for d in audit["byDay"]] == [R1, R2]
    # R3 held only the erased session's audit: its document is gone.
    assert await store.db[DASHBOARD].find_one({"_id": f"{site_id}|audit|{R3}"}) is None


async def test_one_sessions_audit_is_read_by_id_and_answers_as_the_stored_documents(
    recorded_api: RecordedApi,  # noqa: F811
    resources: Resources,
    keys: dict[str, str],
) -> None:
    store = resources.store
    site_id = await new_site(store)
    sessions = await seed_audits(store, site_id)
    officer = keys["privacy_officer"]
    cases = [
        {"site": site_id, "range": RANGE, "session": sessions["a"]["_id"]},
        {"site": site_id, "range": {"from": R1, "to": R1}, "session": sessions["a"]["_id"]},
        {"range": RANGE, "session": sessions["c"]["_id"]},
    ]

    recorded_api.recorder.reset()
    by_id = [await _audit(recorded_api.url, officer, v) for v in cases]
    audit_reads = recorded_api.recorder.of("redaction_audit")
    for session in sessions.values():
        await store.sessions.update_one({"_id": session["_id"]}, {"$unset": {STATE_FIELD: ""}})
    stored = [await _audit(recorded_api.url, officer, v) for v in cases]

    assert by_id == stored
    assert audit_reads and all(r.by_id for r in audit_reads)
    assert [s["chunks"] for s in by_id] == [2, 1, 2]
    assert by_id[2]["byFieldKind"] == [
        {"name": "survey_text", "count": 1},
        {"name": "text", "count": 1},
    ]
