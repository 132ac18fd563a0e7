"""A worker SIGKILLed mid-job, again and again during an ingest run, loses and repeats nothing."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx

from api.resources import Resources
from bench.fault_checks import (
    assert_aggregates_exact,
    assert_sessions_rebuilt,
    assert_stored_exactly_once,
)
from embedded import ValkeyServer
from tests.reliability.stack import (
    Posted,
    WorkerProcess,
    open_stack,
    post_wave,
    wait_drained,
    wait_quiet,
)

KILLS = 2
SESSIONS = 2


async def batch_jobs_running(resources: Resources) -> int:
    """process_batch jobs a worker has started and not finished (cron jobs left out)."""
    keys = [k async for k in resources.queue.scan_iter(match="arq:in-progress:*", count=500)]
    return sum(1 for k in keys if b":cron:" not in k and not k.startswith(b"arq:in-progress:cron"))


async def kill_mid_job(worker: WorkerProcess, resources: Resources, timeout_s: float = 20) -> None:
    """SIGKILL the worker while it runs at least one batch job."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await batch_jobs_running(resources):
            worker.kill()
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("the worker never ran a batch job to kill it in")


async def test_worker_killed_mid_job_repeatedly_stores_every_event_once(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer, tmp_path: Path
) -> None:
    overrides = {
        "redis_url": queue_server.url,
        "mongodb_url": embedded_urls["mongodb"],
        "job_timeout_s": 10,
        "redrive_after_s": 2,
        "worker_concurrency": 2,
    }
    sessions = [uuid.uuid4().hex for _ in range(SESSIONS)]
    posted = Posted()
    statuses: list[int] = []
    async with open_stack(**overrides) as stack:
        worker = WorkerProcess(stack.worker_env(), tmp_path / "worker.log")
        worker.start()
        try:
            async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
                await worker.wait_ready()
                for kill in range(KILLS):
                    first = 1 + kill * 3
                    statuses += await post_wave(
                        http, stack.site_key, sessions, range(first, first + 2), posted
                    )
                    await kill_mid_job(worker, stack.resources)
                    # Accepted while no worker runs at all.
                    statuses += await post_wave(
                        http, stack.site_key, sessions, range(first + 2, first + 3), posted
                    )
                    worker.start()
                    await worker.wait_ready()
                statuses += await post_wave(
                    http, stack.site_key, sessions, range(1 + KILLS * 3, 3 + KILLS * 3), posted
                )
            await wait_drained(stack.resources, posted.batch_ids, timeout_s=60)
            await wait_quiet(stack.resources)

            assert statuses == [202] * (SESSIONS * (KILLS * 3 + 2))
            await assert_stored_exactly_once(stack.resources, "demo", posted.events)
            await assert_sessions_rebuilt(stack.resources, "demo")
            aggregates = await assert_aggregates_exact(stack.resources, "demo")
            page_views_per_session = (KILLS * 3 + 3) // 2  # one on each odd sequence number
            assert sum(a["page_views"] for a in aggregates) == SESSIONS * page_views_per_session
            # The killed jobs came back through the pending record, not arq's expiry.
            assert "re-drove" in worker.log()
            assert worker.alive
        finally:
            worker.stop()
