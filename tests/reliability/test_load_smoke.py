"""The load generator of `bench/load.py`, at a tiny size: concurrent clients, zero errors."""

from __future__ import annotations

import os

import pytest

from bench.load import run_load
from embedded import ValkeyServer
from tests.reliability.stack import open_stack

# Known shortcoming: not yet run on a clean clone (it was finished at the session's stop);
# it runs only when asked, like the benchmark stack smoke tests.
pytestmark = pytest.mark.skipif(
    os.environ.get("STUCKPOINT_BENCH_SMOKE") != "1", reason="run with STUCKPOINT_BENCH_SMOKE=1"
)


async def test_concurrent_clients_get_only_202s_and_every_batch_is_queued(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer
) -> None:
    async with open_stack(
        redis_url=queue_server.url,
        mongodb_url=embedded_urls["mongodb"],
        rate_limit_per_minute=1_000_000_000,
    ) as stack:
        result = await run_load(stack.url, stack.site_key, clients=8, duration_s=2.0)
        queued = await stack.resources.raw_batches.pending_count()

    assert result.requests > 8
    assert result.errors == 0
    assert result.statuses == {202: result.requests}
    assert queued == result.requests
