"""The walking skeleton: /collect → Redis (encrypted) → worker → MongoDB → GraphQL."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import orjson

from api.resources import Resources
from storage.chunks import unpack
from storage.raw_batches import PENDING_KEY, RAW_PREFIX
from tests.helpers import all_documents, graphql, wait_processed
from workers.jobs import process_batch

EMAIL = "maria.sanchez@example.com"
PHONE = "(555) 014-2267"

SESSION_QUERY = """
query One($id: ID!) {
  session(id: $id) {
    id eventCount pageViewCount
    pageViews { url path template }
    events { kind selector text }
  }
}
"""


def native_batch(site_key: str, session_id: str, seq: int = 1) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": seq,
        "sent_at": now,
        "format": "native",
        "events": [
            {"type": "pageview", "ts": now - 5000, "url": "https://city.example.test/water/pay"},
            {
                "type": "click",
                "ts": now - 4000,
                "x": 100,
                "y": 200,
                "target": {
                    "selector": "a.contact",
                    "tag": "a",
                    "text": f"Write to {EMAIL} or call {PHONE}",
                },
            },
            {
                "type": "click",
                "ts": now - 3000,
                "x": 300,
                "y": 420,
                "target": {"selector": "button.pay", "tag": "button", "text": "Pay now"},
            },
        ],
    }


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await client.post(
        "/collect", content=orjson.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["batch_id"])


async def test_posted_batch_is_redacted_stored_and_queryable(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    session_id = uuid.uuid4().hex
    batch_id = await post(client, native_batch(keys["site"], session_id))
    await wait_processed(resources, [batch_id])

    result = await graphql(client, keys["admin"], SESSION_QUERY, {"id": f"demo:{session_id}"})
    session = result["data"]["session"]
    assert session["eventCount"] == 3
    assert session["pageViewCount"] == 1
    assert session["pageViews"][0]["path"] == "/water/pay"
    clicks = [e for e in session["events"] if e["kind"] == "click"]
    assert [c["selector"] for c in clicks] == ["a.contact", "button.pay"]
    assert EMAIL not in clicks[0]["text"] and "555" not in clicks[0]["text"]
    assert clicks[0]["text"].startswith("Write to ")
    assert clicks[1]["text"] == "Pay now"


async def test_email_and_phone_in_click_text_never_reach_the_store(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    batch_id = await post(client, native_batch(keys["site"], uuid.uuid4().hex))
    await wait_processed(resources, [batch_id])

    documents = await all_documents(resources)
    assert any(name == "event_chunks" for name, _ in documents)
    for name, doc in documents:
        text = orjson.dumps(doc, default=str).decode()
        assert EMAIL not in text, name
        assert PHONE not in text and "014-2267" not in text, name


async def test_raw_batch_is_gone_from_redis_after_processing(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    batch_id = await post(client, native_batch(keys["site"], uuid.uuid4().hex))
    # Until processed, the raw batch is stored encrypted: the email is not readable in Redis.
    raw = await resources.queue.get(RAW_PREFIX + batch_id)
    if raw is not None:
        assert EMAIL.encode() not in raw
    await wait_processed(resources, [batch_id])

    assert await resources.queue.exists(RAW_PREFIX + batch_id) == 0
    assert await resources.queue.zscore(PENDING_KEY, batch_id) is None


class Killed(Exception):
    """Stands for a worker that dies after storing, before it marks the batch done."""


async def test_job_run_twice_after_a_crash_does_not_duplicate_events(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    from anonymizer import Redactor

    session_id = uuid.uuid4().hex
    batch_id = uuid.uuid4().hex
    record = {
        "batch_id": batch_id,
        "site_id": "demo",
        "received_at_ms": int(time.time() * 1000),
        "client": {"ip": "127.0.0.0", "user_agent": ""},
        "batch": native_batch(keys["site"], session_id),
    }
    await resources.raw_batches.put(batch_id, orjson.dumps(record))

    async def crash(*_: object) -> None:
        raise Killed

    redactor = worker.ctx["redactor"]
    assert isinstance(redactor, Redactor)
    crashing = {"resources": resources, "redactor": redactor, "after_store": [crash]}
    try:
        await process_batch(crashing, batch_id)
    except Killed:
        pass
    assert await resources.queue.exists(RAW_PREFIX + batch_id) == 1

    healthy = {"resources": resources, "redactor": redactor, "after_store": []}
    assert (await process_batch(healthy, batch_id))["status"] == "stored"

    key = f"demo:{session_id}"
    chunks = await resources.store.event_chunks.find({"session_id": key}).to_list(None)
    assert len(chunks) == 1
    assert chunks[0]["count"] == 3 and len(unpack(chunks[0]["payload"])) == 3
    session = await resources.store.sessions.find_one({"_id": key})
    assert session is not None and session["event_count"] == 3


async def test_site_allow_listed_input_is_analyzed_and_others_are_dropped(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    await resources.store.sites.update_one(
        {"_id": "demo"}, {"$set": {"redaction.analyze_input_fields": ["search"]}}
    )
    session_id = uuid.uuid4().hex
    body = native_batch(keys["site"], session_id)
    now = body["events"][0]["ts"]

    def typed(name: str, value: str) -> dict[str, Any]:
        target = {"selector": f"input[name={name}]", "tag": "input", "attrs": {"name": name}}
        return {"type": "input", "ts": now + 10, "target": target, "value": value}

    body["events"] += [typed("search", f"potholes near {EMAIL}"), typed("nickname", "Mari")]
    try:
        await wait_processed(resources, [await post(client, body)])
    finally:
        await resources.store.sites.update_one(
            {"_id": "demo"}, {"$unset": {"redaction.analyze_input_fields": ""}}
        )

    result = await graphql(
        client,
        keys["admin"],
        SESSION_QUERY.replace("text }", "text data }"),
        {"id": f"demo:{session_id}"},
    )
    inputs = {
        e["selector"]: e["data"]
        for e in result["data"]["session"]["events"]
        if e["kind"] == "input"
    }
    searched = inputs["input[name=search]"]
    assert searched["value"].startswith("potholes near ") and EMAIL not in searched["value"]
    assert inputs["input[name=nickname]"] == {"masked": True, "length": 4}
