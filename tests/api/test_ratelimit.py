"""Rate limits shared by API processes through Redis, per client network and per site."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from websockets.exceptions import InvalidStatus

from api.auth import Role, create_api_key
from api.errors import TooManyRequests, Unavailable
from api.ratelimit import KEY_PREFIX, RateLimiter
from api.resources import Resources
from api.settings import Settings
from embedded import ValkeyServer
from embedded.process import free_loopback_port
from tests.reliability.stack import native_batch, open_stack
from tests.schema.conftest import serve_graphql
from tests.schema.ws import close_code_after_init


@pytest.fixture
async def two_connections(embedded_urls: dict[str, str]) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two connections to one Redis, as two API processes would hold."""
    first = Redis.from_url(embedded_urls["redis"])
    second = Redis.from_url(embedded_urls["redis"])
    yield first, second
    await first.aclose()
    await second.aclose()


@pytest.fixture
def own_queue(tmp_path: Path) -> Iterator[ValkeyServer]:
    """A Valkey of this test's own: its rate buckets meet no other test's."""
    server = ValkeyServer(tmp_path / "valkey")
    server.start()
    yield server
    server.stop()


async def test_two_limiters_draw_on_one_budget(two_connections: tuple[Redis, Redis]) -> None:
    first, second = two_connections
    process_a, process_b = RateLimiter(per_minute=3), RateLimiter(per_minute=3)
    key = f"ip:{uuid.uuid4().hex}"

    await process_a.check_shared(first, key)
    await process_b.check_shared(second, key)
    await process_a.check_shared(first, key)
    with pytest.raises(TooManyRequests) as limited_b:
        await process_b.check_shared(second, key)
    with pytest.raises(TooManyRequests):
        await process_a.check_shared(first, key)

    # One request comes back every 20 s at 3 per minute.
    assert limited_b.value.retry_after_s == 20
    # Another key has its own budget.
    await process_b.check_shared(second, f"ip:{uuid.uuid4().hex}")


async def test_a_request_refused_by_one_key_costs_the_other_nothing(
    two_connections: tuple[Redis, Redis],
) -> None:
    redis, _ = two_connections
    limiter = RateLimiter(per_minute=2)
    client, site, other_client = (f"{kind}:{uuid.uuid4().hex}" for kind in ("ip", "site", "ip"))
    await limiter.check_shared(redis, client, site)
    await limiter.check_shared(redis, client, site)

    with pytest.raises(TooManyRequests):
        await limiter.check_shared(redis, other_client, site)

    # The refused request took nothing from the other client's bucket: it still has 2.
    await limiter.check_shared(redis, other_client)
    await limiter.check_shared(redis, other_client)
    with pytest.raises(TooManyRequests):
        await limiter.check_shared(redis, other_client)


async def test_buckets_expire_once_full_again(two_connections: tuple[Redis, Redis]) -> None:
    redis, _ = two_connections
    limiter = RateLimiter(per_minute=60)
    key = f"site:{uuid.uuid4().hex}"

    await limiter.check_shared(redis, key)

    # One request of 60 per minute refills in one second: the key lives no longer than that.
    assert 0 < await redis.pttl(KEY_PREFIX + key) <= 1000


async def test_without_redis_the_limiter_is_unavailable_not_permissive() -> None:
    nobody = Redis(host="127.0.0.1", port=free_loopback_port(), socket_connect_timeout=1)
    try:
        with pytest.raises(Unavailable) as unavailable:
            await RateLimiter(per_minute=100).check_shared(nobody, "ip:127.0.0.0")
    finally:
        await nobody.aclose()

    assert (unavailable.value.status, unavailable.value.retry_after_s) == (503, 5)


async def test_two_api_processes_share_the_collect_budget(
    embedded_urls: dict[str, str], own_queue: ValkeyServer
) -> None:
    shared = {"redis_url": own_queue.url, "mongodb_url": embedded_urls["mongodb"]}
    async with (
        open_stack(**shared, rate_limit_per_minute=4) as one,
        open_stack(**shared, rate_limit_per_minute=4) as two,
    ):
        statuses = []
        for seq in range(1, 7):
            url = one.url if seq % 2 else two.url
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                body = native_batch(one.site_key, "shared-budget", seq)
                statuses.append((await http.post("/collect", json=body)).status_code)

    # Each API alone would allow 4: together they allow 4.
    assert statuses == [202, 202, 202, 202, 429, 429]


async def test_collect_answers_503_with_retry_after_when_redis_is_down(
    embedded_urls: dict[str, str], own_queue: ValkeyServer
) -> None:
    shared = {"redis_url": own_queue.url, "mongodb_url": embedded_urls["mongodb"]}
    async with open_stack(**shared) as stack:
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
            body = native_batch(stack.site_key, "no-redis", 1)
            accepted = await http.post("/collect", json=body)
            own_queue.stop()
            refused = await http.post("/collect", json={**body, "seq": 2})

    assert accepted.status_code == 202
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
    assert refused.json()["error"] == "unavailable"


async def test_graphql_requests_of_one_key_share_a_budget_across_api_processes(
    settings: Settings, resources: Resources, own_queue: ValkeyServer
) -> None:
    tight = settings.model_copy(update={"graphql_rate_limit_per_minute": 3})
    key = await create_api_key(resources.store, Role.ANALYST, "shared graphql budget")
    first_redis, second_redis = Redis.from_url(own_queue.url), Redis.from_url(own_queue.url)
    try:
        async with (
            serve_graphql(tight, resources.store, first_redis) as one,
            serve_graphql(tight, resources.store, second_redis) as two,
        ):
            statuses = [(await _version(url, key)).status_code for url in (one, two, one, two, one)]
    finally:
        await first_redis.aclose()
        await second_redis.aclose()

    # Two processes, one budget of 3: the fourth request is refused by whichever process.
    assert statuses == [200, 200, 200, 429, 429]


async def test_graphql_falls_back_to_its_own_budget_while_redis_is_down(
    settings: Settings, resources: Resources
) -> None:
    tight = settings.model_copy(update={"graphql_rate_limit_per_minute": 2})
    key = await create_api_key(resources.store, Role.ANALYST, "redis down")
    gone = Redis.from_url(f"redis://127.0.0.1:{free_loopback_port()}", socket_timeout=1)
    try:
        async with serve_graphql(tight, resources.store, gone) as url:
            statuses = [(await _version(url, key)).status_code for _ in range(3)]
    finally:
        await gone.aclose()

    # Dashboards keep answering through a queue outage, still limited per process.
    assert statuses == [200, 200, 429]


async def test_websocket_openings_over_the_limit_are_refused_before_the_handshake(
    settings: Settings, resources: Resources, own_queue: ValkeyServer
) -> None:
    tight = settings.model_copy(update={"graphql_rate_limit_per_minute": 2})
    key = await create_api_key(resources.store, Role.ANALYST, "ws openings")
    redis = Redis.from_url(own_queue.url)
    try:
        async with serve_graphql(tight, resources.store, redis) as url:
            accepted = [await close_code_after_init(url, key) for _ in range(2)]
            with pytest.raises(InvalidStatus) as refused:
                await close_code_after_init(url, key)
    finally:
        await redis.aclose()

    assert accepted == [None, None]
    assert refused.value.response.status_code == 403


async def _version(url: str, key: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        return await http.post(
            "/graphql", json={"query": "{ version }"}, headers={"authorization": f"Bearer {key}"}
        )
