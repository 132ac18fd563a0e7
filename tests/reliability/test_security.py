"""API keys at rest, CORS, security headers and rate limits, checked over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import uuid

import httpx
import pytest

from api.auth import KeyCache, Role, authenticate, create_api_key, key_id_of, revoke_api_key
from api.errors import Unauthorized
from api.resources import Resources
from embedded import ValkeyServer
from tests.helpers import all_documents
from tests.reliability.stack import ORIGIN, native_batch, open_stack

EVIL = "https://evil.example.net"
WHO_AM_I = "{ sessions(first: 1) { edges { node { id } } } }"


async def test_api_keys_are_kept_only_as_sha256_digests(resources: Resources) -> None:
    key = await create_api_key(resources.store, Role.ANALYST, "digest test")

    doc = await resources.store.api_keys.find_one({"_id": hashlib.sha256(key.encode()).hexdigest()})
    everything = " ".join(str(d) for _, d in await all_documents(resources))

    assert doc is not None and doc["role"] == "analyst"
    assert key not in everything
    assert len(key) >= 32


async def test_a_wrong_or_revoked_key_is_refused(resources: Resources) -> None:
    key = await create_api_key(resources.store, Role.ANALYST, "revocation test")
    near_miss = key[:-1] + ("A" if key[-1] != "A" else "B")
    principal = await authenticate(resources.store, f"Bearer {key}", KeyCache())

    with pytest.raises(Unauthorized):
        await authenticate(resources.store, f"Bearer {near_miss}", KeyCache())
    await resources.store.api_keys.update_one(
        {"_id": hashlib.sha256(key.encode()).hexdigest()}, {"$set": {"revoked": True}}
    )
    with pytest.raises(Unauthorized):
        await authenticate(resources.store, f"Bearer {key}", KeyCache())
    assert principal.role is Role.ANALYST


async def test_a_key_revoked_in_one_process_is_refused_by_another_at_its_next_check(
    resources: Resources,
) -> None:
    key = await create_api_key(resources.store, Role.ANALYST, "cross-process revocation")
    other_key = await create_api_key(resources.store, Role.ANALYST, "stays valid")
    key_id = await key_id_of(resources.store, key)
    revoking = KeyCache()  # the API process that handles revokeApiKey
    other = KeyCache(revocation_check_s=0.3)  # another API process, with its key cached
    await authenticate(resources.store, f"Bearer {key}", other)
    await authenticate(resources.store, f"Bearer {other_key}", other)

    await revoke_api_key(resources.store, key_id, revoking)
    with pytest.raises(Unauthorized):
        await authenticate(resources.store, f"Bearer {key}", revoking)
    await asyncio.sleep(0.4)
    with pytest.raises(Unauthorized):
        await authenticate(resources.store, f"Bearer {key}", other)
    still = await authenticate(resources.store, f"Bearer {other_key}", other)

    assert still.role is Role.ANALYST
    assert other.ttl_s == 30.0  # the cache still spares the store the lookups in between


async def test_the_key_cache_reads_the_store_at_most_once_per_check_interval(
    resources: Resources,
) -> None:
    key = await create_api_key(resources.store, Role.ANALYST, "cached lookups")
    key_id = await key_id_of(resources.store, key)
    cache = KeyCache(revocation_check_s=60)
    await authenticate(resources.store, f"Bearer {key}", cache)

    await revoke_api_key(resources.store, key_id)  # elsewhere, after this process's check
    principal = await authenticate(resources.store, f"Bearer {key}", cache)

    # Within the interval the cached answer stands; the check interval is the price of speed.
    assert principal.role is Role.ANALYST


async def test_graphql_refuses_an_unknown_key_without_data(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": WHO_AM_I}, headers={"authorization": "Bearer sp_not-a-key"}
    )
    body = response.json()
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "unauthorized"


async def test_cors_answers_registered_origins_only(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    preflight = {"access-control-request-method": "POST"}
    allowed = await client.options("/collect", headers={"origin": ORIGIN, **preflight})
    refused = await client.options("/collect", headers={"origin": EVIL, **preflight})
    body = native_batch(keys["site"], uuid.uuid4().hex, 1)
    posted = await client.post("/collect", json=body, headers={"origin": ORIGIN})
    foreign = await client.post("/collect", json=body, headers={"origin": EVIL})
    survey = await client.options("/surveys/eligible", headers={"origin": EVIL, **preflight})
    graphql = await client.post("/graphql", json={"query": "{ version }"}, headers={"origin": EVIL})

    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert refused.status_code == 204
    assert "access-control-allow-origin" not in refused.headers
    assert posted.status_code == 202
    assert posted.headers["access-control-allow-origin"] == ORIGIN
    assert foreign.status_code == 400
    assert foreign.json()["field"] == "origin"
    assert "access-control-allow-origin" not in foreign.headers
    assert "access-control-allow-origin" not in survey.headers
    assert "access-control-allow-origin" not in graphql.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("POST", "/collect"),
        ("OPTIONS", "/collect"),
        ("POST", "/graphql"),
        ("GET", "/surveys/eligible"),
        ("GET", "/no-such-page"),
    ],
)
async def test_every_response_carries_the_security_headers(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, content=b"{}")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_requests_over_the_rate_limit_get_429_with_retry_after(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer
) -> None:
    async with open_stack(
        redis_url=queue_server.url, mongodb_url=embedded_urls["mongodb"], rate_limit_per_minute=3
    ) as stack:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
            statuses = []
            for seq in range(1, 6):
                body = native_batch(stack.site_key, "rate-limited", seq)
                statuses.append(await http.post("/collect", json=body))
            survey = await http.get(
                "/surveys/eligible",
                params={
                    "site_key": stack.site_key,
                    "session_id": "s",
                    "visitor_id": "v",
                    "url": "/",
                },
            )

    assert [r.status_code for r in statuses] == [202, 202, 202, 429, 429]
    limited = statuses[3]
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # The limit is per client address, across the public endpoints.
    assert survey.status_code == 429
