"""The queue server restarts under the API and the worker: 503s meanwhile, nothing lost."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path

import httpx

from bench.fault_checks import assert_aggregates_exact, assert_stored_exactly_once
from embedded import ValkeyServer
from tests.reliability.stack import (
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


def stack_options(queue: ValkeyServer, embedded_urls: dict[str, str]) -> dict[str, object]:
    return {
        "redis_url": queue.url,
        "mongodb_url": embedded_urls["mongodb"],
        "job_timeout_s": 10,
        "redrive_after_s": 2,
        "worker_concurrency": 2,
    }


async def test_queue_restart_refuses_with_503_meanwhile_and_loses_no_accepted_batch(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer, tmp_path: Path
) -> None:
    sessions = [uuid.uuid4().hex for _ in range(SESSIONS)]
    posted = Posted()
    async with open_stack(**stack_options(queue_server, embedded_urls)) as stack:
        worker = WorkerProcess(stack.worker_env(), tmp_path / "worker.log")
        worker.start()
        try:
            async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
                await worker.wait_ready()
                # Paused, the worker leaves what is accepted now in the queue across the restart.
                worker.send(signal.SIGSTOP)
                accepted = await post_wave(http, stack.site_key, sessions, range(1, 3), posted)
                queue_server.stop()

                refused = [
                    await post_batch(http, native_batch(stack.site_key, s, 3), posted)
                    for s in sessions
                ]
                ready = await http.get("/readyz")

                queue_server.start()
                worker.send(signal.SIGCONT)
                # The tracker sends a refused batch again; then the run goes on.
                again = await post_wave(http, stack.site_key, sessions, range(3, 5), posted)
            await wait_drained(stack.resources, posted.batch_ids, timeout_s=45)
            await wait_quiet(stack.resources)

            assert accepted == [202] * (2 * SESSIONS)
            assert [r.status_code for r in refused] == [503] * SESSIONS
            assert all(r.headers["retry-after"] == "5" for r in refused)
            assert refused[0].json()["error"] == "unavailable"
            assert ready.status_code == 503
            assert ready.json()["checks"]["queue"].startswith("unavailable")
            assert again == [202] * (2 * SESSIONS)
            await assert_stored_exactly_once(stack.resources, "demo", posted.events)
            await assert_aggregates_exact(stack.resources, "demo")
            assert worker.alive
        finally:
            worker.stop()


async def test_worker_that_loses_the_queue_reconnects_and_keeps_working(
    settings: object, embedded_urls: dict[str, str], queue_server: ValkeyServer, tmp_path: Path
) -> None:
    session_id = uuid.uuid4().hex
    posted = Posted()
    async with open_stack(**stack_options(queue_server, embedded_urls)) as stack:
        worker = WorkerProcess(stack.worker_env(), tmp_path / "worker.log")
        worker.start()
        try:
            async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
                await worker.wait_ready()
                await post_wave(http, stack.site_key, [session_id], range(1, 2), posted)
                await wait_drained(stack.resources, posted.batch_ids, timeout_s=30)

                # The queue goes away under the running worker for a few seconds.
                queue_server.stop()
                await asyncio.sleep(3)
                queue_server.start()
                await post_wave(http, stack.site_key, [session_id], range(2, 4), posted)
            await wait_drained(stack.resources, posted.batch_ids, timeout_s=30)

            assert len(posted.batch_ids) == 3
            await assert_stored_exactly_once(stack.resources, "demo", posted.events)
            assert "queue connection lost" in worker.log()
            assert worker.alive
        finally:
            worker.stop()
