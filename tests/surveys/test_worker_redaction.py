"""Open texts and page URLs wait encrypted in Redis until the worker redacts them onto their
response or survey event; retries and re-posts settle only the newest text, once.

Posts that must not be picked up before the test runs their job go through the service with a
queue no worker reads (`HELD_QUEUE`); the job then runs in this process with the worker's redactor.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from api.resources import Resources
from storage.chunks import unpack
from surveys import records
from surveys.inputs import INPUT_PREFIX, PENDING_KEY, SurveyInputs
from surveys.service import Visit, answer_survey
from surveys.store import SURVEY_EVENTS, find_survey
from tests.helpers import all_documents, graphql
from tests.surveys.factory import graphql_input
from tests.surveys.public import DEPARTMENTS, Site, create_survey, post, wait_inputs_settled
from workers.audit_rollup import day_doc_id
from workers.jobs import ARQ_JOB_PREFIX
from workers.survey_text import redact_survey_input, redrive_survey_inputs

HELD_QUEUE = "stuckpoint:test-held-survey-inputs"
PAGE = "https://city.example.test/permits/4821/apply?email=jane.roe%40example.com"
EMAIL = "jane.roe"
PHONE_TEXT = "first try, call me at 415-555-0134"
SSN_TEXT = "second try, my social is 536-22-8714"
SSN_REDACTED = "second try, my social is <US_SSN>"

RESPONSES_QUERY = """
query R($id: ID!) {
  survey(id: $id) { responses(first: 5) { edges { node {
    template answers { questionId value text pending }
  } } } }
}
"""


@pytest.fixture
async def held(resources: Resources) -> AsyncIterator[SurveyInputs]:
    """Survey inputs whose jobs wait in a queue no worker reads (so the re-drive skips them)."""
    raw = resources.raw_batches
    yield SurveyInputs(resources.queue, raw.fernet, raw.ttl_s, queue_name=HELD_QUEUE)
    job_ids = await resources.queue.zrange(HELD_QUEUE, 0, -1)
    await resources.queue.delete(HELD_QUEUE, *(ARQ_JOB_PREFIX.encode() + i for i in job_ids))


@pytest.fixture
async def ctx(resources: Resources, worker: Any) -> dict[str, Any]:
    """The worker's context, to run a job in this process."""
    while "redactor" not in worker.ctx:
        await asyncio.sleep(0.1)
    return {"resources": resources, "redactor": worker.ctx["redactor"]}


async def answer(
    resources: Resources,
    inputs: SurveyInputs,
    survey_id: str,
    visit: Visit,
    answers: dict[str, Any],
    url: str | None = None,
) -> dict[str, Any]:
    """Post through the service as the endpoint does; returns the stored response."""
    survey = await find_survey(resources.store, survey_id)
    assert survey is not None
    now_ms = int(time.time() * 1000)
    result = await answer_survey(resources.store, inputs, survey, visit, answers, "en", url, now_ms)
    doc = await records.find_response(resources.store, result["id"])
    assert doc is not None
    return doc


async def redis_contents(resources: Resources) -> bytes:
    """Every key and value in the queue's Redis, as one byte string to search."""
    redis = resources.queue
    parts: list[bytes] = []
    async for key in redis.scan_iter(count=1000):
        parts.append(key)
        kind = await redis.type(key)
        if kind == b"string":
            parts.append(await redis.get(key) or b"")
        elif kind == b"hash":
            fields = await redis.hgetall(key)  # type: ignore[misc]
            parts.extend(b for pair in fields.items() for b in pair)
        elif kind == b"zset":
            parts.extend(await redis.zrange(key, 0, -1))
        elif kind == b"list":
            parts.extend(await redis.lrange(key, 0, -1))  # type: ignore[misc]
    return b"\n".join(parts)


async def stored_anywhere(resources: Resources, text: str) -> list[str]:
    return [name for name, doc in await all_documents(resources) if text in str(doc)]


def visit_of(site: Site) -> Visit:
    return Visit(site.id, DEPARTMENTS, uuid.uuid4().hex, uuid.uuid4().hex, "w1")


