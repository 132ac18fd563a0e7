"""Answering a survey reads the session's signals and page views by `_id`, so its cost does not
grow with what is stored (FerretDB v1 scans for any other filter)."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from api.resources import Resources
from bench.fault_checks import native_batch
from surveys import records
from tests.workers.test_store_access import recording, run_jobs


async def test_the_nearest_signal_and_the_latest_template_are_read_by_id(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    session = uuid.uuid4().hex
    key = f"demo:{session}"
    bodies = [native_batch(keys["site"], session, seq) for seq in (1, 2)]
    await run_jobs(resources, worker, bodies)
    store = resources.store
    stored_signals = await store.signals.find({"session_id": key}).to_list(None)
    stored_views = await store.page_views.find({"session_id": key}).to_list(None)
    last = max(stored_signals, key=lambda d: (d["ts"], d["_id"]))

    recorded, recorder, client = await recording(resources)
    try:
        nearest = await records.nearest_signal(recorded.store, key, last["ts"] + 1)
        before_any = await records.nearest_signal(recorded.store, key, last["ts"] - 60_000)
        template = await records.latest_template(recorded.store, key, "w1")
        other_window = await records.latest_template(recorded.store, key, "w2")
        unknown = await records.nearest_signal(recorded.store, "demo:no-such-session", 1)
    finally:
        await client.close()

    assert nearest == {"id": last["_id"], "kind": last["kind"], "ts": last["ts"]}
    assert before_any is None
    assert template == max(stored_views, key=lambda v: v["started_at"])["template"]
    assert other_window is None
    assert unknown is None
    assert recorder.not_by_id() == []
    reads = Counter(collection for name, collection, _ in recorder.commands if name == "find")
    assert reads["signals"] == 2 * len(stored_signals)
    assert reads["page_views"] == 2 * len(stored_views)


async def test_a_response_is_listed_on_its_session_once(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    session = uuid.uuid4().hex
    key = f"demo:{session}"
    await run_jobs(resources, worker, [native_batch(keys["site"], session, 1)])

    marked = [await records.mark_session(resources.store, key, "r1", False) for _ in range(2)]
    await records.mark_session(resources.store, key, "r2", True)
    missing = await records.mark_session(resources.store, "demo:not-stored", "r3", False)

    doc = await resources.store.sessions.find_one({"_id": key})
    assert marked == [True, True] and missing is False
    assert doc is not None
    assert sorted(doc[records.RESPONSE_IDS]) == ["r1", "r2"]
    assert (doc["has_response"], doc["negative_response"]) == (True, True)


async def test_responses_given_before_the_session_was_stored_are_listed_on_it(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    session = uuid.uuid4().hex
    key = f"demo:{session}"
    early = [{"_id": f"early-{session}-{n}", "site_id": "demo", "session_id": key,
              "negative": n == 1, "ts": 1, "answers": {}} for n in range(2)]  # fmt: skip
    await resources.store.responses.insert_many(early)

    await run_jobs(resources, worker, [native_batch(keys["site"], session, 1)])

    doc = await resources.store.sessions.find_one({"_id": key})
    assert doc is not None
    assert sorted(doc[records.RESPONSE_IDS]) == [e["_id"] for e in early]
    assert (doc["has_response"], doc["negative_response"]) == (True, True)


async def test_responses_given_before_their_page_views_get_the_template_open_then(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    # Found by a fresh user: such a response stayed without a template ("(unknown)" by page).
    session = uuid.uuid4().hex
    key = f"demo:{session}"
    body = native_batch(keys["site"], session, 1)
    opened = body["events"][0]["ts"]
    base = {"site_id": "demo", "session_id": key, "negative": False, "answers": {}}
    early = [
        {**base, "_id": f"open-{session}", "window_id": "w1", "ts": opened + 500},
        {**base, "_id": f"before-{session}", "window_id": "w1", "ts": opened - 500},
        {**base, "_id": f"other-{session}", "window_id": "w2", "ts": opened + 500},
        {**base, "_id": f"pending-{session}", "window_id": "w1", "ts": opened + 500,
         records.TEMPLATE_PENDING: "input-1"},
        {**base, "_id": f"known-{session}", "window_id": "w1", "ts": opened + 500,
         "template": "/given"},
    ]  # fmt: skip
    await resources.store.responses.insert_many(early)

    await run_jobs(resources, worker, [body])

    stored = {
        d["_id"].split("-")[0]: d.get("template")
        for d in await resources.store.responses.find({"session_id": key}).to_list(None)
    }
    view = await resources.store.page_views.find_one({"session_id": key})
    assert view is not None and view["template"].startswith("/")
    assert stored == {
        "open": view["template"],
        "before": None,
        "other": None,
        "pending": None,
        "known": "/given",
    }
