"""Canaries in rrweb's structure (extra keys, unknown types and plugins, handlers, CSS) and in
native request methods and custom tags, sent through /collect and the worker: none is stored."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from api.resources import Resources
from tests.helpers import all_documents, wait_processed
from tests.reliability.canaries import CARD, EMAIL, found_in, readable

KEPT_TEXT = "Pay your water bill online"


def _element(node_id: int, tag: str, attrs: dict[str, str], children: list[Any]) -> dict[str, Any]:
    return {"id": node_id, "type": 2, "tagName": tag, "attributes": attrs, "childNodes": children}


def structure_canary_batch(site_key: str, session_id: str) -> dict[str, Any]:
    """An rrweb recording whose canaries sit where only the event's structure carries them."""
    base = int(time.time() * 1000) - 10_000
    style = _element(6, "style", {}, [{"id": 7, "type": 3, "textContent": f"a{{x:'{EMAIL}'}}"}])
    button = _element(
        9,
        "button",
        {"onclick": f"login('{EMAIL}')", "style": f"background:url(/a?email={EMAIL})"},
        [{"id": 10, "type": 3, "textContent": KEPT_TEXT}],
    )
    html = _element(
        3, "html", {}, [_element(4, "head", {}, [style]), _element(5, "body", {}, [button])]
    )
    snapshot = {
        "node": {"id": 1, "type": 0, "childNodes": [html]},
        "initialOffset": {"top": 0, "left": 0},
    }
    sheet = {"source": 8, "id": 6, "adds": [{"rule": f".b{{x:'{EMAIL}'}}", "index": 0}]}
    plugin = {"plugin": "acme/identify@1", "payload": {"email": EMAIL, "card": CARD}}
    events = [
        {
            "type": 4,
            "data": {"href": "https://city.example.test/water", "width": 1280, "height": 800},
        },
        {"type": 2, "data": snapshot},
        {"type": 3, "data": sheet},
        {"type": 7, "data": {"email": EMAIL, "card": CARD}},
        {"type": 6, "data": plugin},
    ]
    for index, event in enumerate(events):
        event.update(timestamp=base + 100 * index, sessionId=EMAIL, userEmail=EMAIL)
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": 1,
        "sent_at": base + 10_000,
        "format": "rrweb",
        "events": events,
    }


def native_field_canary_batch(site_key: str, session_id: str) -> dict[str, Any]:
    """A native request whose method, and a custom event whose tag, carry a canary."""
    base = int(time.time() * 1000) - 5_000
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": 1,
        "sent_at": base + 5_000,
        "format": "native",
        "events": [
            {"type": "pageview", "ts": base, "url": "https://city.example.test/water"},
            {
                "type": "request",
                "ts": base + 100,
                "url": "https://city.example.test/api/pay",
                "status": 500,
                "method": f"POST {EMAIL}",
            },
            {"type": "custom", "ts": base + 200, "tag": f"signup {EMAIL}"},
        ],
    }


async def test_structure_and_native_field_canaries_are_not_stored(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], worker: object
) -> None:
    rrweb_session, native_session = uuid.uuid4().hex, uuid.uuid4().hex
    accepted = [
        await client.post("/collect", json=structure_canary_batch(keys["site"], rrweb_session)),
        await client.post("/collect", json=native_field_canary_batch(keys["site"], native_session)),
    ]
    assert [r.status_code for r in accepted] == [202, 202], [r.text for r in accepted]
    await wait_processed(resources, [r.json()["batch_id"] for r in accepted])

    chunks = await resources.store.event_chunks.find(
        {"session_id": {"$in": [f"demo:{rrweb_session}", f"demo:{native_session}"]}}
    ).to_list(None)
    assert {c["session_id"] for c in chunks} == {f"demo:{rrweb_session}", f"demo:{native_session}"}
    stored = readable(chunks)
    # Ordinary content made it through; the canaries did not.
    assert KEPT_TEXT in stored
    assert "acme/identify@1" in stored
    assert found_in(stored) == []
    for name, doc in await all_documents(resources):
        assert found_in(readable(doc)) == [], name