async def test_open_text_waits_encrypted_and_settles_redacted_with_its_template(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    site: Site,
    held: SurveyInputs,
    ctx: dict[str, Any],
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    visit = visit_of(site)
    doc = await answer(
        resources, held, survey_id, visit, {"main": 2, "follow_up": SSN_TEXT}, url=PAGE
    )

    # Pending: numbers stored, the text null, the page unknown; the raw values only in Redis.
    input_id = doc["pending"]["follow_up"]
    assert doc["answers"] == {"main": 2, "follow_up": None}
    assert (doc[records.TEMPLATE_PENDING], doc.get("template")) == (input_id, None)
    assert await stored_anywhere(resources, "536-22-8714") == []
    assert await stored_anywhere(resources, EMAIL) == []
    token = await resources.queue.get(INPUT_PREFIX + input_id)
    assert token is not None and b"536-22-8714" not in token
    assert orjson.loads(resources.raw_batches.fernet.decrypt(token)) == {
        "kind": "response",
        "doc_id": doc["_id"],
        "texts": {"follow_up": SSN_TEXT},
        "path": "/permits/:id/apply",
    }
    assert 0 < await resources.queue.ttl(INPUT_PREFIX + input_id) <= resources.raw_batches.ttl_s

    result = await graphql(client, keys["analyst"], RESPONSES_QUERY, {"id": survey_id})
    (edge,) = result["data"]["survey"]["responses"]["edges"]
    assert edge["node"]["template"] is None
    assert edge["node"]["answers"][1] == {
        "questionId": "follow_up",
        "value": None,
        "text": None,
        "pending": True,
    }

    assert await redact_survey_input(ctx, input_id) == {"status": "settled", "settled": 2}

    settled = await records.find_response(resources.store, doc["_id"])
    assert settled is not None
    assert settled["answers"] == {"main": 2, "follow_up": SSN_REDACTED}
    assert (settled["pending"], settled["template"]) == ({}, "/permits/:id/apply")
    assert records.TEMPLATE_PENDING not in settled
    assert settled["updated_at"] >= doc["updated_at"]
    audit = await resources.store.redaction_audit.find_one(
        {"_id": f"response:{doc['_id']}:follow_up"}
    )
    assert audit is not None
    assert (audit["fields_seen"], audit["by_entity"]) == ({"survey": 1}, {"US_SSN": 1})
    assert await resources.queue.zscore(PENDING_KEY, input_id) is None
    assert b"536-22-8714" not in await redis_contents(resources)
    assert await stored_anywhere(resources, "536-22-8714") == []

    # A retry of the finished job finds nothing to do and changes nothing.
    assert await redact_survey_input(ctx, input_id) == {"status": "missing"}
    assert await records.find_response(resources.store, doc["_id"]) == settled

    result = await graphql(client, keys["analyst"], RESPONSES_QUERY, {"id": survey_id})
    (edge,) = result["data"]["survey"]["responses"]["edges"]
    assert edge["node"]["template"] == "/permits/:id/apply"
    assert edge["node"]["answers"][1]["text"] == SSN_REDACTED
    assert edge["node"]["answers"][1]["pending"] is False


async def test_a_re_post_before_the_job_ran_settles_only_the_newest_text(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    site: Site,
    held: SurveyInputs,
    ctx: dict[str, Any],
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    visit = visit_of(site)
    first = await answer(resources, held, survey_id, visit, {"main": 1, "follow_up": PHONE_TEXT})
    second = await answer(resources, held, survey_id, visit, {"follow_up": SSN_TEXT})
    old_id, new_id = first["pending"]["follow_up"], second["pending"]["follow_up"]
    assert old_id != new_id and second["_id"] == first["_id"]

    # The older job runs last here, as a late retry would: it must not overwrite the newer text.
    assert await redact_survey_input(ctx, new_id) == {"status": "settled", "settled": 1}
    assert await redact_survey_input(ctx, old_id) == {"status": "settled", "settled": 0}
    assert await redact_survey_input(ctx, new_id) == {"status": "missing"}

    docs = await resources.store.responses.find({"survey_id": survey_id}).to_list(None)
    assert len(docs) == 1
    assert docs[0]["answers"] == {"main": 1, "follow_up": SSN_REDACTED}
    assert docs[0]["pending"] == {}
    for raw in (PHONE_TEXT, SSN_TEXT):
        assert await stored_anywhere(resources, raw) == []
        assert raw.encode() not in await redis_contents(resources)


async def test_a_follow_up_dropped_before_its_job_ran_is_never_stored(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    site: Site,
    held: SurveyInputs,
    ctx: dict[str, Any],
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    visit = visit_of(site)
    first = await answer(resources, held, survey_id, visit, {"main": 2, "follow_up": SSN_TEXT})
    changed = await answer(resources, held, survey_id, visit, {"main": 5})
    assert changed["answers"] == {"main": 5}

    assert await redact_survey_input(ctx, first["pending"]["follow_up"]) == {
        "status": "settled",
        "settled": 0,
    }
    doc = await records.find_response(resources.store, first["_id"])
    assert doc is not None
    assert (doc["answers"], doc["pending"], doc["negative"]) == ({"main": 5}, {}, False)
    audit_id = f"response:{first['_id']}:follow_up"
    assert await resources.store.redaction_audit.find_one({"_id": audit_id}) is None
    assert SSN_TEXT.encode() not in await redis_contents(resources)


async def test_an_input_whose_job_was_lost_is_re_driven_and_settled(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    site: Site,
    held: SurveyInputs,
    ctx: dict[str, Any],
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    doc = await answer(
        resources, held, survey_id, visit_of(site), {"main": 2, "follow_up": SSN_TEXT}
    )
    input_id = doc["pending"]["follow_up"]
    # The job is gone (a queue restart lost it) and the input has waited past the re-drive age.
    await resources.queue.delete(ARQ_JOB_PREFIX + input_id, HELD_QUEUE)
    await resources.queue.zadd(PENDING_KEY, {input_id: 0})

    assert await redrive_survey_inputs(ctx) >= 1
    await wait_inputs_settled(resources)

    settled = await records.find_response(resources.store, doc["_id"])
    assert settled is not None
    assert settled["answers"] == {"main": 2, "follow_up": SSN_REDACTED}


async def test_the_api_hands_text_and_urls_to_the_worker_and_a_re_post_keeps_one_response(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    site: Site,
    worker: Any,
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    ids = {"session_id": uuid.uuid4().hex, "visitor_id": uuid.uuid4().hex, "url": PAGE}

    shown = await post(client, survey_id, "shown", site, ids)
    assert shown.status_code == 201, shown.text
    posts = [
        await post(
            client, survey_id, "responses", site, {**ids, "answers": {"main": 2, "follow_up": t}}
        )
        for t in (PHONE_TEXT, PHONE_TEXT, SSN_TEXT)
    ]
    assert [p.status_code for p in posts] == [201, 201, 201]
    assert len({p.json()["id"] for p in posts}) == 1
    await wait_inputs_settled(resources)

    event = await resources.store.db[SURVEY_EVENTS].find_one({"_id": shown.json()["id"]})
    assert event is not None
    assert event["template"] == "/permits/:id/apply"
    assert records.TEMPLATE_PENDING not in event
    docs = await resources.store.responses.find({"survey_id": survey_id}).to_list(None)
    assert len(docs) == 1
    assert docs[0]["answers"] == {"main": 2, "follow_up": SSN_REDACTED}
    assert docs[0]["template"] == "/permits/:id/apply"
    for raw in (EMAIL, "415-555-0134", "536-22-8714"):
        assert await stored_anywhere(resources, raw) == []
        assert raw.encode() not in await redis_contents(resources)


async def test_a_settled_text_brings_its_audit_into_the_days_rollup(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    site: Site,
    held: SurveyInputs,
    ctx: dict[str, Any],
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    doc = await answer(
        resources, held, survey_id, visit_of(site), {"main": 1, "follow_up": SSN_TEXT}
    )

    assert await redact_survey_input(ctx, doc["pending"]["follow_up"]) == {
        "status": "settled",
        "settled": 1,
    }

    # The job marked the site-day dirty; the test worker's aggregation cron rolls it up.
    rollup_id = day_doc_id(site.id, doc["day"])
    deadline = time.monotonic() + 30
    rollup = None
    while rollup is None and time.monotonic() < deadline:
        rollup = await resources.store.db["dashboard"].find_one({"_id": rollup_id})
        await asyncio.sleep(0.2)
    assert rollup is not None, "the day's audit was never rolled up"
    (summary,) = unpack(rollup["summary"])
    assert (rollup["chunks"], summary["by_entity"]) == (1, {"US_SSN": 1})
