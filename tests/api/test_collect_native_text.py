"""Native events through /collect and the worker: long text cut safely, navigations as page
views, and chunk fragments kept encrypted in Redis."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import orjson

from api.resources import Resources
from ingest.chunk_store import CHUNKS_PREFIX
from tests.helpers import all_documents, graphql, wait_processed

SESSION_QUERY = """
query One($id: ID!) {
  session(id: $id) {
    pageViews { url path }
    events { kind text data }
  }
}
"""
FILLER = "Request to the permit service failed after several retries "  # 60 characters
EMAIL = "jane.roe@example.com"
CARD = "4111 1111 1111 1111"


def filler(chars: int) -> str:
    return (FILLER * (chars // len(FILLER) + 1))[:chars]


def batch(site_key: str, session_id: str, events: list[Any], seq: int = 1) -> dict[str, Any]:
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": seq,
        "sent_at": int(time.time() * 1000),
        "format": "native",
        "events": events,
    }


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    response = await client.post("/collect", content=orjson.dumps(body))
    assert response.status_code == 202, response.text
    return response


async def stored_text(resources: Resources, session_id: str) -> str:
    """Every stored document of the session, as JSON text."""
    docs = [orjson.dumps(d, default=str).decode() for _, d in await all_documents(resources)]
    return "\n".join(d for d in docs if session_id in d)


async def test_values_at_the_length_cut_are_redacted_whole_not_stored_in_part(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    now = int(time.time() * 1000)
    session_id = uuid.uuid4().hex
    long_text = filler(3000)
    events = [
        {"type": "pageview", "ts": now - 6000, "url": "https://city.example.test/pay"},
        {"type": "error", "ts": now - 5000, "message": filler(488) + " " + EMAIL},
        {"type": "error", "ts": now - 4000, "message": filler(488) + " " + CARD},
        {
            "type": "click",
            "ts": now - 3000,
            "target": {"tag": "a", "text": filler(190) + " " + EMAIL},
        },
        {"type": "error", "ts": now - 2000, "message": long_text},
    ]
    answer = await post(client, batch(keys["site"], session_id, events))
    await wait_processed(resources, [answer.json()["batch_id"]])

    found = await graphql(client, keys["admin"], SESSION_QUERY, {"id": f"demo:{session_id}"})
    session = found["data"]["session"]
    errors = [e["data"]["message"] for e in session["events"] if e["kind"] == "error"]
    (click,) = [e["text"] for e in session["events"] if e["kind"] == "click"]
    stored = await stored_text(resources, session_id)

    for partial in ("jane.roe@ex", "jane.roe", "4111 1111", "4111"):
        assert partial not in stored
        assert partial not in json.dumps(session)
    assert errors[0].startswith(filler(488)) and len(errors[0]) <= 500
    assert errors[1].startswith(filler(480)) and len(errors[1]) <= 500
    assert click.startswith(filler(190)) and len(click) <= 200
    # Ordinary long text is kept up to the limit, cut between words.
    assert long_text.startswith(errors[2]) and 500 - len("retries ") <= len(errors[2]) <= 500


async def test_native_navigations_each_start_a_page_view(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    now = int(time.time() * 1000)
    session_id = uuid.uuid4().hex
    events: list[dict[str, Any]] = [
        {"type": "pageview", "ts": now - 20_000, "url": "https://city.example.test/f"}
    ]
    events += [
        {"type": "navigation", "ts": now - 19_000 + 1000 * n, "url": f"/f/step-{n}"}
        for n in range(12)
    ]
    answer = await post(client, batch(keys["site"], session_id, events))
    await wait_processed(resources, [answer.json()["batch_id"]])

    found = await graphql(client, keys["admin"], SESSION_QUERY, {"id": f"demo:{session_id}"})
    paths = [pv["path"] for pv in found["data"]["session"]["pageViews"]]

    assert paths == ["/f", *(f"/f/step-{n}" for n in range(12))]


async def test_fragments_wait_encrypted_in_redis_and_join_in_a_later_request(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    now = int(time.time() * 1000)
    session_id = uuid.uuid4().hex
    error = {
        "type": "error",
        "ts": now - 1000,
        "message": f"Payment failed for Jane Roe {EMAIL} SSN 078-05-1120 card {CARD}",
    }
    text = json.dumps(error)
    half = len(text) // 2
    parts = [text[:half], text[half:]]
    fragments = [
        {"chunk_id": "c9", "chunk_index": i, "chunk_count": 2, "data": part}
        for i, part in enumerate(parts)
    ]
    before = {k async for k in resources.queue.scan_iter(match=CHUNKS_PREFIX + "*")}

    first = await post(client, batch(keys["site"], session_id, fragments[:1], seq=1))
    keys_now = {k async for k in resources.queue.scan_iter(match=CHUNKS_PREFIX + "*")} - before
    kept = [await resources.queue.hgetall(k) for k in keys_now]
    second = await post(client, batch(keys["site"], session_id, fragments[1:], seq=2))

    assert len(kept) == 1 and len(kept[0]) == 2  # the part and the byte count
    raw = b"".join(kept[0].values())
    for plain in (parts[0], "Jane Roe", "jane.roe", "078-05", "Payment failed"):
        assert plain.encode() not in raw
    assert (first.json()["accepted"], second.json()["accepted"]) == (0, 1)
    await wait_processed(resources, [first.json()["batch_id"], second.json()["batch_id"]])
    found = await graphql(client, keys["admin"], SESSION_QUERY, {"id": f"demo:{session_id}"})
    (message,) = [e["data"]["message"] for e in found["data"]["session"]["events"]]
    assert message.startswith("Payment failed for ") and EMAIL not in message
