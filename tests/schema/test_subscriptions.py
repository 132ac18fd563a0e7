"""Subscriptions over graphql-transport-ws: alerts, survey responses, authentication."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest

from api.auth import Role, create_api_key
from api.resources import Resources
from schema.subscriptions import BASELINE_DAYS
from schema.types import utc_today
from tests.helpers import graphql
from tests.schema.seed import aggregate_doc, new_site, response_doc, session_doc
from tests.schema.ws import close_code_after_init, next_payload, send, subscribed

ALERTS = """
subscription A($site: String!) {
  frustrationAlerts(siteId: $site, pollIntervalS: 1) {
    template kind day pageViews count rate baselineRate baselineDays
  }
}
"""
RESPONSES = """
subscription R($site: String!) {
  surveyResponses(siteId: $site, pollIntervalS: 1) {
    siteId sessionId response { id surveyId negative }
  }
}
"""


async def seed_history(resources: Resources, site_id: str) -> str:
    """Seven ordinary days for two pages, and a today where /water/pay gets rage clicks."""
    today = utc_today()
    docs = []
    for back in range(1, BASELINE_DAYS + 1):
        day = (today - timedelta(days=back)).isoformat()
        for template in ("/water/pay", "/steady"):
            docs.append(aggregate_doc(site_id, day, template, page_views=100,
                                      signals={"rage_click": 2}))  # fmt: skip
    day = today.isoformat()
    docs += [
        aggregate_doc(site_id, day, "/water/pay", page_views=50, signals={"rage_click": 10}),
        aggregate_doc(site_id, day, "/steady", page_views=100, signals={"rage_click": 2}),
        # No baseline yet: a new page never alerts.
        aggregate_doc(site_id, day, "/new", page_views=80, signals={"error_click": 40}),
    ]
    await resources.store.aggregates.insert_many(docs)
    return day


async def test_alert_fires_once_when_a_page_rises_well_above_its_baseline(
    api_url: str, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)
    day = await seed_history(resources, site_id)

    async with subscribed(api_url, keys["analyst"], ALERTS, {"site": site_id}) as ws:
        first = await next_payload(ws)
        assert first["type"] == "next", first
        assert first["payload"]["data"]["frustrationAlerts"] == {
            "template": "/water/pay",
            "kind": "rage_click",
            "day": day,
            "pageViews": 50,
            "count": 10,
            "rate": pytest.approx(0.2),
            "baselineRate": pytest.approx(0.02),
            "baselineDays": BASELINE_DAYS,
        }
        # The same alert is not repeated on the next polls...
        with pytest.raises(asyncio.TimeoutError):
            await next_payload(ws, timeout_s=2.5)

        # ...but a new rise is noticed on the next poll.
        await resources.store.aggregates.update_one(
            {"site_id": site_id, "day": day, "template": "/water/pay"},
            {"$set": {"signals.error_click": 5}},
        )
        second = await next_payload(ws)
        assert second["payload"]["data"]["frustrationAlerts"]["kind"] == "error_click"
        assert second["payload"]["data"]["frustrationAlerts"]["baselineRate"] == 0


async def test_new_and_updated_survey_responses_are_pushed_for_the_site_only(
    api_url: str, resources: Resources, keys: dict[str, str]
) -> None:
    store = resources.store
    site_id = await new_site(store)
    other = await new_site(store)
    session = session_doc(site_id, "r1", utc_today().isoformat())
    elsewhere = session_doc(other, "r2", utc_today().isoformat())

    async with subscribed(api_url, keys["analyst"], RESPONSES, {"site": site_id}) as ws:
        await asyncio.sleep(0.5)
        now = int(time.time() * 1000)
        await store.responses.insert_one(response_doc(elsewhere, "sv_x", now))
        response = response_doc(session, "sv_1", now)
        await store.responses.insert_one(response)
        first = await next_payload(ws)
        await store.responses.update_one(
            {"_id": response["_id"]}, {"$set": {"updated_at": now + 5000, "negative": False}}
        )
        second = await next_payload(ws)

    assert first["payload"]["data"]["surveyResponses"] == {
        "siteId": site_id,
        "sessionId": session["_id"],
        "response": {"id": response["_id"], "surveyId": "sv_1", "negative": True},
    }
    assert second["payload"]["data"]["surveyResponses"]["response"]["negative"] is False


async def test_connections_without_a_reading_key_are_closed_at_init(
    api_url: str, ingest_key: str, keys: dict[str, str]
) -> None:
    assert await close_code_after_init(api_url, None) == 4403
    assert await close_code_after_init(api_url, "sp_unknown") == 4403
    assert await close_code_after_init(api_url, ingest_key) == 4403
    assert await close_code_after_init(api_url, keys["analyst"]) is None


async def test_a_key_for_another_site_gets_an_error_instead_of_alerts(
    api_url: str, resources: Resources
) -> None:
    site_id = await new_site(resources.store)
    other = await new_site(resources.store)
    limited = await create_api_key(resources.store, Role.ANALYST, "other", site_ids=[other])

    async with subscribed(api_url, limited, ALERTS, {"site": site_id}) as ws:
        message = await next_payload(ws)

    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"] == {"code": "forbidden", "field": "siteId"}


async def test_revoking_the_key_ends_its_subscription(
    api_url: str, client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)
    created = await graphql(
        client,
        keys["admin"],
        'mutation { createApiKey(role: ANALYST, name: "wall") { key apiKey { keyId } } }',
    )
    key = created["data"]["createApiKey"]["key"]
    key_id = created["data"]["createApiKey"]["apiKey"]["keyId"]

    async with subscribed(api_url, key, ALERTS, {"site": site_id}) as ws:
        await asyncio.sleep(1.2)
        revoke = "mutation R($id: String!) { revokeApiKey(keyId: $id) { keyId } }"
        await graphql(client, keys["admin"], revoke, {"id": key_id})
        message = await next_payload(ws, timeout_s=40)
        assert message["type"] == "next", message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "unauthorized"
        done = await next_payload(ws)
        assert done == {"id": "1", "type": "complete"}
        await send(ws, {"type": "ping"})
