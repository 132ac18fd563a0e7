"""Ingestion bug cases (tests/data/cases/bugs, 22–27) through the whole pipeline over HTTP."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import Any

import httpx
import orjson

from api.resources import Resources
from storage.chunks import unpack
from tests.conftest import DATA
from tests.helpers import wait_processed

BUGS = DATA / "cases" / "bugs"


def case(name: str) -> dict[str, Any]:
    return json.loads((BUGS / f"{name}.json").read_text())  # type: ignore[no-any-return]


def iso_to_ms(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


async def post_batch(
    client: httpx.AsyncClient, site_key: str, session_id: str, batch: dict[str, Any]
) -> str:
    body = {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": batch.get("window_id", "w-1"),
        "seq": batch.get("seq", 1),
        "sent_at": iso_to_ms(batch["sent_at"]) if "sent_at" in batch else None,
        "format": "rrweb",
        "events": batch["events"],
    }
    if "page_id" in batch:
        body["page_id"] = batch["page_id"]
    response = await client.post(
        "/collect", content=orjson.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["batch_id"])


async def stored_events(resources: Resources, session_id: str) -> list[dict[str, Any]]:
    chunks = await resources.store.event_chunks.find({"session_id": f"demo:{session_id}"}).to_list(
        None
    )
    return [e for c in sorted(chunks, key=lambda c: c["seq"]) for e in unpack(c["payload"])]


def clicks(events: list[dict[str, Any]]) -> int:
    return sum(
        1
        for e in events
        if e["type"] == 3 and e["data"].get("source") == 2 and e["data"]["type"] == 2
    )


async def test_retried_batch_and_repeated_events_are_stored_once(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    data = case("22-retry-duplicate-batches")
    session_id = uuid.uuid4().hex
    ids = [await post_batch(client, keys["site"], session_id, b) for b in data["events"]]
    await wait_processed(resources, ids)

    events = await stored_events(resources, session_id)
    assert len(events) == data["expected"]["stored_event_count"]
    assert clicks(events) == data["expected"]["clicks_after_dedup"]
    rage = await resources.store.signals.count_documents(
        {"session_id": f"demo:{session_id}", "kind": "rage_click"}
    )
    assert rage == data["expected"]["rage_clicks"]


async def test_a_second_recorder_on_the_page_is_dropped(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    data = case("23-duplicate-recorders")
    session_id = uuid.uuid4().hex
    batch = {"events": data["events"], "sent_at": "2023-11-14T22:13:24.000Z"}
    await wait_processed(resources, [await post_batch(client, keys["site"], session_id, batch)])

    events = await stored_events(resources, session_id)
    assert (
        sum(1 for e in events if e["type"] == 2) == data["expected"]["full_snapshots_after_dedup"]
    )
    assert clicks(events) == data["expected"]["clicks_after_dedup"]


async def test_outlier_timestamps_do_not_stretch_the_session(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    data = case("25-timestamp-outliers")
    session_id = uuid.uuid4().hex
    sent_at_ms = int(time.time() * 1000)
    # The browser's clock is right here: shift the recording to now, outliers included.
    shift = sent_at_ms - 2_600 - data["expected"]["session_start"]
    events = [{**e, "timestamp": e["timestamp"] + shift} for e in data["events"]]
    await wait_processed(
        resources, [await post_batch(client, keys["site"], session_id, {"events": events})]
    )

    session = await resources.store.sessions.find_one({"_id": f"demo:{session_id}"})
    assert session is not None
    expected = data["expected"]
    assert session["started_at"] == expected["session_start"] + shift
    assert session["ended_at"] == expected["session_end"] + shift
    chunk = await resources.store.event_chunks.find_one({"session_id": f"demo:{session_id}"})
    assert chunk is not None and chunk["clamped_events"] == len(
        expected["flagged_event_timestamps"]
    )


async def test_duplicated_tab_reusing_a_window_id_is_kept_as_a_separate_page_life(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    data = case("27-duplicated-tab-same-window-id")
    session_id = uuid.uuid4().hex
    ids = [await post_batch(client, keys["site"], session_id, b) for b in data["events"]]
    await wait_processed(resources, ids)

    chunks = await resources.store.event_chunks.find({"session_id": f"demo:{session_id}"}).to_list(
        None
    )
    assert len(chunks) == 3  # nothing overwritten
    assert sum(1 for c in chunks if c["duplicated_tab"]) == 1
    assert len({c["window_id"] for c in chunks}) == 2
    page_views = await resources.store.page_views.count_documents(
        {"session_id": f"demo:{session_id}"}
    )
    assert page_views == 2


async def test_with_page_ids_every_batch_of_a_duplicated_tab_follows_its_own_stream(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    data = case("27-duplicated-tab-same-window-id")
    first, duplicate, more = data["events"]
    session_id = uuid.uuid4().hex

    # The original page (p-1) and the duplicate (p-2) both go on from the copied seq counter.
    def later(ms: int) -> list[dict[str, Any]]:
        return [{**e, "timestamp": e["timestamp"] + ms} for e in more["events"]]

    batches = [
        {**first, "page_id": "p-1"},
        {**duplicate, "page_id": "p-2"},
        {**more, "seq": 2, "page_id": "p-2"},
        {**more, "seq": 2, "page_id": "p-1", "events": later(150)},
        {**more, "seq": 3, "page_id": "p-2", "events": later(300)},
    ]
    ids = []
    for batch in batches:  # one at a time: the order the two tabs' batches arrived in
        ids.append(await post_batch(client, keys["site"], session_id, batch))
        await wait_processed(resources, ids[-1:])

    chunks = await resources.store.event_chunks.find({"session_id": f"demo:{session_id}"}).to_list(
        None
    )
    streams = {(c["page_id"], c["seq"]): c["window_id"] for c in chunks}
    assert len(chunks) == 5
    assert streams[("p-1", 1)] == streams[("p-1", 2)] == "w-1"
    assert streams[("p-2", 1)] == streams[("p-2", 2)] == streams[("p-2", 3)] != "w-1"
    assert streams[("p-2", 1)].startswith("w-1~")


async def test_a_session_splits_after_30_idle_minutes(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    session_id = uuid.uuid4().hex
    now = int(time.time() * 1000)
    start = now - 40 * 60_000

    def batch(seq: int, ts: int) -> dict[str, Any]:
        meta = {
            "type": 4,
            "data": {"href": f"https://city.example.test/p{seq}", "width": 1280, "height": 800},
            "timestamp": ts,
        }
        return {"seq": seq, "window_id": "w-1", "events": [meta]}

    ids = [
        await post_batch(client, keys["site"], session_id, batch(1, start)),
        await post_batch(client, keys["site"], session_id, batch(2, start + 60_000)),
    ]
    await wait_processed(resources, ids)
    # 31 minutes after the last activity: a new part.
    ids = [await post_batch(client, keys["site"], session_id, batch(3, start + 32 * 60_000))]
    await wait_processed(resources, ids)

    first = await resources.store.sessions.find_one({"_id": f"demo:{session_id}"})
    second = await resources.store.sessions.find_one({"_id": f"demo:{session_id}~1"})
    assert first is not None and second is not None
    assert (first["page_view_count"], second["page_view_count"]) == (2, 1)
    assert second["started_at"] == start + 32 * 60_000
