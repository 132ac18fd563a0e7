"""/collect over HTTP: formats, retries, order, limits and clear 4xx errors."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from typing import Any

import httpx
import orjson

from api.resources import Resources
from tests.conftest import DATA
from tests.helpers import graphql, wait_processed

RECORDING = DATA / "cases" / "rrweb" / "rrweb-player-demoit-react.json"
BUGS = DATA / "cases" / "bugs"

TIMELINE = """
query One($id: ID!) {
  session(id: $id) { eventCount pageViewCount events(first: 2000) { ts kind } }
}
"""


def envelope(site_key: str, session_id: str, seq: int, events: list[Any]) -> dict[str, Any]:
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": seq,
        "sent_at": int(time.time() * 1000),
        "format": "rrweb",
        "events": events,
    }


async def post_json(client: httpx.AsyncClient, body: Any, **headers: str) -> httpx.Response:
    return await client.post(
        "/collect",
        content=orjson.dumps(body),
        headers={"content-type": "application/json", **headers},
    )


async def test_real_recording_in_shuffled_batches_with_a_retry_is_one_ordered_session(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    events = json.loads(RECORDING.read_text())
    # Put the recording at the current time, so clock-skew correction leaves it alone.
    offset = int(time.time() * 1000) - 120_000 - events[0]["timestamp"]
    events = [{**e, "timestamp": e["timestamp"] + offset} for e in events]
    parts = [events[i : i + 70] for i in range(0, len(events), 70)]
    session_id = uuid.uuid4().hex

    batch_ids = []
    for seq in (3, 1, 2, 4, 2):  # out of order, and batch 2 retried
        body = envelope(keys["site"], session_id, seq, parts[seq - 1])
        response = await post_json(client, body)
        assert response.status_code == 202, response.text
        batch_ids.append(response.json()["batch_id"])
    await wait_processed(resources, batch_ids)

    result = await graphql(client, keys["admin"], TIMELINE, {"id": f"demo:{session_id}"})
    session = result["data"]["session"]
    stored = await resources.store.event_chunks.find({"session_id": f"demo:{session_id}"}).to_list(
        None
    )
    assert sorted(c["seq"] for c in stored) == [1, 2, 3, 4]
    assert sum(c["count"] for c in stored) == len(events)
    timestamps = [e["ts"] for e in session["events"]]
    assert timestamps == sorted(timestamps)
    kinds = [e["kind"] for e in session["events"]]
    assert kinds.count("click") == 3 and kinds.count("scroll") == 12


async def test_gzip_and_text_plain_bodies_are_accepted(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    body = orjson.dumps(
        envelope(
            keys["site"],
            uuid.uuid4().hex,
            1,
            [
                {
                    "type": 4,
                    "data": {"href": "https://city.example.test/", "width": 1280, "height": 800},
                    "timestamp": int(time.time() * 1000),
                }
            ],
        )
    )
    gzipped = await client.post(
        "/collect",
        content=gzip.compress(body),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    beacon = await client.post(
        "/collect", content=body, headers={"content-type": "text/plain;charset=UTF-8"}
    )
    assert gzipped.status_code == 202 and gzipped.json()["accepted"] == 1
    assert beacon.status_code == 202 and beacon.json()["accepted"] == 1


async def test_truncated_and_garbage_bodies_get_400_and_the_valid_one_is_accepted(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    case = json.loads((BUGS / "28-truncated-upload.json").read_text())
    session_id = uuid.uuid4().hex
    statuses = []
    for item in case["events"]:
        response = await client.post(
            f"/collect?site_key={keys['site']}&session_id={session_id}&window_id=w1&seq=1",
            content=item["body"].encode(),
            headers={"content-type": item["content_type"]},
        )
        statuses.append(response.status_code)
        if response.status_code >= 400:
            assert response.json()["field"], response.text
    assert statuses == case["expected"]["responses"][:2] + [202]


async def test_bad_input_is_named_in_a_4xx_never_a_500(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    good = envelope(keys["site"], uuid.uuid4().hex, 1, [{"type": 4, "data": {}, "timestamp": 1}])
    cases: list[tuple[dict[str, Any] | bytes, dict[str, str], int, str]] = [
        ({**good, "site_key": "no-such-key"}, {}, 401, "site_key"),
        ({k: v for k, v in good.items() if k != "session_id"}, {}, 400, "session_id"),
        ({**good, "seq": "first"}, {}, 400, "seq"),
        (b"{not json", {}, 400, "body"),
        (b"<xml/>", {"content-type": "application/xml"}, 415, "content-type"),
        (b"x" * 2_000_000, {}, 413, "body"),
    ]
    for body, headers, status, field in cases:
        content = body if isinstance(body, bytes) else orjson.dumps(body)
        response = await client.post(
            "/collect", content=content, headers={"content-type": "application/json", **headers}
        )
        assert response.status_code == status, (field, response.text)
        assert response.json()["field"] == field, response.text


async def test_limits_count_utf8_bytes_not_characters(
    client: httpx.AsyncClient, keys: dict[str, str], settings: Any
) -> None:
    # 300,000 three-byte characters: under the request limit in characters, over it in bytes.
    text = "€" * 400_000
    body = envelope(
        keys["site"],
        uuid.uuid4().hex,
        1,
        [
            {
                "type": 5,
                "data": {"tag": "note", "payload": {"text": text}},
                "timestamp": int(time.time() * 1000),
            }
        ],
    )
    assert len(orjson.dumps(body).decode()) < settings.max_request_bytes
    response = await post_json(client, body)
    assert response.status_code == 413
