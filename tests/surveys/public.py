"""Calls to the public survey endpoints and the survey GraphQL, as the tracker and console make."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from api.resources import Resources
from surveys.inputs import PENDING_KEY
from tests.helpers import graphql

ORIGIN = "https://city.example.test"
DEPARTMENTS = {"/permits": "Building and Permits", "/water": "Water Utility"}


@dataclass(frozen=True)
class Site:
    id: str
    key: str


CREATE = """
mutation Create($siteId: String!, $input: SurveyInput!) {
  createSurvey(siteId: $siteId, input: $input) { id status languages }
}
"""


async def create_survey(
    client: httpx.AsyncClient, key: str, site: Site, survey_input: dict[str, Any]
) -> str:
    result = await graphql(client, key, CREATE, {"siteId": site.id, "input": survey_input})
    assert "errors" not in result, result
    return str(result["data"]["createSurvey"]["id"])


async def eligible(
    client: httpx.AsyncClient, site: Site, session: str, visitor: str, url: str, **extra: str
) -> list[dict[str, Any]]:
    params = {"site_key": site.key, "session_id": session, "visitor_id": visitor, "url": url}
    response = await client.get(
        "/surveys/eligible", params={**params, **extra}, headers={"origin": ORIGIN}
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    return list(response.json()["surveys"])


async def post(
    client: httpx.AsyncClient, survey_id: str, action: str, site: Site, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/surveys/{survey_id}/{action}",
        json={"site_key": site.key, "window_id": "w1", **body},
        headers={"origin": ORIGIN},
    )


async def wait_inputs_settled(resources: Resources, timeout_s: float = 60) -> None:
    """Wait until the worker has settled (and deleted) every survey input waiting in Redis."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = int(await resources.queue.zcard(PENDING_KEY))
        if not left:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{left} survey inputs not settled in {timeout_s}s")
