"""Site and API-key management over HTTP: created once, shown once, revoked at once, audited."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import orjson

from api.auth import Role, create_api_key, hash_key, key_id_of
from api.resources import Resources
from tests.helpers import graphql
from tests.schema.seed import new_site
from workers.redact import site_policy_of

CREATE_SITE = """
mutation Create($input: SiteInput!) {
  createSite(input: $input) {
    siteKey
    site { id name origins retentionDays departments { pathPrefix name } }
  }
}
"""


def site_input(site_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "id": site_id,
        "name": "Riverside",
        "origins": ["https://www.riverside.example.test/", "https://riverside.example.test"],
        "departments": [{"pathPrefix": "/trash/", "name": "Sanitation"}],
        "retentionDays": 30,
        **changes,
    }


async def test_created_site_gets_a_site_key_shown_once_that_collect_accepts(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = f"river-{uuid.uuid4().hex[:6]}"

    result = await graphql(client, keys["admin"], CREATE_SITE, {"input": site_input(site_id)})

    created = result["data"]["createSite"]
    assert created["site"] == {
        "id": site_id,
        "name": "Riverside",
        "origins": ["https://riverside.example.test", "https://www.riverside.example.test"],
        "retentionDays": 30,
        "departments": [{"pathPrefix": "/trash", "name": "Sanitation"}],
    }
    stored = await resources.store.sites.find_one({"_id": site_id})
    assert stored is not None and stored["site_key_hash"] == hash_key(created["siteKey"])
    assert created["siteKey"] not in orjson.dumps(stored, default=str).decode()

    now = int(time.time() * 1000)
    batch = {
        "site_key": created["siteKey"],
        "session_id": uuid.uuid4().hex,
        "window_id": "w1",
        "seq": 1,
        "sent_at": now,
        "format": "native",
        "events": [
            {"type": "pageview", "ts": now - 1000, "url": "https://riverside.example.test/"}
        ],
    }
    response = await client.post(
        "/collect",
        content=orjson.dumps(batch),
        headers={"content-type": "application/json", "origin": "https://riverside.example.test"},
    )
    assert response.status_code == 202, response.text


async def test_site_with_a_taken_id_or_an_origin_with_a_path_is_refused(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    taken = await new_site(resources.store)

    duplicate = await graphql(client, keys["admin"], CREATE_SITE, {"input": site_input(taken)})
    with_path = await graphql(
        client,
        keys["admin"],
        CREATE_SITE,
        {"input": site_input("pathy", origins=["https://city.example.test/apply"])},
    )
    bad_id = await graphql(client, keys["admin"], CREATE_SITE, {"input": site_input("Bad Id!")})

    assert duplicate["errors"][0]["extensions"] == {"code": "invalid_input", "field": "id"}
    assert with_path["errors"][0]["extensions"] == {"code": "invalid_input", "field": "origins"}
    assert bad_id["errors"][0]["extensions"] == {"code": "invalid_input", "field": "id"}
    assert await resources.store.sites.find_one({"_id": "pathy"}) is None


UPDATE_SITE = """
mutation Update($id: String!, $input: SiteUpdate!) {
  updateSite(id: $id, input: $input) {
    name retentionDays origins departments { pathPrefix name }
  }
}
"""


async def test_update_site_changes_only_the_given_fields(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store, {"/water": "Water Utility"})

    result = await graphql(
        client,
        keys["admin"],
        UPDATE_SITE,
        {
            "id": site_id,
            "input": {
                "retentionDays": 14,
                "departments": [{"pathPrefix": "/parks", "name": "Parks"}],
            },
        },
    )
    too_long = await graphql(
        client, keys["admin"], UPDATE_SITE, {"id": site_id, "input": {"retentionDays": 99999}}
    )

    assert result["data"]["updateSite"] == {
        "name": "Test City",
        "retentionDays": 14,
        "origins": ["https://city.example.test"],
        "departments": [{"pathPrefix": "/parks", "name": "Parks"}],
    }
    assert too_long["errors"][0]["extensions"]["field"] == "retentionDays"
    departments = await graphql(
        client,
        keys["analyst"],
        "query D($s: String!) { departments(siteId: $s) { pathPrefix name } }",
        {"s": site_id},
    )
    assert departments["data"]["departments"] == [{"pathPrefix": "/parks", "name": "Parks"}]


CREATE_KEY = """
mutation Key($role: KeyRole!, $name: String!, $sites: [String!]) {
  createApiKey(role: $role, name: $name, siteIds: $sites) {
    key apiKey { keyId role name siteIds revoked }
  }
}
"""
REVOKE_KEY = "mutation R($id: String!) { revokeApiKey(keyId: $id) { keyId revoked } }"
LIST_KEYS = "{ apiKeys { keyId role name revoked } }"
SITES = "{ sites { id } }"


async def test_new_key_is_shown_once_works_and_stops_working_once_revoked(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)

    created = await graphql(
        client, keys["admin"], CREATE_KEY, {"role": "ANALYST", "name": "dash", "sites": [site_id]}
    )
    key = created["data"]["createApiKey"]["key"]
    info = created["data"]["createApiKey"]["apiKey"]
    assert info["role"] == "ANALYST" and info["siteIds"] == [site_id] and not info["revoked"]

    works = await graphql(client, key, SITES)
    assert works["data"]["sites"] == [{"id": site_id}]
    listed = await graphql(client, keys["admin"], LIST_KEYS)
    assert {"keyId": info["keyId"], "role": "ANALYST", "name": "dash", "revoked": False} in listed[
        "data"
    ]["apiKeys"]
    assert key not in orjson.dumps(listed).decode()

    revoked = await graphql(client, keys["admin"], REVOKE_KEY, {"id": info["keyId"]})
    refused = await graphql(client, key, SITES)

    assert revoked["data"]["revokeApiKey"] == {"keyId": info["keyId"], "revoked": True}
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "unauthorized"


async def test_an_ingest_key_is_refused_as_the_site_key_is_what_collect_takes(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    refused = await graphql(client, keys["admin"], CREATE_KEY, {"role": "INGEST", "name": "x"})
    listed = await graphql(client, keys["admin"], LIST_KEYS)

    assert refused["data"] is None
    assert refused["errors"][0]["message"] == (
        "ingest keys are site keys: createSite returns one (siteKey)"
    )
    assert refused["errors"][0]["extensions"] == {"code": "invalid_input", "field": "role"}
    assert [k for k in listed["data"]["apiKeys"] if k["name"] == "x"] == []


async def test_key_changes_are_audited_with_ids_and_never_the_key(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    admin_id = await key_id_of(resources.store, keys["admin"])
    created = await graphql(client, keys["admin"], CREATE_KEY, {"role": "ANALYST", "name": "cron"})
    key = created["data"]["createApiKey"]["key"]
    key_id = created["data"]["createApiKey"]["apiKey"]["keyId"]
    await graphql(client, keys["admin"], REVOKE_KEY, {"id": key_id})

    entries = await resources.store.audit_log.find({"key_id": key_id}).sort("when", 1).to_list(None)

    assert [(e["action"], e["who"], e["counts"]) for e in entries] == [
        ("key_created", admin_id, {"api_keys": 1}),
        ("key_revoked", admin_id, {"api_keys": 1}),
    ]
    assert key not in orjson.dumps(entries, default=str).decode()
    assert hash_key(key) not in orjson.dumps(entries, default=str).decode()


async def test_admin_key_limited_to_a_site_may_not_create_sites_or_keys(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    site_id = await new_site(resources.store)
    limited = await create_api_key(resources.store, Role.ADMIN, "site admin", site_ids=[site_id])

    site = await graphql(client, limited, CREATE_SITE, {"input": site_input("limited-new")})
    key = await graphql(client, limited, CREATE_KEY, {"role": "ADMIN", "name": "escalate"})
    other = await graphql(
        client, limited, UPDATE_SITE, {"id": "demo", "input": {"retentionDays": 1}}
    )

    for result in (site, key, other):
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "forbidden"
    demo = await resources.store.sites.find_one({"_id": "demo"})
    assert demo is not None and demo["retention_days"] != 1


async def test_revoking_an_unknown_key_id_is_not_found(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    result = await graphql(client, keys["admin"], REVOKE_KEY, {"id": "nope"})

    assert result["errors"][0]["extensions"] == {"code": "not_found", "field": "keyId"}


SET_REDACTION = """
mutation Set($id: String!, $input: SiteRedactionInput!) {
  setSiteRedaction(id: $id, input: $input) {
    id redaction { analyzedInputFields urlAllowedKeys }
  }
}
"""


async def test_site_redaction_allow_lists_are_set_in_the_shape_the_worker_reads(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)
    lists = {"analyzedInputFields": ["Search", "comments", "search"], "urlAllowedKeys": ["q"]}

    result = await graphql(client, keys["admin"], SET_REDACTION, {"id": site_id, "input": lists})

    assert result["data"]["setSiteRedaction"] == {
        "id": site_id,
        "redaction": {"analyzedInputFields": ["comments", "search"], "urlAllowedKeys": ["q"]},
    }
    stored = await resources.store.sites.find_one({"_id": site_id})
    policy = site_policy_of(stored)  # type: ignore[arg-type]
    assert policy.analyze_input_fields == frozenset({"comments", "search"})
    assert policy.url_allowed_keys == frozenset({"q"})
    audit = await resources.store.audit_log.find_one(
        {"site_id": site_id, "action": "site_redaction_updated"}
    )
    assert audit is not None
    assert audit["counts"] == {"analyze_input_fields": 2, "url_allowed_keys": 1}


async def test_site_redaction_refuses_secret_query_keys_bad_names_and_non_admins(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)

    async def attempt(key: str, lists: dict[str, list[str]]) -> dict[str, Any]:
        return await graphql(client, key, SET_REDACTION, {"id": site_id, "input": lists})

    secret = await attempt(keys["admin"], {"urlAllowedKeys": ["page", "resetToken"]})
    bad_name = await attempt(keys["admin"], {"analyzedInputFields": ["first name"]})
    too_many = await attempt(keys["admin"], {"analyzedInputFields": [f"f{i}" for i in range(101)]})
    officer = await attempt(keys["privacy_officer"], {"analyzedInputFields": ["search"]})

    assert secret["errors"][0]["extensions"] == {"code": "invalid_input", "field": "urlAllowedKeys"}
    assert "secret-named" in secret["errors"][0]["message"]
    assert bad_name["errors"][0]["extensions"]["field"] == "analyzedInputFields"
    assert too_many["errors"][0]["message"] == "at most 100 names"
    assert officer["errors"][0]["extensions"]["code"] == "forbidden"
    stored = await resources.store.sites.find_one({"_id": site_id})
    assert stored is not None and "redaction" not in stored


async def test_a_site_name_over_200_characters_is_refused(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = f"long-{uuid.uuid4().hex[:6]}"

    created = await graphql(
        client, keys["admin"], CREATE_SITE, {"input": site_input(site_id, name="x" * 201)}
    )

    assert created["errors"][0]["extensions"] == {"code": "invalid_input", "field": "name"}
    assert created["errors"][0]["message"] == "a site name is 1 to 200 characters"
    assert await resources.store.sites.find_one({"_id": site_id}) is None
