"""A worker process starting before its store, and stopping on SIGTERM: no exit, no traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path

import httpx

from bench.fault_checks import assert_stored_exactly_once
from embedded import FerretDBServer, ValkeyServer
from embedded.process import free_loopback_port
from tests.reliability.stack import (
    REPO,
    Posted,
    WorkerProcess,
    open_stack,
    post_wave,
    wait_drained,
)


async def wait_for_log(worker: WorkerProcess, text: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in worker.log():
        if time.monotonic() > deadline or not worker.alive:
            raise AssertionError(f"worker never logged {text!r}:\n{worker.log()[-3000:]}")
        await asyncio.sleep(0.2)


async def wait_exit(worker: WorkerProcess, timeout_s: float) -> int:
    assert worker.process is not None
    deadline = time.monotonic() + timeout_s
    while worker.process.poll() is None:
        if time.monotonic() > deadline:
            worker.kill()
            raise AssertionError(f"worker still running after SIGTERM:\n{worker.log()[-3000:]}")
        await asyncio.sleep(0.1)
    return worker.process.returncode


def worker_env(store_url: str, queue_url: str, database: str) -> dict[str, str]:
    return {
        **os.environ,
        "STUCKPOINT_MONGODB_URL": store_url,
        "STUCKPOINT_REDIS_URL": queue_url,
        "STUCKPOINT_DATABASE": database,
        "STUCKPOINT_JOB_TIMEOUT_S": "10",
        "STUCKPOINT_REDRIVE_AFTER_S": "2",
    }


async def test_workers_started_before_their_store_or_queue_wait_and_stop_cleanly_meanwhile(
    settings: object, queue_server: ValkeyServer, tmp_path: Path
) -> None:
    cache = Path(os.environ.get("STUCKPOINT_CACHE_DIR", REPO / ".cache"))
    store_server = FerretDBServer(tmp_path / "ferretdb", cache)  # its port is chosen, not served
    no_queue_url = f"redis://127.0.0.1:{free_loopback_port()}/0"  # nothing listens there
    database = f"rel_{uuid.uuid4().hex[:10]}"
    waiting = WorkerProcess(
        worker_env(store_server.url, queue_server.url, database), tmp_path / "waiting.log"
    )
    stopped = WorkerProcess(
        worker_env(store_server.url, no_queue_url, database), tmp_path / "stopped.log"
    )
    waiting.start()
    stopped.start()
    try:
        await wait_for_log(waiting, "store unreachable at start", timeout_s=60)
        await wait_for_log(stopped, "queue connection lost", timeout_s=60)
        # Stopped while it waits for its queue: a clean exit too.
        stopped.send(signal.SIGTERM)
        stopped_code = await wait_exit(stopped, timeout_s=20)

        store_server.start()
        await waiting.wait_ready(timeout_s=60)
        posted = Posted()
        async with open_stack(
            redis_url=queue_server.url, mongodb_url=store_server.url, database=database
        ) as stack:
            async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
                session_id = uuid.uuid4().hex
                statuses = await post_wave(http, stack.site_key, [session_id], range(1, 3), posted)
            await wait_drained(stack.resources, posted.batch_ids, timeout_s=30)
            await assert_stored_exactly_once(stack.resources, "demo", posted.events)

        assert statuses == [202, 202]
        assert waiting.alive
        assert stopped_code == 0
        assert "retrying in 1 s (try 1)" in waiting.log()
        assert "worker stopped" in stopped.log()
        assert "Traceback" not in waiting.log() + stopped.log()
    finally:
        waiting.stop()
        stopped.stop()
        store_server.stop()


async def test_sigterm_stops_a_busy_worker_cleanly_and_loses_no_batch(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer, tmp_path: Path
) -> None:
    sessions = [uuid.uuid4().hex for _ in range(3)]
    posted = Posted()
    options = {
        "redis_url": queue_server.url,
        "mongodb_url": embedded_urls["mongodb"],
        "job_timeout_s": 10,
        "redrive_after_s": 2,
        "worker_concurrency": 2,
    }
    async with open_stack(**options) as stack:
        worker = WorkerProcess(stack.worker_env(), tmp_path / "worker.log")
        worker.start()
        try:
            await worker.wait_ready()
            async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
                statuses = await post_wave(http, stack.site_key, sessions, range(1, 5), posted)
            # Stopped while it works through the batches just accepted.
            worker.send(signal.SIGTERM)
            code = await wait_exit(worker, timeout_s=30)
            first_log = worker.log()

            # What it had not finished is still in the queue for the next worker.
            worker.start()
            await worker.wait_ready()
            await wait_drained(stack.resources, posted.batch_ids, timeout_s=60)
            await assert_stored_exactly_once(stack.resources, "demo", posted.events)
        finally:
            worker.stop()

    assert statuses == [202] * 12
    assert code == 0
    assert "shutdown on SIGTERM" in first_log
    assert "worker stopped" in first_log
    assert "Traceback" not in first_log
