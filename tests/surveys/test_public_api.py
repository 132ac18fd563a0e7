"""The public endpoints answer bad input with a 4xx naming the field, never a 500 or a value."""

from __future__ import annotations

import uuid

import httpx
import orjson
import pytest

from api.auth import Role, create_api_key
from api.resources import Resources
from tests.helpers import graphql
from tests.surveys.factory import graphql_input
from tests.surveys.public import ORIGIN, Site, create_survey, eligible, post

SECRET = "jane.roe@example.com"


def eligible_params(site: Site, **overrides: str) -> dict[str, str]:
    params = {
        "site_key": site.key,
        "session_id": "s1",
        "visitor_id": "v1",
        "url": f"https://city.example.test/permits/1/apply?email={SECRET}",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v != ""}


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"site_key": ""}, 400, "site_key"),
        ({"site_key": "unknown-key"}, 401, "site_key"),
        ({"session_id": ""}, 400, "session_id"),
        ({"visitor_id": f"{SECRET}"}, 400, "visitor_id"),
        ({"url": ""}, 400, "url"),
        ({"url": f"javascript:alert('{SECRET}')"}, 400, "url"),
        ({"signal": "angry_click"}, 400, "signal"),
        ({"lang": "not a language"}, 400, "lang"),
    ],
)
async def test_eligible_refuses_bad_parameters_by_name(
    client: httpx.AsyncClient, site: Site, overrides: dict[str, str], status: int, field: str
) -> None:
    response = await client.get("/surveys/eligible", params=eligible_params(site, **overrides))
    assert response.status_code == status
    assert response.json()["field"] == field
    assert SECRET not in response.text


