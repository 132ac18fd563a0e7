"""/collect joins a chunked event whose fragments come in separate requests."""

from __future__ import annotations

import json
import time
import uuid

import httpx

from api.resources import Resources
from tests.helpers import graphql, wait_processed

REPLAY = """
query One($id: ID!) { session(id: $id) { replay { seq events } } }
"""


async def test_fragments_posted_one_per_request_become_one_stored_snapshot(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    now = int(time.time() * 1000)
    session_id = uuid.uuid4().hex
    meta = {"type": 4, "timestamp": now - 2_000, "data": {"href": "https://city.example.test/"}}
    meta["data"].update({"width": 1280, "height": 800})
    snapshot = {
        "type": 2,
        "timestamp": now - 1_900,
        "data": {
            "node": {
                "type": 0,
                "id": 1,
                "childNodes": [{"type": 2, "id": 2, "tagName": "html", "attributes": {}}],
            },
            "initialOffset": {"left": 0, "top": 0},
        },
    }
    text = json.dumps(snapshot)
    pieces = [text[i : i + 60] for i in range(0, len(text), 60)]
    ids = {"site_key": keys["site"], "session_id": session_id, "window_id": "w1"}

    answers = []
    for seq, (index, piece) in enumerate(enumerate(pieces), start=2):
        fragment = {"chunk_id": "snap-1", "chunk_index": index, "chunk_count": len(pieces)}
        body = {**ids, "seq": seq, "events": [{**fragment, "data": piece}]}
        answers.append(await client.post("/collect", json=body))
    first = await client.post("/collect", json={**ids, "seq": 1, "events": [meta]})

    assert [a.status_code for a in answers] == [202] * len(pieces)
    assert [a.json()["accepted"] for a in answers] == [0] * (len(pieces) - 1) + [1]
    assert answers[0].json()["warnings"] == [{"code": "chunk_incomplete", "count": 1}]
    assert answers[-1].json()["warnings"] == []

    batch_ids = [a.json()["batch_id"] for a in [*answers, first]]
    await wait_processed(resources, batch_ids)
    found = await graphql(client, keys["admin"], REPLAY, {"id": f"demo:{session_id}"})
    chunks = found["data"]["session"]["replay"]
    # The snapshot is stored once, with the batch that completed it; the others held only parts.
    assert [(c["seq"], [e["type"] for e in c["events"]]) for c in chunks] == [
        (1, [4]),
        *((seq, []) for seq in range(2, len(pieces) + 1)),
        (len(pieces) + 1, [2]),
    ]
