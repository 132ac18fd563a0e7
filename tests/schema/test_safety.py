"""Limits and error handling over HTTP: depth, aliases, tokens, cost, masking, introspection."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.validation_cache import _get_validate_cache

from api.resources import Resources
from api.settings import Settings
from schema.app import (
    CACHED_DOCUMENTS,
    MAX_ALIASES,
    MAX_TOKENS,
    StuckpointGraphQL,
    build_schema,
)
from schema.limits import MAX_COST
from tests.helpers import graphql
from tests.schema.conftest import PRODUCTION_MAX_DEPTH, ApiServer
from tests.schema.seed import new_site, session_doc

INTROSPECTION = "{ __schema { queryType { name } } }"


async def post(url: str, key: str | None, query: str, variables: Any = None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_queries_deeper_than_the_configured_depth_are_refused(
    production_api: ApiServer, keys: dict[str, str]
) -> None:
    # The root field is depth 0: `id` under pageViews is at depth 4, `kind` below it at 5.
    depth = "{ sessions { edges { node { pageViews { id } } } } }"
    deeper = "{ sessions { edges { node { pageViews { signalCounts { kind } } } } } }"

    allowed = await post(production_api.url, keys["analyst"], depth)
    refused = await post(production_api.url, keys["analyst"], deeper)
    # The same text again comes from the parser and validation caches: still refused.
    again = await post(production_api.url, keys["analyst"], deeper)

    assert "errors" not in allowed
    for answer in (refused, again):
        assert answer["data"] is None
        assert answer["errors"][0]["message"] == (
            f"'anonymous' exceeds maximum operation depth of {PRODUCTION_MAX_DEPTH}"
        )


async def test_too_many_aliases_are_refused(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    fine = "{ " + " ".join(f"v{i}: version" for i in range(MAX_ALIASES)) + " }"
    many = "{ " + " ".join(f"v{i}: version" for i in range(MAX_ALIASES + 1)) + " }"

    assert "errors" not in await graphql(client, keys["analyst"], fine)
    for _ in range(2):  # the second time from the caches
        refused = await graphql(client, keys["analyst"], many)

        assert (
            refused["errors"][0]["message"]
            == f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}"
        )


async def test_documents_with_too_many_tokens_are_refused(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    huge = "{ " + "version " * MAX_TOKENS + "}"

    for _ in range(2):  # a refused parse is not cached: refused again
        refused = await graphql(client, keys["analyst"], huge)

        assert refused["errors"][0]["message"].startswith(
            f"Syntax Error: Document contains more than {MAX_TOKENS} tokens."
        )


COSTLY = """
query Costly($n: Int!) {
  sessions(first: $n) { edges { node { id events(first: 5000) { kind } } } }
}
"""


async def test_costly_list_sizes_are_refused_before_any_store_query(
    counted_api: ApiServer, keys: dict[str, str]
) -> None:
    await post(counted_api.url, keys["analyst"], "{ version }")  # the key is cached from here
    counted_api.counter.reset()

    refused = await post(counted_api.url, keys["analyst"], COSTLY, {"n": 100})

    assert refused["data"] is None
    error = refused["errors"][0]
    assert error["extensions"] == {"code": "too_costly"}
    # 100 x (sessions, edges, node, id: 4 fields + 5000 events x (event, kind: 2 fields))
    assert error["message"].startswith(f"query too costly: estimated {100 * (4 + 5000 * 2)} fields")
    assert str(MAX_COST) in error["message"]
    assert counted_api.counter.reads() == {}


async def test_a_reasonable_page_with_nested_lists_is_within_the_cost_limit(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    result = await graphql(client, keys["analyst"], COSTLY.replace("5000", "100"), {"n": 20})

    assert "errors" not in result


async def test_unexpected_errors_are_masked_and_logged_once_without_values(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    site_id = await new_site(resources.store)
    broken = session_doc(site_id, "broken", "2024-08-01")
    broken["started_at"] = "secret-looking value"
    await resources.store.sessions.insert_one(broken)

    with caplog.at_level(logging.INFO):
        result = await graphql(
            client, keys["analyst"], "query($id: ID!) { session(id: $id) { startedAt } }",
            {"id": broken["_id"]},
        )  # fmt: skip

    assert result["data"] == {"session": None}
    assert result["errors"][0]["message"] == "Unexpected error."
    assert result["errors"][0]["extensions"] == {"code": "internal"}
    ours = [r for r in caplog.records if r.name == "schema.limits" and r.levelno >= logging.ERROR]
    assert len(ours) == 1
    assert ours[0].getMessage().startswith("unexpected TypeError resolving session\n")
    assert not [r for r in caplog.records if r.name == "strawberry.execution"]
    assert "secret-looking value" not in caplog.text


async def test_typed_errors_reach_the_client_with_their_code_and_field(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    result = await graphql(
        client, keys["analyst"], "{ sessions(first: 0) { pageInfo { hasNextPage } } }"
    )

    assert result["errors"][0]["message"] == "first must be between 1 and 100"
    assert result["errors"][0]["extensions"] == {"code": "invalid_input", "field": "first"}


async def test_missing_or_unknown_keys_are_unauthorized(client: httpx.AsyncClient) -> None:
    anonymous = (await client.post("/graphql", json={"query": "{ version }"})).json()
    unknown = await graphql(client, "sp_not-a-key", "{ version }")

    assert anonymous["errors"][0]["extensions"]["code"] == "unauthorized"
    assert unknown["errors"][0]["message"] == "unknown or revoked API key"


async def test_development_serves_graphiql_and_answers_introspection(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    result = await graphql(client, keys["analyst"], INTROSPECTION)

    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert result["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_production_serves_no_graphiql_and_refuses_introspection(
    production_api: ApiServer, keys: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=production_api.url) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
    result = await post(production_api.url, keys["analyst"], INTROSPECTION)

    assert "graphiql" not in page.text.lower()
    assert page.status_code in (404, 405, 400)
    assert result["data"] is None
    assert "introspection" in result["errors"][0]["message"].lower()


def test_extensions_are_classes_or_factories_so_each_operation_gets_its_own(
    settings: Settings,
) -> None:
    schema = build_schema(settings)

    assert not [e for e in schema.extensions if isinstance(e, SchemaExtension)]
    first, second = schema.get_extensions(), schema.get_extensions()
    assert len(first) == len(second) >= 5
    assert all(a is not b for a, b in zip(first, second, strict=True))


async def test_a_query_text_is_parsed_and_validated_once_then_reused(settings: Settings) -> None:
    schema = build_schema(settings)
    # Strawberry's shared cache behind ValidationCache (module level, keyed by its size).
    validations = _get_validate_cache(CACHED_DOCUMENTS)
    query = "{ version nosuchfield }"
    before = validations.cache_info()

    answers = [await schema.execute(query) for _ in range(3)]

    after = validations.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 2
    for answer in answers:
        assert answer.data is None
        assert answer.errors is not None
        assert answer.errors[0].message == "Cannot query field 'nosuchfield' on type 'Query'."


def test_responses_are_encoded_by_orjson_with_the_standard_library_for_what_it_refuses(
    settings: Settings,
) -> None:
    view = StuckpointGraphQL(build_schema(settings), settings, None, None)  # type: ignore[arg-type]

    # Text: over a WebSocket, bytes would go out as binary frames.
    assert view.encode_json({"data": {"n": 1, "s": "é", "x": None}}) == (
        '{"data":{"n":1,"s":"é","x":null}}'
    )
    # Past 64 bits orjson refuses the integer; the standard library writes it.
    assert view.encode_json({"data": {"n": 2**70}}) == '{"data":{"n":1180591620717411303424}}'
