"""The store is down for a while: jobs retry with backoff, the API says 503, nothing is lost."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path

import httpx

from api.app import AppState
from api.auth import site_for_key
from bench.fault_checks import (
    assert_aggregates_exact,
    assert_sessions_rebuilt,
    assert_stored_exactly_once,
)
from embedded import FerretDBServer, ValkeyServer
from tests.reliability.stack import (
    REPO,
    Posted,
    WorkerProcess,
    native_batch,
    open_stack,
    post_batch,
    post_wave,
    wait_drained,
    wait_quiet,
)

SESSIONS = 2


async def wait_for_log(worker: WorkerProcess, text: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in worker.log():
        if time.monotonic() > deadline:
            raise TimeoutError(f"worker never logged {text!r}:\n{worker.log()[-3000:]}")
        await asyncio.sleep(0.2)


async def test_store_outage_retries_jobs_with_backoff_and_loses_nothing(
    settings: object, queue_server: ValkeyServer, tmp_path: Path
) -> None:
    cache = Path(os.environ.get("STUCKPOINT_CACHE_DIR", REPO / ".cache"))
    store_server = FerretDBServer(tmp_path / "ferretdb", cache)
    store_server.start()
    sessions = [uuid.uuid4().hex for _ in range(SESSIONS)]
    posted = Posted()
    options = {
        "redis_url": queue_server.url,
        "mongodb_url": store_server.url,
        "job_timeout_s": 15,
        "redrive_after_s": 2,
        "worker_concurrency": 2,
    }
    try:
        async with open_stack(**options) as stack:
            worker = WorkerProcess(stack.worker_env(), tmp_path / "worker.log")
            worker.start()
            try:
                async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
                    await worker.wait_ready()
                    before = await post_wave(http, stack.site_key, sessions, range(1, 2), posted)
                    await wait_drained(stack.resources, posted.batch_ids, timeout_s=30)

                    # A fresh site-key cache entry (30 s) lets the API accept without the store.
                    state: AppState = stack.app.state.stuckpoint
                    state.key_cache.entries.clear()
                    await site_for_key(stack.resources.store, stack.site_key, state.key_cache)
                    store_server.stop()

                    during = await post_wave(http, stack.site_key, sessions, range(2, 4), posted)
                    ready = await http.get("/readyz")
                    state.key_cache.entries.clear()
                    uncached = await post_batch(
                        http, native_batch(stack.site_key, sessions[0], 4), Posted()
                    )
                    await wait_for_log(worker, "retrying in", timeout_s=30)

                    store_server.start()
                    after = await post_wave(http, stack.site_key, sessions, range(4, 6), posted)
                await wait_drained(stack.resources, posted.batch_ids, timeout_s=60)
                await wait_quiet(stack.resources)

                assert before + during + after == [202] * (5 * SESSIONS)
                assert ready.status_code == 503
                assert ready.json()["checks"]["store"].startswith("unavailable")
                assert uncached.status_code == 503
                assert uncached.headers["retry-after"] == "5"
                await assert_stored_exactly_once(stack.resources, "demo", posted.events)
                await assert_sessions_rebuilt(stack.resources, "demo")
                await assert_aggregates_exact(stack.resources, "demo")
                assert worker.alive
            finally:
                worker.stop()
    finally:
        store_server.stop()
