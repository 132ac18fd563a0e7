"""Rate limits shared by API processes through Redis, per client network and per site."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from api.errors import TooManyRequests, Unavailable
from api.ratelimit import KEY_PREFIX, RateLimiter
from embedded import ValkeyServer
from embedded.process import free_loopback_port
from tests.reliability.stack import native_batch, open_stack


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
