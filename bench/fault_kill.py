"""Workers SIGKILLed mid-job, again and again, during an ingest run: nothing lost or doubled.

    python -m bench.fault_kill [--sessions 20] [--batches 8] [--workers 2] [--kills 10]
                               [--kill-every-s 3] [--quick] [--json out.json]

The long version of tests/reliability/test_worker_kill.py. The API and the workers run as
`stuckpoint api` / `stuckpoint worker` subprocesses (job timeout 20 s, re-drive after 5 s);
batches are posted with 8 in flight while a killer SIGKILLs a worker that has a batch job
running (seen from its log) every few seconds and starts a fresh one. Pass: every accepted event
stored exactly once, every session rebuilt from its chunks, aggregates equal to a count from
scratch and to a fresh recompute.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time
import uuid
from typing import Any

import httpx

from api.resources import open_resources
from bench.common import Child, Stack, print_header, write_json
from bench.fault_checks import (
    Posted,
    assert_aggregates_exact,
    assert_sessions_rebuilt,
    assert_stored_exactly_once,
    native_batch,
    post_batch,
    wait_drained,
    wait_quiet,
)

MODULE = "bench.fault_kill"
FAULT_ENV = {"STUCKPOINT_JOB_TIMEOUT_S": "20", "STUCKPOINT_REDRIVE_AFTER_S": "5"}
STARTED = re.compile(r"→ (\S+):process_batch\(")
FINISHED = re.compile(r"← (\S+):process_batch")


def alive(stack: Stack) -> list[Child]:
    return [w for w in stack.workers if w.process.poll() is None]


def running_jobs(child: Child) -> set[str]:
    """Batch jobs this worker has started and not finished, from its log."""
    log = child.log()
    return set(STARTED.findall(log)) - set(FINISHED.findall(log))


async def post_all(stack: Stack, sessions: int, batches: int, posted: Posted) -> None:
    """Every session's batches, in sequence order, 8 requests in flight."""
    ids = [uuid.uuid4().hex for _ in range(sessions)]
    bodies = [native_batch("demo-site-key", s, seq) for seq in range(1, batches + 1) for s in ids]
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def poster(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            await post_batch(http, body, posted)
            await asyncio.sleep(0.05)

    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        await asyncio.gather(*(poster(http) for _ in range(8)))


async def killer(stack: Stack, kills: int, every_s: float, log: list[dict[str, Any]]) -> None:
    """Kill a worker that runs a batch job, ``kills`` times, and start a fresh one each time."""
    for _ in range(kills):
        await asyncio.sleep(every_s)
        deadline = time.monotonic() + 30
        busy: list[Child] = []
        while not busy and time.monotonic() < deadline:
            busy = [w for w in alive(stack) if running_jobs(w)]
            await asyncio.sleep(0.02)
        victim = random.choice(busy or alive(stack))
        in_flight = len(running_jobs(victim))
        victim.process.kill()
        victim.process.wait()
        # The dead one stays listed: a new worker gets a log file of its own.
        started = time.monotonic()
        await asyncio.to_thread(stack.start_workers, 1)
        log.append(
            {
                "mid_job": in_flight > 0,
                "jobs_cut": in_flight,
                "restart_s": time.monotonic() - started,
            }
        )


async def run(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    posted = Posted()
    kills: list[dict[str, Any]] = []
    started = time.monotonic()
    await asyncio.gather(
        post_all(stack, args.sessions, args.batches, posted),
        killer(stack, args.kills, args.kill_every_s, kills),
    )
    posting_s = time.monotonic() - started

    resources = await open_resources(stack.settings())
    try:
        drain_started = time.monotonic()
        await wait_drained(resources, posted.batch_ids, timeout_s=args.drain_s)
        await wait_quiet(resources, timeout_s=60)
        drain_s = time.monotonic() - drain_started
        checks: dict[str, str] = {}
        for name, check in (
            ("stored exactly once", assert_stored_exactly_once(resources, "demo", posted.events)),
            ("sessions rebuilt", assert_sessions_rebuilt(resources, "demo")),
            ("aggregates exact", assert_aggregates_exact(resources, "demo")),
        ):
            try:
                await check
                checks[name] = "pass"
            except AssertionError as err:
                checks[name] = f"FAIL {str(err)[:300]}"
    finally:
        await resources.close()
    redrives = sum(w.log().count("re-drove") for w in stack.workers)
    return {
        "batches_accepted": len(posted.batch_ids),
        "events_accepted": sum(posted.events.values()),
        "refused": posted.refused,
        "kills": len(kills),
        "mid_job_kills": sum(k["mid_job"] for k in kills),
        "jobs_cut": sum(k["jobs_cut"] for k in kills),
        "max_restart_s": round(max((k["restart_s"] for k in kills), default=0.0), 1),
        "posting_s": round(posting_s, 1),
        "drain_after_posting_s": round(drain_s, 1),
        "redrive_runs_in_surviving_logs": redrives,
        "checks": checks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--batches", type=int, default=8, help="per session")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--kill-every-s", type=float, default=3.0)
    parser.add_argument("--drain-s", type=float, default=600.0)
    parser.add_argument("--quick", action="store_true", help="6 sessions, 3 kills")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.sessions, args.batches, args.kills = 6, 6, 3

    info = print_header("Fault: workers killed mid-job during ingest", MODULE)
    with Stack() as stack:
        stack.env.update(FAULT_ENV)
        stack.start_api()
        stack.start_workers(args.workers)
        figures = asyncio.run(run(stack, args))
    figures.update(machine=info, sessions=args.sessions, batches=args.batches)
    print(
        f"{figures['batches_accepted']} batches ({figures['events_accepted']} events) accepted "
        f"in {figures['posting_s']} s, {len(figures['refused'])} refused; "
        f"{figures['kills']} SIGKILLs ({figures['mid_job_kills']} mid-job, "
        f"{figures['jobs_cut']} jobs cut), worker restart up to {figures['max_restart_s']} s"
    )
    print(f"drained {figures['drain_after_posting_s']} s after the last post")
    for name, verdict in figures["checks"].items():
        print(f"  {name}: {verdict}")
    ok = all(v == "pass" for v in figures["checks"].values()) and not figures["refused"]
    print("PASS" if ok else "FAIL")
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
