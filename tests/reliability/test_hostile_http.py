"""Hostile requests to /collect, the survey endpoints and /graphql: never a 5xx, never a crash.

A few hundred hypothesis cases here; `python -m bench.fuzz_http` runs ten thousand and more.
Whatever /collect accepts is then run through the worker's job: stored, or set aside.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.bodylimit import BodyLimit
from api.resources import Resources
from bench.fuzz_cases import (
    Case,
    collect_cases,
    encode,
    graphql_cases,
    survey_cases,
    valid_envelopes,
)
from embedded import ValkeyServer
from storage.raw_batches import QUARANTINE_PREFIX, RAW_PREFIX
from tests.reliability.stack import Stack, open_stack
from tests.surveys.factory import graphql_input
from tests.surveys.public import Site, create_survey

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Target:
    stack: Stack
    http: httpx.AsyncClient
    survey_id: str
    keys: list[str]
    accepted: list[str]

    async def send(self, case: Case) -> httpx.Response:
        response = await self.http.request(
            case.method, case.path, content=case.content, headers=case.headers, params=case.params
        )
        if case.path == "/collect" and response.status_code == 202:
            self.accepted.append(response.json()["batch_id"])
        return response


KEEPALIVE_EXPIRY_S = 2.0


@pytest.fixture(scope="module")
async def target(
    settings: object,
    embedded_urls: dict[str, str],
    keys: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Target]:
    """An API on a queue of its own (no worker), rate limits off, with one live survey.

    The app is wrapped in BodyLimit as api/app.py should wrap it; without it /graphql answers
    compressed, cut or bare-JSON bodies with a 500 (pinned by test_oversized_input.py).
    """
    queue = ValkeyServer(Path(tmp_path_factory.mktemp("fuzz")) / "valkey")
    queue.start()
    try:
        async with open_stack(
            wrap=BodyLimit,
            redis_url=queue.url,
            mongodb_url=embedded_urls["mongodb"],
            rate_limit_per_minute=1_000_000_000,
        ) as stack:
            # Idle connections are dropped before uvicorn's 5 s keep-alive ends: reusing one the
            # server is closing at that moment fails the request with a ReadError.
            limits = httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_S)
            async with httpx.AsyncClient(base_url=stack.url, timeout=60, limits=limits) as http:
                site = Site("demo", stack.site_key)
                survey_id = await create_survey(http, stack.admin_key, site, graphql_input())
                yield Target(stack, http, survey_id, [stack.admin_key], [])
    finally:
        queue.stop()


@settings(FUZZ, max_examples=100)
@given(data=st.data())
async def test_collect_never_answers_hostile_input_with_a_5xx(
    target: Target, data: st.DataObject
) -> None:
    case = data.draw(collect_cases(target.stack.site_key))
    response = await target.send(case)
    assert response.status_code < 500, case.describe()
    assert response.status_code in (202, 400, 401, 413, 415), case.describe()


@settings(FUZZ, max_examples=50)
@given(data=st.data())
async def test_survey_endpoints_never_answer_hostile_input_with_a_5xx(
    target: Target, data: st.DataObject
) -> None:
    case = data.draw(survey_cases(target.stack.site_key, target.survey_id))
    response = await target.send(case)
    assert response.status_code < 500, case.describe()


@settings(FUZZ, max_examples=50)
@given(data=st.data())
async def test_graphql_never_answers_hostile_input_with_a_5xx(
    target: Target, data: st.DataObject
) -> None:
    case = data.draw(graphql_cases(target.keys))
    response = await target.send(case)
    assert response.status_code < 500, case.describe()


async def test_api_still_serves_after_the_hostile_cases(target: Target) -> None:
    healthy = await target.http.get("/healthz")
    ready = await target.http.get("/readyz")
    assert (healthy.status_code, ready.status_code) == (200, 200)


async def run_until_settled(resources: Resources, worker: object, batch_id: str) -> str:
    """Run the worker's job as the re-drive would, until it returns; return its status."""
    from workers.jobs import MAX_FAILURES, process_batch
    from workers.main import after_store_steps

    ctx = getattr(worker, "ctx")  # noqa: B009 - the arq worker's context
    while "redactor" not in ctx:
        await asyncio.sleep(0.1)
    job_ctx = {
        "resources": resources,
        "redactor": ctx["redactor"],
        "after_store": after_store_steps(),
    }
    for _ in range(MAX_FAILURES):
        try:
            return str((await process_batch(job_ctx, batch_id))["status"])
        except Exception:  # noqa: BLE001, S112 - a failed try; the re-drive would run it again
            continue
    return "still failing"


@settings(FUZZ, max_examples=15)
@given(data=st.data())
async def test_every_hostile_batch_the_api_accepted_is_stored_or_set_aside(
    target: Target, worker: object, data: st.DataObject
) -> None:
    envelope = data.draw(valid_envelopes(target.stack.site_key))
    response = await target.http.post(
        "/collect", content=encode(envelope), headers={"content-type": "application/json"}
    )
    if response.status_code != 202:
        assert response.status_code in (400, 413), response.text
        return
    batch_id = response.json()["batch_id"]

    status = await run_until_settled(target.stack.resources, worker, batch_id)

    # Stored, or after repeated failures quarantined: never pending for ever, never lost.
    assert status in ("stored", "quarantined")
    redis = target.stack.resources.queue
    assert await redis.exists(RAW_PREFIX + batch_id) == 0
    if status == "quarantined":
        assert await redis.exists(QUARANTINE_PREFIX + batch_id) == 1
