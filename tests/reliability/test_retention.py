"""Retention sweeps and erasure delete everything of a session, and the aggregates follow."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from api.auth import create_site
from api.resources import Resources
from tests.reliability.stack import native_batch, raw_record, run_job
from workers.audit_rollup import day_doc_id, rollup_audit
from workers.retention import (
    DAY_MS,
    day_of,
    erase_sessions,
    erase_visitor,
    sweep_retention,
)

SESSION_COLLECTIONS = ("sessions", "page_views", "event_chunks", "redaction_audit", "signals")


async def new_site(resources: Resources, retention_days: int = 90) -> str:
    site_id = "ret-" + uuid.uuid4().hex[:8]
    await create_site(
        resources.store,
        site_id,
        "Retention test",
        "sk-" + site_id,
        [],
        retention_days=retention_days,
    )
    return site_id


async def session_at(
    resources: Resources, worker: Any, site_id: str, at_ms: int, visitor_id: str | None = None
) -> str:
    """A session of two batches (a page view, clicks, a rage click) that arrived at ``at_ms``."""
    client_id = uuid.uuid4().hex
    for seq in (1, 2):
        body = native_batch("sk-" + site_id, client_id, seq)
        shift = at_ms - body["sent_at"]
        body["sent_at"] = at_ms
        for event in body["events"]:
            event["ts"] += shift
        if visitor_id:
            body["visitor_id"] = visitor_id
        result = await run_job(resources, worker, raw_record(site_id, body, at_ms))
        assert result["status"] == "stored"
    return f"{site_id}:{client_id}"


async def survey_records(resources: Resources, site_id: str, session_id: str, at_ms: int) -> None:
    """A response and a showing of a survey in this session, as the survey endpoints store them."""
    common = {"site_id": site_id, "session_id": session_id, "visitor_id": "v-" + session_id[-6:]}
    stamp = {"ts": at_ms, "day": day_of(at_ms)}
    await resources.store.responses.insert_one({"_id": uuid.uuid4().hex, **common, **stamp})
    await resources.store.db["survey_events"].insert_one(
        {"_id": uuid.uuid4().hex, **common, **stamp, "kind": "shown"}
    )


async def documents_of(resources: Resources, session_id: str) -> dict[str, int]:
    counts = {}
    for name in (*SESSION_COLLECTIONS, "responses", "survey_events"):
        key = "_id" if name == "sessions" else "session_id"
        counts[name] = await resources.store.db[name].count_documents({key: session_id})
    return counts


async def aggregated(resources: Resources, site_id: str) -> dict[str, tuple[int, int]]:
    """(sessions, page views) per day, summed over the site's aggregate rows."""
    rows = await resources.store.aggregates.find({"site_id": site_id}).to_list(None)
    days: dict[str, tuple[int, int]] = {}
    for row in rows:
        sessions, views = days.get(row["day"], (0, 0))
        days[row["day"]] = (sessions + row["sessions"], views + row["page_views"])
    return days


