"""/graphql over HTTP against the real servers: malformed bodies get a JSON 4xx naming the
problem (never a 500), messages never quote submitted values, subscriptions over POST are
refused, callers are rate limited per API key, unknown sites are `not_found`, and a WebSocket
message too deep to parse closes the connection with 4400."""

from __future__ import annotations

import asyncio
import base64
import gzip
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.auth import Role, create_api_key
from api.resources import Resources
from api.settings import Settings
from schema.limits import MAX_JSON_DEPTH, MAX_QUERY_CHARS
from tests.helpers import graphql
from tests.reliability.canaries import EMAIL, SENTENCE, found_in
from tests.schema.conftest import serve_graphql
from tests.schema.seed import new_site
from tests.schema.ws import PROTOCOL, ws_url

JSON = {"content-type": "application/json"}
SESSION_BY_ID = "query($id: ID!) { session(id: $id) { id } }"
GZIPPED = gzip.compress(b'{"query": "{ version }"}')


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def body(query: str, variables: Any = None) -> bytes:
    return orjson.dumps({"query": query, "variables": variables or {}})


# (case, body, extra headers, status, field, words the message must contain)
MALFORMED = [
    ("array", b'[{"query": "{ version }"}]', {}, 400, "body", "batches are not supported"),
    ("number", b"42", {}, 400, "body", "JSON object"),
    ("string", b'"{ version }"', {}, 400, "body", "JSON object"),
    ("null", b"null", {}, 400, "body", "JSON object"),
    ("gzip", GZIPPED, {"content-encoding": "gzip"}, 415, "content-encoding", "uncompressed"),
    ("cut gzip", GZIPPED[:12], {"content-encoding": "gzip"}, 415, "content-encoding",
     "uncompressed"),
    ("undeclared gzip", GZIPPED, {}, 400, "body", "UTF-8"),
    ("raw NUL", b'{"query": "{ version }\x00"}', {}, 400, "body", "JSON"),
    ("escaped NUL", b'{"query": "{ version }\\u0000"}', {}, 400, "body", "NUL"),
    ("NUL in a variable", body(SESSION_BY_ID, {"id": "a\x00b"}), {}, 400, "body", "NUL"),
    ("invalid UTF-8", b'{"query": "{ version }", "x": "\xff"}', {}, 400, "body", "UTF-8"),
    ("deep variables", body(SESSION_BY_ID, {"id": nested(200)}), {}, 400, "body",
     "nested deeper"),
    ("huge query", body("{ version }" + " " * MAX_QUERY_CHARS), {}, 400, "query",
     f"longer than {MAX_QUERY_CHARS}"),
    ("plain text", b"{ version }", {"content-type": "text/plain"}, 400, None, "content type"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body_bytes", "headers", "status", "field", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in MALFORMED],
)
async def test_malformed_bodies_get_a_json_4xx_naming_the_problem(
    client: httpx.AsyncClient,
    keys: dict[str, str],
    body_bytes: bytes,
    headers: dict[str, str],
    status: int,
    field: str | None,
    words: str,
) -> None:
    auth = {"authorization": f"Bearer {keys['analyst']}"}
    response = await client.post(
        "/graphql", content=body_bytes, headers={**JSON, **auth, **headers}
    )

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert answer["error"] in ("invalid_input", "unsupported_media_type")
    assert answer.get("field") == field
    assert words in answer["message"]
    # GraphQL clients read `errors`: the same message and code are there.
    assert answer["errors"][0]["message"] == answer["message"]
    assert answer["errors"][0]["extensions"]["code"] == answer["error"]


@pytest.fixture(scope="module")
async def view_url(settings: Settings, resources: Resources) -> AsyncIterator[str]:
    """The GraphQL view served alone, without api.bodylimit.BodyLimit in front."""
    async with serve_graphql(settings, resources.store) as url:
        yield url


async def test_the_graphql_view_checks_bodies_itself_without_the_middleware(
    view_url: str, keys: dict[str, str]
) -> None:
    """The schema's own server (no BodyLimit in front) refuses the same bodies with a 400."""
    cases = [
        b"[]",
        b"7",
        b'"x"',
        b'{"query": "{ version }", "x": "\xff"}',
        body(SESSION_BY_ID, {"id": nested(MAX_JSON_DEPTH + 1)}),
        b'{"query": "{ version }", "variables": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        body("{ version }\x00"),
        body("{ version }" + " " * MAX_QUERY_CHARS),
    ]
    auth = {"authorization": f"Bearer {keys['analyst']}", **JSON}
    async with httpx.AsyncClient(base_url=view_url, timeout=30) as http:
        answers = [await http.post("/graphql", content=c, headers=auth) for c in cases]
        fine = await http.post("/graphql", content=body("{ version }"), headers=auth)

    assert [a.status_code for a in answers] == [400] * len(cases)
    assert {a.json()["error"] for a in answers} == {"invalid_input"}
    assert fine.status_code == 200 and fine.json()["data"]["version"]


async def test_a_nested_list_literal_in_the_query_gets_a_graphql_error_not_a_crash(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    literal = "[" * 1500 + "]" * 1500
    query = f"{{ sessions(first: {literal}) {{ edges {{ node {{ id }} }} }} }}"

    result = await graphql(client, keys["analyst"], query)

    assert result["data"] is None
    assert "nested too deeply" in result["errors"][0]["message"]


async def close_after(api_url: str, message: str) -> tuple[int, str]:
    """The close code and reason the server answers one WebSocket message with."""
    async with connect(ws_url(api_url), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_a_deeply_nested_websocket_message_closes_the_connection_with_4400(
    api_url: str,
) -> None:
    closed = await close_after(api_url, "[" * 100_000 + "]" * 100_000)

    assert closed == (4400, "WebSocket message must be valid JSON")


@pytest.mark.parametrize("message", ['"5"', "5", "[]", '["connection_init"]', "null", "true"])
async def test_a_websocket_message_that_is_json_but_no_object_closes_with_4400(
    api_url: str, message: str
) -> None:
    """Before any key is given: such a message crashed the protocol handler (a TypeError)."""
    closed = await close_after(api_url, message)

    assert closed == (4400, "WebSocket message must be valid JSON")


async def test_a_subscription_posted_over_http_is_refused_with_a_400(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    query = 'subscription { surveyResponses(siteId: "demo") { siteId } }'
    response = await client.post(
        "/graphql",
        content=body(query),
        headers={**JSON, "authorization": f"Bearer {keys['admin']}"},
    )

    assert response.status_code == 400
    message = "subscriptions are not allowed when using POST"
    assert response.json() == {
        "error": "invalid_input",
        "message": message,
        "errors": [{"message": message, "extensions": {"code": "invalid_input"}}],
    }


async def test_error_messages_name_the_variable_and_type_but_never_quote_the_value(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    by_variable = await graphql(client, keys["admin"], SESSION_BY_ID, {"id": {"x": EMAIL}})
    by_literal = await graphql(
        client, keys["admin"], f'{{ sessions(first: "{EMAIL}") {{ edges {{ node {{ id }} }} }} }}'
    )
    by_token = await graphql(client, keys["admin"], f'{{ "{SENTENCE}" }}')
    unknown_filter_field = await graphql(
        client,
        keys["admin"],
        "query($f: SessionFilter) { sessions(filter: $f) { edges { node { id } } } }",
        {"f": {EMAIL: 1}},
    )
    by_name = await graphql(client, keys["admin"], "{ versionz }")

    messages = [
        r["errors"][0]["message"]
        for r in (by_variable, by_literal, by_token, unknown_filter_field, by_name)
    ]
    assert messages == [
        "Variable '$id' has invalid value: ID cannot represent value.",
        "Int cannot represent non-integer value.",
        "Syntax Error: Expected Name, found String.",
        "Variable '$f' has invalid value: Expected value of type 'SessionFilter' not to include "
        "an unknown field.",
        "Cannot query field 'versionz' on type 'Query'. "
        "Did you mean 'version', 'session', or 'sessions'?",
    ]
    assert found_in(orjson.dumps([by_variable, by_literal, by_token]).decode()) == []


CARD_NAME = "x4111111111111111"


async def test_names_and_keys_the_client_chose_are_not_quoted_back(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    # Found by a fresh user: the operation name came back verbatim (even without a key), an
    # unknown fragment ended in the depth limiter's KeyError text without a code, and a
    # variable's unknown key was quoted.
    named = await client.post(
        "/graphql", json={"query": "query A { version }", "operationName": EMAIL}
    )
    fragment = await graphql(client, keys["admin"], f"{{ sites {{ ...{CARD_NAME} }} }}")
    field = await graphql(client, keys["admin"], f"{{ sites {{ {CARD_NAME} }} }}")
    key = await graphql(
        client,
        keys["admin"],
        "query($f: SessionFilter) { sessions(filter: $f) { edges { node { id } } } }",
        {"f": {CARD_NAME: 1}},
    )

    assert named.status_code == 400
    assert named.json()["message"] == "No operation of that name."
    assert fragment["errors"] == [
        {
            "message": "Unknown fragment a name.",
            "locations": [{"line": 1, "column": 14}],
            "extensions": {"code": "invalid_query"},
        }
    ]
    assert field["errors"][0]["message"] == "Cannot query field a name on type 'Site'."
    assert key["errors"][0]["extensions"] == {"code": "invalid_input", "field": "f"}
    everything = orjson.dumps([named.json(), fragment, field, key]).decode()
    assert CARD_NAME not in everything and "4111111111111111" not in everything
    assert found_in(everything) == []


async def test_several_operations_without_an_operation_name_are_refused(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    both = "query A { version } query B { apiKeys { keyId } }"

    refused = await graphql(client, keys["admin"], both)
    chosen = await client.post(
        "/graphql",
        json={"query": both, "operationName": "A"},
        headers={"authorization": f"Bearer {keys['admin']}"},
    )

    assert refused == {
        "data": None,
        "errors": [
            {
                "message": "the document holds several operations: name one in operationName",
                "extensions": {"code": "invalid_query", "field": "operationName"},
            }
        ],
    }
    assert chosen.json() == {"data": {"version": "0.1.0"}}


@pytest.mark.parametrize(
    ("order", "key"),
    [
        ("HIGHEST_SCORE", ["score", "notanumber", "x"]),
        ("HIGHEST_SCORE", ["score", True, "x"]),
        ("NEWEST", ["started_at", "2024-05-06", "x"]),
        ("NEWEST", ["started_at", 1, 2]),
    ],
)
async def test_a_cursor_whose_sort_value_is_not_a_number_is_malformed(
    client: httpx.AsyncClient, keys: dict[str, str], order: str, key: list[Any]
) -> None:
    cursor = base64.urlsafe_b64encode(orjson.dumps(key)).decode()

    refused = await graphql(
        client,
        keys["admin"],
        "query($o: SessionOrder!, $a: String) { sessions(order: $o, after: $a) "
        "{ edges { node { id } } } }",
        {"o": order, "a": cursor},
    )

    assert refused["errors"][0]["message"] == (
        "malformed cursor" if key[2] != 2 else "this cursor belongs to another ordering"
    )
    assert refused["errors"][0]["extensions"]["field"] == "after"


async def test_an_unknown_device_is_refused_by_name(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    refused = await graphql(
        client,
        keys["admin"],
        '{ sessions(filter: {device: "bogus"}) { edges { node { id } } } }',
    )

    assert refused["errors"][0]["message"] == (
        "device is one of desktop, mobile, tablet, bot, other"
    )
    assert refused["errors"][0]["extensions"] == {"code": "invalid_input", "field": "device"}


async def test_typed_errors_keep_their_message_code_and_field(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    result = await graphql(
        client, keys["analyst"], "{ sessions(first: 101) { edges { node { id } } } }"
    )

    error = result["errors"][0]
    assert error["extensions"] == {"code": "invalid_input", "field": "first"}
    assert "first must be between 1 and" in error["message"]


@pytest.fixture(scope="module")
async def limited_api(settings: Settings, resources: Resources) -> AsyncIterator[str]:
    """The GraphQL server allowing 3 requests a minute per caller."""
    tight = settings.model_copy(update={"graphql_rate_limit_per_minute": 3})
    async with serve_graphql(tight, resources.store) as url:
        yield url


async def test_each_api_key_is_rate_limited_with_429_and_retry_after(
    limited_api: str, resources: Resources
) -> None:
    first = await create_api_key(resources.store, Role.ANALYST, "rate one")
    second = await create_api_key(resources.store, Role.ANALYST, "rate two")

    async def ask(key: str | None) -> httpx.Response:
        auth = {"authorization": f"Bearer {key}"} if key else {}
        async with httpx.AsyncClient(base_url=limited_api, timeout=30) as http:
            return await http.post(
                "/graphql", content=body("{ version }"), headers={**JSON, **auth}
            )

    statuses = [(await ask(first)).status_code for _ in range(3)]
    refused = await ask(first)
    other_key = await ask(second)
    without_key = [(await ask(None)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert other_key.status_code == 200 and other_key.json()["data"]["version"]
    # Without a valid key the caller's address is the bucket: 3 answers (401 in GraphQL), then 429.
    assert without_key == [200, 200, 200, 429]


SITE_QUERIES = [
    "query($s: String!) { sessions(siteId: $s) { edges { node { id } } } }",
    "query($s: String!) { departments(siteId: $s) { name } }",
    "query($s: String!) { detectorSettings(siteId: $s) { siteId } }",
    "query($s: String!) { surveys(siteId: $s) { id } }",
    'query($s: String!) { pages(siteId: $s, range: {from: "2026-11-01", to: "2026-11-30"}) '
    "{ template } }",
    'query($s: String!) { redactionAudit(siteId: $s, range: {from: "2026-11-01", '
    'to: "2026-11-30"}) { chunks } }',
]


@pytest.mark.parametrize("query", SITE_QUERIES, ids=lambda q: q.split("{ ")[1].split("(")[0])
async def test_an_unknown_site_id_is_not_found_instead_of_an_empty_answer(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str], query: str
) -> None:
    site_id = await new_site(resources.store)

    unknown = await graphql(client, keys["admin"], query, {"s": "no-such-site"})
    known = await graphql(client, keys["admin"], query, {"s": site_id})

    assert unknown["data"] is None
    assert unknown["errors"][0]["extensions"] == {"code": "not_found", "field": "siteId"}
    assert unknown["errors"][0]["message"] == "no such site"
    assert "errors" not in known, known


async def test_a_key_limited_to_other_sites_is_forbidden_not_told_whether_a_site_exists(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    own = await new_site(resources.store)
    key = await create_api_key(resources.store, Role.ANALYST, "one site", site_ids=[own])

    result = await graphql(client, key, SITE_QUERIES[1], {"s": "no-such-site"})

    assert result["errors"][0]["extensions"] == {"code": "forbidden", "field": "siteId"}


async def test_the_api_process_scrubs_log_records(
    api_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """create_app installs the scrubbing record factory: a value logged by mistake is masked."""
    with caplog.at_level(logging.INFO):
        logging.getLogger("tests.api.mistake").info("a library said %s", EMAIL)

    assert "a library said <email>" in caplog.text
    assert EMAIL not in caplog.text


async def test_syntax_validation_and_variable_errors_carry_a_code(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    syntax = await graphql(client, keys["analyst"], "{ version ")
    unknown = await graphql(client, keys["analyst"], "{ versionz }")
    variable = await graphql(client, keys["analyst"], SESSION_BY_ID, {"id": ["not", "an", "id"]})

    assert syntax["errors"][0]["extensions"] == {"code": "invalid_query"}
    assert unknown["errors"][0]["extensions"] == {"code": "invalid_query"}
    assert variable["errors"][0]["extensions"] == {"code": "invalid_input", "field": "id"}
    assert variable["errors"][0]["message"].startswith("Variable '$id' has invalid value")


async def test_a_page_size_past_a_32_bit_int_is_a_type_error_not_a_cost(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    query = "query($f: Int!) { sessions(first: $f) { edges { node { id } } } }"

    result = await graphql(client, keys["analyst"], query, {"f": 2**40})

    error = result["errors"][0]
    assert error["extensions"] == {"code": "invalid_input", "field": "f"}
    assert "Int cannot represent non 32-bit signed integer value" in error["message"]
    assert "4398046511104" not in error["message"]