async def test_posts_refuse_bad_bodies_by_name(
    client: httpx.AsyncClient, keys: dict[str, str], site: Site
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    ids = {"session_id": "s1", "visitor_id": "v1"}

    cases: list[tuple[str, bytes, int, str]] = [
        ("responses", b"{not json", 400, "body"),
        ("responses", b"[1, 2]", 400, "body"),
        ("responses", orjson.dumps({"site_key": site.key, **ids}), 400, "answers"),
        (
            "responses",
            orjson.dumps({"site_key": site.key, **ids, "answers": {"main": 9}}),
            400,
            "answers.main",
        ),
        (
            "responses",
            orjson.dumps({"site_key": site.key, **ids, "answers": {"main": 5}, "lang": 3}),
            400,
            "lang",
        ),
        ("shown", orjson.dumps({"site_key": site.key, "visitor_id": "v1"}), 400, "session_id"),
        ("shown", orjson.dumps({**ids, "site_key": site.key, "url": 12}), 400, "url"),
        (
            "shown",
            orjson.dumps({**ids, "site_key": site.key, "window_id": "w 1"}),
            400,
            "window_id",
        ),
        ("dismissed", b"{}", 400, "site_key"),
        ("responses", b'{"pad": "' + b"x" * 70_000 + b'"}', 413, "body"),
    ]
    for action, body, status, field in cases:
        response = await client.post(f"/surveys/{survey_id}/{action}", content=body)
        assert (response.status_code, response.json()["field"]) == (status, field), (
            action,
            body[:60],
        )


async def test_posts_refuse_other_media_types_deep_nesting_and_nul_characters(
    client: httpx.AsyncClient, keys: dict[str, str], site: Site
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    answer = {"site_key": site.key, "session_id": "s1", "visitor_id": "v1", "window_id": "w1"}
    nested: object = "x"
    for _ in range(40):
        nested = {"a": nested}
    url = f"/surveys/{survey_id}/responses"

    xml = await client.post(url, content=b"<answer/>", headers={"content-type": "application/xml"})
    deep = await client.post(url, content=orjson.dumps({**answer, "answers": nested}))
    nul = await client.post(url, content=orjson.dumps({**answer, "answers": {"main": "a\x00b"}}))
    beacon = await client.post(
        url,
        content=orjson.dumps({**answer, "answers": {"main": 4}}),
        headers={"content-type": "text/plain;charset=UTF-8", "origin": ORIGIN},
    )

    assert (xml.status_code, xml.json()["field"]) == (415, "content-type")
    assert (deep.status_code, deep.json()["message"]) == (400, "JSON nested deeper than 16")
    assert (nul.status_code, nul.json()["message"]) == (400, "holds a NUL character (U+0000)")
    assert beacon.status_code == 201, beacon.text


async def test_unknown_draft_and_foreign_surveys_are_not_found(
    client: httpx.AsyncClient, keys: dict[str, str], site: Site
) -> None:
    draft_id = await create_survey(client, keys["analyst"], site, graphql_input(status="DRAFT"))
    ids = {"session_id": "s1", "visitor_id": "v1"}
    for survey_id in ["sv_0000000000000000", draft_id]:
        response = await post(client, survey_id, "shown", site, ids)
        assert response.status_code == 404
        assert response.json()["field"] == "survey_id"
    # A draft is not offered either.
    assert await eligible(client, site, "s1", "v1", "/permits/3/apply") == []


async def test_a_beacon_post_with_the_site_key_in_the_query_is_accepted(
    client: httpx.AsyncClient, keys: dict[str, str], site: Site
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    response = await client.post(
        f"/surveys/{survey_id}/dismissed",
        params={"site_key": site.key},
        content=orjson.dumps({"session_id": "s1", "visitor_id": "v1", "window_id": "w1"}),
        headers={"content-type": "text/plain", "origin": ORIGIN},
    )
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "dismissed"
    # Dismissed: not offered to this visitor again, in any session.
    assert await eligible(client, site, "s2", "v1", "/permits/3/apply") == []
    assert len(await eligible(client, site, "s2", "v2", "/permits/3/apply")) == 1


async def test_signal_triggered_and_department_surveys_are_offered_on_their_ask(
    client: httpx.AsyncClient, keys: dict[str, str], site: Site
) -> None:
    on_rage = graphql_input(
        name="After a rage click",
        trigger={"kind": "SIGNAL", "signal": "rage_click"},
        rules=[{"kind": "DEPARTMENT", "value": "Water Utility"}],
    )
    delayed = graphql_input(
        name="After 20 s",
        trigger={"kind": "DELAY", "seconds": 20},
        rules=[
            {"kind": "GLOB", "value": "/water/**"},
            {"kind": "EXACT", "value": "/water/outage", "exclude": True},
        ],
    )
    rage_id = await create_survey(client, keys["analyst"], site, on_rage)
    delay_id = await create_survey(client, keys["analyst"], site, delayed)
    visitor = uuid.uuid4().hex

    plain = await eligible(client, site, "s1", visitor, "https://city.example.test/water/pay/now")
    assert [(o["id"], o["trigger"]) for o in plain] == [
        (delay_id, {"kind": "delay", "seconds": 20})
    ]
    raged = await eligible(client, site, "s1", visitor, "/water/pay", signal="rage_click")
    assert [(o["id"], o["trigger"]) for o in raged] == [
        (rage_id, {"kind": "signal", "signal": "rage_click"})
    ]
    assert await eligible(client, site, "s1", visitor, "/water/outage") == []
    assert await eligible(client, site, "s1", visitor, "/permits/1", signal="rage_click") == []


async def test_sampling_over_the_endpoint_is_stable_per_visitor(
    client: httpx.AsyncClient, keys: dict[str, str], site: Site
) -> None:
    await create_survey(client, keys["analyst"], site, graphql_input(samplePercent=50.0))
    page = "/permits/9/apply"
    visitors = [f"v{n}" for n in range(60)]
    first = [bool(await eligible(client, site, "s1", v, page)) for v in visitors]
    again = [bool(await eligible(client, site, "s1", v, page)) for v in visitors]
    assert first == again
    assert 0 < sum(first) < len(visitors)


async def test_graphql_names_the_invalid_field_and_requires_the_analyst_role(
    client: httpx.AsyncClient, keys: dict[str, str], site: Site, resources: Resources
) -> None:
    create = """mutation C($siteId: String!, $input: SurveyInput!) {
      createSurvey(siteId: $siteId, input: $input) { id } }"""
    bad = graphql_input(rules=[{"kind": "PREFIX", "value": "permits"}])
    result = await graphql(client, keys["analyst"], create, {"siteId": site.id, "input": bad})
    assert result["errors"][0]["extensions"] == {"code": "invalid_input", "field": "rules[0].value"}

    ingest_key = await create_api_key(resources.store, Role.INGEST, "survey test ingest")
    result = await graphql(
        client, ingest_key, create, {"siteId": site.id, "input": graphql_input()}
    )
    assert result["data"] is None
    assert result["errors"][0]["message"] == "this API key's role (ingest) may not do this"


async def test_update_keeps_answered_choices_and_changes_targeting(
    client: httpx.AsyncClient, keys: dict[str, str], site: Site
) -> None:
    choices = {
        "type": "SINGLE_CHOICE",
        "texts": [{"lang": "en", "text": "Why are you here?"}],
        "choices": [
            {"id": "pay", "texts": [{"lang": "en", "text": "Pay"}]},
            {"id": "apply", "texts": [{"lang": "en", "text": "Apply"}]},
        ],
    }
    base = graphql_input(question=choices, followUp=None)
    survey_id = await create_survey(client, keys["analyst"], site, base)
    answered = await post(
        client,
        survey_id,
        "responses",
        site,
        {"session_id": "s1", "visitor_id": "v1", "answers": {"main": "pay"}},
    )
    assert answered.status_code == 201, answered.text

    update = """mutation U($id: ID!, $input: SurveyInput!) {
      updateSurvey(id: $id, input: $input) { status rules { kind value } } }"""
    moved = {**base, "rules": [{"kind": "PREFIX", "value": "/water"}]}
    result = await graphql(client, keys["analyst"], update, {"id": survey_id, "input": moved})
    assert result["data"]["updateSurvey"]["rules"] == [{"kind": "PREFIX", "value": "/water"}]
    assert await eligible(client, site, "s9", "v9", "/permits/1/apply") == []
    assert len(await eligible(client, site, "s9", "v9", "/water/pay")) == 1

    dropped = {
        **choices,
        "choices": [choices["choices"][1], {"id": "x", "texts": [{"lang": "en", "text": "X"}]}],
    }
    result = await graphql(
        client, keys["analyst"], update, {"id": survey_id, "input": {**base, "question": dropped}}
    )
    assert "question.choices" in str(result["errors"])