async def wait_aggregated(
    resources: Resources, site_id: str, expected: dict[str, tuple[int, int]], timeout_s: float = 20
) -> dict[str, tuple[int, int]]:
    """Until the worker's recompute of dirty days gives ``expected`` (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    found = await aggregated(resources, site_id)
    while found != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        found = await aggregated(resources, site_id)
    return found


async def test_retention_sweep_deletes_expired_sessions_everywhere_and_recomputes_aggregates(
    resources: Resources, worker: Any
) -> None:
    site_id = await new_site(resources, retention_days=30)
    now_ms = int(time.time() * 1000)
    old_ms = now_ms - 40 * DAY_MS
    old = await session_at(resources, worker, site_id, old_ms)
    recent = await session_at(resources, worker, site_id, now_ms - 60_000)
    await survey_records(resources, site_id, old, old_ms)
    await survey_records(resources, site_id, recent, now_ms)
    old_day, recent_day = day_of(old_ms), day_of(now_ms - 60_000)
    before = await wait_aggregated(resources, site_id, {old_day: (1, 1), recent_day: (1, 1)})
    kept = await documents_of(resources, recent)

    deleted = await sweep_retention({"resources": resources})

    assert before == {old_day: (1, 1), recent_day: (1, 1)}
    assert set((await documents_of(resources, old)).values()) == {0}
    assert await documents_of(resources, recent) == kept
    assert kept["event_chunks"] == 2 and kept["responses"] == 1
    assert await wait_aggregated(resources, site_id, {recent_day: (1, 1)}) == {recent_day: (1, 1)}
    entry = await resources.store.audit_log.find_one({"action": "retention", "site_id": site_id})
    assert entry is not None
    assert entry["who"] == "retention"
    assert entry["counts"]["sessions"] == 1
    assert entry["counts"]["event_chunks"] == 2
    assert entry["counts"]["responses"] == 1
    assert entry["counts"]["survey_events"] == 1
    assert deleted >= sum(entry["counts"].values())


async def test_erasing_a_session_deletes_its_documents_and_recounts_its_day(
    resources: Resources, worker: Any
) -> None:
    site_id = await new_site(resources)
    at_ms = int(time.time() * 1000) - 60_000
    erased = await session_at(resources, worker, site_id, at_ms)
    other = await session_at(resources, worker, site_id, at_ms)
    await survey_records(resources, site_id, erased, at_ms)
    day = day_of(at_ms)
    assert await wait_aggregated(resources, site_id, {day: (2, 2)}) == {day: (2, 2)}
    before = await documents_of(resources, erased)
    kept = await documents_of(resources, other)

    counts = await erase_sessions(
        resources.store, resources.queue, [erased], "key-abc123", role="privacy_officer"
    )

    assert counts["sessions"] == 1
    assert counts["event_chunks"] == before["event_chunks"] == 2
    assert counts["page_views"] == before["page_views"]
    assert counts["responses"] == 1 and counts["survey_events"] == 1
    assert counts["site_days"] == 1
    assert set((await documents_of(resources, erased)).values()) == {0}
    assert await documents_of(resources, other) == kept
    assert await wait_aggregated(resources, site_id, {day: (1, 1)}) == {day: (1, 1)}
    entry = await resources.store.audit_log.find_one({"action": "erasure", "who": "key-abc123"})
    assert entry is not None
    assert entry["role"] == "privacy_officer"
    assert entry["counts"]["sessions"] == 1


async def test_a_batch_arriving_after_its_session_was_erased_is_dropped(
    resources: Resources, worker: Any
) -> None:
    site_id = await new_site(resources)
    at_ms = int(time.time() * 1000) - 60_000
    session_id = await session_at(resources, worker, site_id, at_ms)
    await erase_sessions(resources.store, resources.queue, [session_id], "key-abc123")

    late = native_batch("sk-" + site_id, session_id.split(":", 1)[1], 3)
    result = await run_job(resources, worker, raw_record(site_id, late, at_ms + 5_000))

    assert result == {"status": "erased"}
    assert set((await documents_of(resources, session_id)).values()) == {0}


async def test_erasing_a_visitor_deletes_all_their_sessions_and_survey_records(
    resources: Resources, worker: Any
) -> None:
    site_id = await new_site(resources)
    at_ms = int(time.time() * 1000) - 60_000
    visitor = "v-" + uuid.uuid4().hex[:12]
    first = await session_at(resources, worker, site_id, at_ms, visitor_id=visitor)
    second = await session_at(resources, worker, site_id, at_ms, visitor_id=visitor)
    stranger = await session_at(resources, worker, site_id, at_ms)
    # A response of this visitor tied to a session that was never recorded, and the audit of
    # its redacted text (it names the session, not the visitor).
    gone = f"{site_id}:gone-{visitor}"
    rid = uuid.uuid4().hex
    await resources.store.responses.insert_one(
        {"_id": rid, "site_id": site_id, "session_id": gone, "visitor_id": visitor}
    )
    await resources.store.redaction_audit.insert_one(
        {"_id": f"response:{rid}:main", "site_id": site_id, "session_id": gone,
         "day": day_of(at_ms), "source": "survey_response", "by_entity": {"PERSON": 1}}
    )  # fmt: skip

    counts = await erase_visitor(resources.store, resources.queue, visitor, "key-abc123")

    assert counts["sessions"] == 2
    assert counts["responses"] == 1
    assert await resources.store.redaction_audit.count_documents({"session_id": gone}) == 0
    for session_id in (first, second):
        assert set((await documents_of(resources, session_id)).values()) == {0}
    assert (await documents_of(resources, stranger))["sessions"] == 1
    assert await resources.store.responses.count_documents({"visitor_id": visitor}) == 0


async def test_the_sweep_drops_the_audit_rollup_of_a_day_that_held_only_audits(
    resources: Resources, worker: Any
) -> None:
    site_id = await new_site(resources, retention_days=30)
    old_day = day_of(int(time.time() * 1000) - 40 * DAY_MS)
    await resources.store.redaction_audit.insert_one(
        {"_id": f"{site_id}:audit-only", "site_id": site_id, "session_id": f"{site_id}:gone",
         "day": old_day, "by_entity": {"PERSON": 1}, "fields_seen": {"text": 1}}
    )  # fmt: skip
    await rollup_audit(resources.store, site_id, [old_day])
    dashboard = resources.store.db["dashboard"]
    rolled = await dashboard.find_one({"_id": day_doc_id(site_id, old_day)})

    await sweep_retention({"resources": resources})

    deadline = time.monotonic() + 20
    left = rolled
    while left is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        left = await dashboard.find_one({"_id": day_doc_id(site_id, old_day)})
    assert rolled is not None and rolled["chunks"] == 1
    assert left is None
    assert await resources.store.redaction_audit.count_documents({"site_id": site_id}) == 0
