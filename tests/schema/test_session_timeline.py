"""One session's event timeline over GraphQL, after the real pipeline: what ingest flagged shows."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson

from api.resources import Resources
from tests.helpers import graphql, wait_processed
from tests.ingest.ingest_case_files import load_case

TIMELINE = """query T($id: ID!) { session(id: $id) { events(first: 100) { kind ts flags } } }"""


async def test_outlier_times_show_as_clamped_clicks_in_the_timeline(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    case = load_case("bugs/25")
    outliers = case["expected"]["flagged_event_timestamps"]
    for n, event in enumerate(e for e in case["events"] if e["timestamp"] in outliers):
        # Elsewhere on the link: an exact copy of the click before would be a retried event.
        event["data"]["x"] = 5 + n
    session = uuid.uuid4().hex
    body = {
        "site_key": keys["site"], "session_id": session, "window_id": "w", "seq": 1,
        "sent_at": 1700000003000, "format": "rrweb", "events": case["events"],
    }  # fmt: skip

    posted = await client.post("/collect", content=orjson.dumps(body))
    assert posted.status_code == 202, posted.text
    await wait_processed(resources, [posted.json()["batch_id"]])
    result = await graphql(client, keys["analyst"], TIMELINE, {"id": f"demo:{session}"})

    events = result["data"]["session"]["events"]
    clamped = [e for e in events if "ts_clamped" in e["flags"]]
    # Case 25's two outliers (1999 and 2100) are clicks, given the time of the click before.
    assert [e["kind"] for e in clamped] == ["click", "click"]
    assert len(events) == len(case["events"])
    before = [e for e in events if e["kind"] == "click" and not e["flags"]]
    assert {e["ts"] for e in clamped} == {before[0]["ts"]}
    assert all(e["flags"] == [] for e in events if e not in clamped)
