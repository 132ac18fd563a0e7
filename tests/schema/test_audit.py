"""The redaction audit over HTTP: totals, per day, per session, policies in force."""

from __future__ import annotations

import time
import uuid

import httpx
import orjson

from anonymizer import POLICY_VERSION
from api.resources import Resources
from tests.helpers import graphql, wait_processed
from tests.schema.seed import audit_doc, new_site, session_doc

D1, D2 = "2024-06-01", "2024-06-02"
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
