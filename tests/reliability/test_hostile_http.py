"""Hostile requests to /collect, the survey endpoints and /graphql: never a 5xx, never a crash.

A few hundred hypothesis cases here; `python -m bench.fuzz_http` runs ten thousand and more.
Whatever /collect accepts is then run through the worker's job, which must store it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.resources import Resources
from bench.fuzz_cases import Case, collect_cases, envelopes, encode, graphql_cases, survey_cases
from embedded import ValkeyServer
from storage.raw_batches import RAW_PREFIX
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


@pytest.fixture(scope="module")
async def target(
    settings: object,
    embedded_urls: dict[str, str],
    keys: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Target]:
    """An API on a queue of its own (no worker), rate limits off, with one live survey."""
    queue = ValkeyServer(Path(tmp_path_factory.mktemp("fuzz")) / "valkey")
    queue.start()
    try:
        async with open_stack(
            redis_url=queue.url,
            mongodb_url=embedded_urls["mongodb"],
            rate_limit_per_minute=1_000_000_000,
        ) as stack:
            async with httpx.AsyncClient(base_url=stack.url, timeout=60) as http:
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


async def process_all(resources: Resources, worker: object, batch_ids: list[str]) -> list[str]:
    """Run the worker's job on each batch in this process; return the statuses."""
    from workers.jobs import process_batch
    from workers.main import after_store_steps

    ctx = getattr(worker, "ctx")  # noqa: B009 - the arq worker's context
    while "redactor" not in ctx:
        await asyncio.sleep(0.1)
    job_ctx = {"resources": resources, "redactor": ctx["redactor"], "after_store": after_store_steps()}
    return [str((await process_batch(job_ctx, batch_id))["status"]) for batch_id in batch_ids]


@settings(FUZZ, max_examples=15)
@given(data=st.data())
async def test_worker_stores_every_hostile_batch_the_api_accepted(
    target: Target, worker: object, data: st.DataObject
) -> None:
    envelope = data.draw(envelopes(target.stack.site_key))
    envelope.update(site_key=target.stack.site_key, session_id=uuid.uuid4().hex, window_id="w1")
    envelope.update(seq=1, format=data.draw(st.sampled_from(["native", "rrweb"])))
    response = await target.http.post(
        "/collect", content=encode(envelope), headers={"content-type": "application/json"}
    )
    if response.status_code != 202:
        assert response.status_code in (400, 413), response.text
        return
    batch_id = response.json()["batch_id"]

    statuses = await process_all(target.stack.resources, worker, [batch_id])

    assert statuses == ["stored"]
    assert await target.stack.resources.queue.exists(RAW_PREFIX + batch_id) == 0
