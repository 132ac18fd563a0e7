"""A survey created through GraphQL is offered on matching pages only, answered through the
public endpoint, redacted by the worker, and its answer and results come back through GraphQL."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import orjson

from api.resources import Resources
from schema.types import ms_to_datetime
from tests.helpers import graphql, wait_processed
from tests.surveys.factory import graphql_input
from tests.surveys.public import ORIGIN, Site, create_survey, eligible, post, wait_inputs_settled

SURVEY_QUERY = """
query One($id: ID!) {
  survey(id: $id) {
    id status live languages
    question { type minValue maxValue texts { lang text } }
    followUp { maxValue question { type } }
    results {
      shown dismissed answered responseRatePercent
      question { answered average satisfiedPercent distribution { value count } }
      followUp { answered }
      byPage { key shown answered responseRatePercent }
      byDay { key shown answered }
    }
    responses(first: 10) {
      edges { node {
        sessionId template lang negative
        answers { questionId value text pending }
        signal { kind ts }
      } }
    }
  }
}
"""

RUDE = "SOPHY SANTINO was rude at the counter, call me at 415-555-0134"


def rage_batch(site: Site, session: str, visitor: str, url: str) -> dict[str, Any]:
    """A page view with four quick clicks on one button that does nothing: a rage click."""
    now = int(time.time() * 1000)
    clicks = [
        {
            "type": "click",
            "ts": now - 3000 + n * 150,
            "x": 200,
            "y": 300,
            "target": {"selector": "button.upload", "tag": "button", "text": "Upload"},
        }
        for n in range(4)
    ]
    return {
        "site_key": site.key,
        "session_id": session,
        "visitor_id": visitor,
        "window_id": "w1",
        "seq": 1,
        "sent_at": now,
        "format": "native",
        "events": [{"type": "pageview", "ts": now - 5000, "url": url}, *clicks],
    }


async def test_survey_round_trip_from_graphql_to_tracker_and_back(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    site: Site,
    worker: object,
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    session, visitor = uuid.uuid4().hex, uuid.uuid4().hex
    page = "https://city.example.test/permits/4821/apply?email=jane.roe%40example.com"

    # Offered on a page its template matches, in the visitor's language; not elsewhere.
    offers = await eligible(client, site, session, visitor, page, lang="es-MX")
    assert [o["id"] for o in offers] == [survey_id]
    assert offers[0]["lang"] == "es"
    assert offers[0]["question"]["text"] == "¿Qué tan fácil fue solicitar?"
    assert offers[0]["question"]["follow_up"]["when"] == {"max": 2}
    assert offers[0]["trigger"] == {"kind": "load"}
    for other in ["https://city.example.test/permits/4821", "https://city.example.test/water/pay"]:
        assert await eligible(client, site, session, visitor, other) == []

    # The session has a rage click before the answer, processed by the real pipeline.
    collect = await client.post(
        "/collect", content=orjson.dumps(rage_batch(site, session, visitor, page))
    )
    assert collect.status_code == 202, collect.text
    await wait_processed(resources, [collect.json()["batch_id"]])

    # No URL sent: the showing takes the template of the window's latest stored page view.
    ids = {"session_id": session, "visitor_id": visitor}
    shown = await post(client, survey_id, "shown", site, ids)
    assert shown.status_code == 201, shown.text
    # Once shown in this session, the session cap keeps it from being offered again.
    assert await eligible(client, site, session, visitor, page) == []

    answer = {"session_id": session, "visitor_id": visitor, "lang": "es", "url": page}
    first = await post(client, survey_id, "responses", site, {**answer, "answers": {"main": 2}})
    assert first.status_code == 201, first.text
    assert first.json()["complete"] is False
    second = await post(
        client, survey_id, "responses", site, {**answer, "answers": {"follow_up": RUDE}}
    )
    assert second.status_code == 201, second.text
    assert second.json() == {
        "id": first.json()["id"],
        "answered": ["follow_up", "main"],
        "complete": True,
    }

    # Answered: never offered to this visitor again, even in a new session.
    assert await eligible(client, site, uuid.uuid4().hex, visitor, page) == []
    await wait_inputs_settled(resources)

    result = await graphql(client, keys["analyst"], SURVEY_QUERY, {"id": survey_id})
    assert "errors" not in result, result
    survey = result["data"]["survey"]
    assert (survey["status"], survey["live"], survey["languages"]) == ("ACTIVE", True, ["en", "es"])
    assert survey["question"]["minValue"] == 1 and survey["question"]["maxValue"] == 5

    results = survey["results"]
    assert (results["shown"], results["dismissed"], results["answered"]) == (1, 0, 1)
    assert results["responseRatePercent"] == 100.0
    assert results["question"]["average"] == 2.0
    assert results["question"]["satisfiedPercent"] == 0.0
    assert [d["count"] for d in results["question"]["distribution"]] == [0, 1, 0, 0, 0]
    assert results["followUp"]["answered"] == 1
    assert results["byPage"] == [
        {"key": "/permits/:id/apply", "shown": 1, "answered": 1, "responseRatePercent": 100.0}
    ]
    assert len(results["byDay"]) == 1

    (edge,) = survey["responses"]["edges"]
    response = edge["node"]
    assert response["sessionId"] == f"{site.id}:{session}"
    assert response["template"] == "/permits/:id/apply"
    assert response["lang"] == "es"
    assert response["negative"] is True
    assert response["answers"] == [
        {"questionId": "main", "value": 2, "text": None, "pending": False},
        {
            "questionId": "follow_up",
            "value": None,
            "text": "<PERSON> was rude at the counter, call me at <PHONE_NUMBER>",
            "pending": False,
        },
    ]
    # The replay jump goes to the session's last signal before the answer.
    signals = await resources.store.signals.find({"session_id": f"{site.id}:{session}"}).to_list(
        None
    )
    assert "rage_click" in {s["kind"] for s in signals}
    latest = max(signals, key=lambda s: s["ts"])
    assert response["signal"]["kind"] == latest["kind"]
    assert response["signal"]["ts"] == ms_to_datetime(latest["ts"]).isoformat()  # type: ignore[union-attr]

    stored_session = await resources.store.sessions.find_one({"_id": f"{site.id}:{session}"})
    assert stored_session is not None
    assert stored_session["has_response"] is True
    assert stored_session["negative_response"] is True


async def test_a_paused_survey_is_no_longer_offered(
    client: httpx.AsyncClient, keys: dict[str, str], site: Site
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    page = "https://city.example.test/permits/7/apply"
    assert len(await eligible(client, site, "s1", "v1", page)) == 1

    paused = await graphql(
        client,
        keys["analyst"],
        "mutation P($id: ID!) { pauseSurvey(id: $id) { status } }",
        {"id": survey_id},
    )
    assert paused["data"]["pauseSurvey"]["status"] == "PAUSED"
    assert await eligible(client, site, "s1", "v1", page) == []


async def test_the_origin_header_is_answered_for_registered_origins_only(
    client: httpx.AsyncClient, site: Site
) -> None:
    params = {"site_key": site.key, "session_id": "s", "visitor_id": "v", "url": "/permits"}
    foreign = await client.get(
        "/surveys/eligible", params=params, headers={"origin": "https://evil.example"}
    )
    assert foreign.status_code == 400
    assert foreign.json()["field"] == "origin"

    preflight = await client.options(
        "/surveys/sv_x/responses",
        headers={"origin": ORIGIN, "access-control-request-method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
