"""The redaction audit's per-day documents in ``dashboard``: what one rollup writes, that it
carries counts and ids only, and that a day left without audits loses its document."""

from __future__ import annotations

from typing import Any

from api.resources import Resources
from storage.chunks import unpack
from tests.schema.seed import audit_doc, new_site, session_doc
from workers.audit_rollup import DASHBOARD, day_doc_id, days_doc_id, rollup_audit

D1, D2, D3 = "2024-07-01", "2024-07-02", "2024-07-03"


async def _dashboard(resources: Resources, doc_id: str) -> dict[str, Any] | None:
    return await resources.store.db[DASHBOARD].find_one({"_id": doc_id})


async def test_a_rollup_writes_each_days_sums_sessions_and_policies_and_lists_the_days(
    resources: Resources,
) -> None:
    store = resources.store
    site_id = await new_site(store)
    s1, s2 = session_doc(site_id, "s1", D1), session_doc(site_id, "s2", D1)
    first = audit_doc(s1, 1, by_entity={"EMAIL_ADDRESS": 2, "PERSON": 0},
                      by_field_kind={"text": 2}, policy_version="1")  # fmt: skip
    second = audit_doc(s1, 2, by_entity={"PHONE_NUMBER": 1}, by_field_kind={"input": 1},
                       policy_version="2")  # fmt: skip
    second["timeouts"] = 2
    other = audit_doc(s2, 1, by_entity={"EMAIL_ADDRESS": 1}, policy_version="2")
    late = audit_doc(s1, 3, day=D2, by_entity={"PERSON": 4})
    await store.redaction_audit.insert_many([first, second, other, late])

    await rollup_audit(store, site_id, [D1])

    day = await _dashboard(resources, day_doc_id(site_id, D1))
    assert day is not None and day["site_id"] == site_id and day["day"] == D1
    assert day["chunks"] == 3
    [summary] = unpack(day["summary"])
    assert summary["chunks"] == 3 and summary["timeouts"] == 2
    assert summary["by_entity"] == {"EMAIL_ADDRESS": 3, "PERSON": 0, "PHONE_NUMBER": 1}
    assert summary["by_field_kind"] == {"text": 2, "input": 1}
    assert summary["fields_seen"] == {"text": 15}
    assert [(p["version"], p["hash"], p["chunks"]) for p in summary["policies"]] == [
        ("1", "hash-1", 1),
        ("2", "hash-2", 2),
    ]
    assert summary["policies"][1]["first_id"] == second["_id"]
    assert summary["policies"][1]["last_id"] == other["_id"]
    assert summary["policies"][1]["engine"] == other["engine"]
    assert sorted((r["session_id"], r["chunks"]) for r in unpack(day["sessions"])) == [
        (s1["_id"], 2),
        (s2["_id"], 1),
    ]
    # The day after is rolled up too: a batch arriving after midnight is dated that day.
    next_day = await _dashboard(resources, day_doc_id(site_id, D2))
    assert next_day is not None and unpack(next_day["summary"])[0]["by_entity"] == {"PERSON": 4}
    # The site's list of rolled-up days holds each day's sums again.
    days = await _dashboard(resources, days_doc_id(site_id))
    assert days is not None and sorted(days["days"]) == [D1, D2]
    assert unpack(days["days"][D1]) == [summary]


async def test_rolled_up_documents_hold_counts_and_ids_never_other_fields_of_an_audit(
    resources: Resources,
) -> None:
    store = resources.store
    site_id = await new_site(store)
    doc = audit_doc(session_doc(site_id, "s1", D1), 1, by_entity={"EMAIL_ADDRESS": 1})
    # A field no audit should have (a value): the rollup never copies it.
    doc["sample"] = "ana.lopez@example.org"
    await store.redaction_audit.insert_one(doc)

    await rollup_audit(store, site_id, [D1])

    day = await _dashboard(resources, day_doc_id(site_id, D1))
    assert day is not None
    assert sorted(day) == ["_id", "chunks", "day", "sessions", "site_id", "summary"]
    unpacked = repr([unpack(day["summary"]), unpack(day["sessions"])])
    assert "ana.lopez" not in unpacked and "example.org" not in unpacked


async def test_a_day_whose_audits_were_erased_loses_its_document_and_is_listed_empty(
    resources: Resources,
) -> None:
    store = resources.store
    site_id = await new_site(store)
    s1 = session_doc(site_id, "s1", D3)
    await store.redaction_audit.insert_one(audit_doc(s1, 1, by_entity={"PERSON": 1}))
    await rollup_audit(store, site_id, [D3])
    assert await _dashboard(resources, day_doc_id(site_id, D3)) is not None

    await store.redaction_audit.delete_many({"session_id": s1["_id"]})
    await rollup_audit(store, site_id, [D3])

    assert await _dashboard(resources, day_doc_id(site_id, D3)) is None
    days = await _dashboard(resources, days_doc_id(site_id))
    assert days is not None and D3 in days["days"] and days["days"][D3] is None
