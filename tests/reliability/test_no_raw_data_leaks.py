"""Canaries planted in every kind of field never reach a log line, Redis, MongoDB or an error."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from api.auth import create_site
from api.resources import Resources
from embedded import ValkeyServer
from storage.raw_batches import PENDING_KEY, RAW_PREFIX
from tests.helpers import all_documents, wait_processed
from tests.reliability.canaries import (
    EMAIL,
    SENTENCE,
    TOKEN,
    found_in,
    native_canary_batch,
    readable,
    rrweb_canary_batch,
)
from tests.reliability.stack import open_stack
from tests.surveys.factory import graphql_input
from tests.surveys.public import DEPARTMENTS, ORIGIN, Site, create_survey, post
from workers.dirty import DIRTY_KEY

CLIENT_LOGGERS = ("httpx", "httpcore")


@contextlib.contextmanager
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture DEBUG records of every logger, those that do not propagate (uvicorn's) too."""
    caplog.set_level(logging.DEBUG)
    silenced = []
    for name, found in list(logging.root.manager.loggerDict.items()):
        if isinstance(found, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
            if not found.propagate:
                found.propagate = True
                silenced.append(found)
    try:
        yield
    finally:
        for found in silenced:
            found.propagate = False


async def redis_dump(resources: Resources) -> str:
    """Every key and every value in the queue's database, as text."""
    redis = resources.queue
    parts: list[str] = []
    async for key in redis.scan_iter(count=1000):
        kind = (await redis.type(key)).decode()
        if kind == "string":
            value: Any = await redis.get(key)
        elif kind == "hash":
            value = await redis.hgetall(key)
        elif kind == "set":
            value = await redis.smembers(key)
        elif kind == "zset":
            value = await redis.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            value = await redis.lrange(key, 0, -1)
        else:
            value = f"<{kind}>"
        parts.append(f"{readable(key)} {readable(value)}")
    return "\n".join(parts)


async def wait_aggregated(resources: Resources, timeout_s: float = 30) -> None:
    """Until the worker has recomputed every aggregate marked dirty."""
    deadline = time.monotonic() + timeout_s
    while await resources.queue.scard(DIRTY_KEY) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def hostile_requests(client: httpx.AsyncClient, site_key: str) -> list[httpx.Response]:
    """Requests refused by the API, each carrying canaries where a value could be echoed."""
    bad_events = {
        "site_key": site_key,
        "session_id": "s1",
        "window_id": "w1",
        "seq": 1,
        "format": "native",
        "events": [{"type": "click", "ts": EMAIL}, {"type": SENTENCE, "ts": 1}],
    }
    bodies: list[tuple[str, str, Any]] = [
        ("POST", "/collect", {**bad_events, "session_id": EMAIL}),
        ("POST", "/collect", {**bad_events, "site_key": SENTENCE}),
        ("POST", "/collect", bad_events),
        ("POST", "/collect", {**bad_events, "format": SENTENCE}),
        ("POST", "/collect", f'{{"site_key": "{EMAIL}", '.encode()),
        ("POST", "/surveys/sv_none/responses", {"site_key": site_key, "session_id": EMAIL}),
        (
            "POST",
            "/surveys/sv_none/responses",
            {"site_key": site_key, "session_id": "s", "visitor_id": "v", "answers": SENTENCE},
        ),
        ("GET", f"/surveys/eligible?site_key={site_key}&session_id=s&visitor_id={EMAIL}", None),
    ]
    responses = []
    for method, path, body in bodies:
        content = body if isinstance(body, bytes) else orjson.dumps(body) if body else None
        responses.append(
            await client.request(
                method, path, content=content, headers={"content-type": "application/json"}
            )
        )
    return responses


async def canary_survey_response(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> httpx.Response:
    """A survey response whose open-text answer is full of canaries."""
    site = Site(id="canary-" + uuid.uuid4().hex[:8], key="sk-" + uuid.uuid4().hex)
    await create_site(resources.store, site.id, "Canary site", site.key, [ORIGIN], DEPARTMENTS)
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    return await post(
        client,
        survey_id,
        "responses",
        site,
        {
            "session_id": "canary-session",
            "visitor_id": "canary-visitor",
            "url": "https://city.example.test/permits/apply",
            "answers": {"main": 1, "follow_up": f"It broke. {SENTENCE}"},
        },
    )


async def test_canaries_in_every_field_reach_no_log_redis_key_document_or_error_body(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    worker: object,
    caplog: pytest.LogCaptureFixture,
    unscrubbed_logs: None,
) -> None:
    # Without the log scrubber: this checks what the code logs, not what the filter catches.
    native_session, rrweb_session = uuid.uuid4().hex, uuid.uuid4().hex
    with every_logger_at_debug(caplog):
        accepted = [
            await client.post("/collect", json=native_canary_batch(keys["site"], native_session)),
            await client.post("/collect", json=rrweb_canary_batch(keys["site"], rrweb_session)),
        ]
        survey = await canary_survey_response(client, resources, keys)
        refused = await hostile_requests(client, keys["site"])
        await wait_processed(resources, [r.json()["batch_id"] for r in accepted])
        await wait_aggregated(resources)

    # The canaries went all the way through: both sessions and the response are stored.
    assert [r.status_code for r in accepted] == [202, 202]
    assert [r.json()["accepted"] for r in accepted] == [8, 5]
    assert survey.status_code == 201, survey.text
    stored = {
        c["session_id"]
        for c in await resources.store.event_chunks.find(
            {"session_id": {"$in": [f"demo:{native_session}", f"demo:{rrweb_session}"]}}
        ).to_list(None)
    }
    assert stored == {f"demo:{native_session}", f"demo:{rrweb_session}"}
    assert await resources.store.responses.count_documents({"session_id": {"$regex": "canary"}})
    # The capture saw DEBUG records from the API, the job runner and the store driver.
    names = {r.name for r in caplog.records}
    assert {"arq.worker", "workers.jobs"} <= names
    assert any(n.startswith("pymongo") for n in names)
    # arq logs each job with its arguments: ours are the batch id alone, and no result.
    for batch_id in [r.json()["batch_id"] for r in accepted]:
        runs = [
            r.getMessage()
            for r in caplog.records
            if r.name == "arq.worker" and f"{batch_id}:process_batch" in r.getMessage()
        ]
        started = [m for m in runs if "→" in m]
        finished = [m for m in runs if "←" in m]
        assert started and all(f":process_batch('{batch_id}')" in m for m in started), runs
        assert finished and all(m.endswith("● ") for m in finished), runs

    assert [r.status_code // 100 for r in refused] == [4] * len(refused)
    for response in refused:
        assert found_in(response.text) == [], response.request.url.path
    # Every server-side record, with its exception text; the test's own HTTP client is left out
    # (httpx logs the URLs it requests, which here stand for what a browser sends).
    formatter = logging.Formatter("%(name)s %(message)s")
    server_side = [r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]
    assert len(server_side) > 100
    assert found_in("\n".join(formatter.format(r) for r in server_side)) == []
    assert found_in(await redis_dump(resources)) == []
    for name, doc in await all_documents(resources):
        assert found_in(readable(doc)) == [], name


async def test_raw_batch_in_redis_is_encrypted_expiring_and_the_job_holds_only_its_id(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer
) -> None:
    # No worker serves this queue, so the accepted batch stays in Redis to be looked at.
    async with open_stack(
        redis_url=queue_server.url, mongodb_url=embedded_urls["mongodb"]
    ) as stack:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
            response = await http.post(
                "/collect", json=native_canary_batch(stack.site_key, uuid.uuid4().hex)
            )
        batch_id = response.json()["batch_id"]
        redis = stack.resources.queue

        ciphertext = await redis.get(RAW_PREFIX + batch_id)
        ttl_s = await redis.ttl(RAW_PREFIX + batch_id)
        plaintext = (await stack.resources.raw_batches.get(batch_id)).decode()
        job = await redis.get(f"arq:job:{batch_id}")
        everything = await redis_dump(stack.resources)

    assert response.status_code == 202
    assert 0 < ttl_s <= stack.settings.raw_batch_ttl_s
    # The canaries are in the batch, and not readable in what Redis holds.
    assert {"zq.canary.7731", "019-7731", "4111 1111 1111 1111", TOKEN} <= set(found_in(plaintext))
    assert found_in(ciphertext.decode()) == []
    assert orjson.loads(job)["a"] == [batch_id]
    assert found_in(everything) == []
    assert PENDING_KEY in everything


async def test_graphql_error_messages_do_not_quote_submitted_values(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    auth = {"authorization": f"Bearer {keys['admin']}"}
    bodies = [
        {"query": "query($id: ID!) { session(id: $id) { id } }", "variables": {"id": {"x": EMAIL}}},
        {"query": f'{{ sessions(first: "{EMAIL}") {{ edges {{ node {{ id }} }} }} }}'},
        {"query": f'{{ "{SENTENCE}" }}'},
    ]
    texts = [(await client.post("/graphql", json=body, headers=auth)).text for body in bodies]
    assert [found_in(text) for text in texts] == [[], [], []]

    # An enum value is shaped like a name, yet it is whatever the client typed.
    enum = '{ pages(siteId: "demo", range: {from: "2026-12-01", to: "2026-12-01"}, order: JANE_ROE)'
    answer = await client.post("/graphql", json={"query": enum + " { template } }"}, headers=auth)
    assert answer.status_code == 200 and "PageOrder" in answer.text
    assert "JANE_ROE" not in answer.text
