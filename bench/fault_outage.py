"""Queue and store restarts during a steady ingest: 503s while down, nothing accepted lost.

    python -m bench.fault_outage [--cycles 3] [--down-s 5] [--rate 5] [--quick] [--json out.json]

The long version of tests/reliability/test_queue_faults.py and test_store_outage.py. A steady
poster sends batches at ``--rate`` per second, sending a refused batch again after a second as
the tracker does; meanwhile Valkey and FerretDB are each stopped for ``--down-s`` and started
again, ``--cycles`` times (on the same port and data directory). Figures: answers by status,
how long each outage refused batches, and the time from each restart to the first batch
accepted. Pass: API and worker alive, and every accepted event stored exactly once with exact
aggregates.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections import Counter
from typing import Any

import httpx

from api.resources import open_resources
from bench.common import Stack, print_header, write_json
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
from embedded import FerretDBServer, ValkeyServer

MODULE = "bench.fault_outage"
FAULT_ENV = {"STUCKPOINT_JOB_TIMEOUT_S": "20", "STUCKPOINT_REDRIVE_AFTER_S": "5"}
BATCHES_PER_SESSION = 12


class Poster:
    """Posts batches of a few sessions at a fixed rate; refused ones are sent again later."""

    def __init__(self, url: str, rate: float, sessions: int = 8) -> None:
        self.url = url
        self.interval_s = 1 / rate
        self.sessions = [uuid.uuid4().hex for _ in range(sessions)]
        self.next_seq = dict.fromkeys(self.sessions, 1)
        self.posted = Posted()
        self.statuses: Counter[int] = Counter()
        self.accepted_at: list[float] = []
        self.retry: list[dict[str, Any]] = []
        self.stop = asyncio.Event()

    async def run(self) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as http:
            turn = 0
            while not self.stop.is_set() or self.retry:
                if self.retry and (turn % 2 == 0 or self.stop.is_set()):
                    body = self.retry.pop(0)
                else:
                    body = self.next_batch(turn)
                turn += 1
                try:
                    response = await post_batch(http, body, self.posted)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                self.statuses[status] += 1
                if status == 202:
                    self.accepted_at.append(time.monotonic())
                else:
                    self.retry.append(body)
                    await asyncio.sleep(1.0)
                await asyncio.sleep(self.interval_s)

    def next_batch(self, turn: int) -> dict[str, Any]:
        """The next batch of one of the open sessions; a session ends after a dozen batches."""
        slot = turn % len(self.sessions)
        session = self.sessions[slot]
        if self.next_seq[session] > BATCHES_PER_SESSION:
            session = self.sessions[slot] = uuid.uuid4().hex
            self.next_seq[session] = 1
        body = native_batch("demo-site-key", session, self.next_seq[session])
        self.next_seq[session] += 1
        return body

    def first_accept_after(self, moment: float) -> float | None:
        later = [t - moment for t in self.accepted_at if t >= moment]
        return min(later) if later else None


async def outages(stack: Stack, poster: Poster, cycles: int, down_s: float) -> list[dict[str, Any]]:
    queue = next(s for s in stack.servers if isinstance(s, ValkeyServer))
    store = next(s for s in stack.servers if isinstance(s, FerretDBServer))
    report = []
    await asyncio.sleep(3)
    for _ in range(cycles):
        for name, server in (("queue", queue), ("store", store)):
            refused_before = sum(n for s, n in poster.statuses.items() if s != 202)
            await asyncio.to_thread(server.stop)
            await asyncio.sleep(down_s)
            await asyncio.to_thread(server.start)
            restarted = time.monotonic()
            await asyncio.sleep(down_s)
            refused = sum(n for s, n in poster.statuses.items() if s != 202) - refused_before
            recovery = poster.first_accept_after(restarted)
            report.append(
                {
                    "server": name,
                    "refused": refused,
                    "first_accept_after_restart_s": None
                    if recovery is None
                    else round(recovery, 2),
                }
            )
    poster.stop.set()
    return report


async def run(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    poster = Poster(stack.api_url, args.rate)
    _, report = await asyncio.gather(poster.run(), outages(stack, poster, args.cycles, args.down_s))
    resources = await open_resources(stack.settings())
    try:
        await wait_drained(resources, poster.posted.batch_ids, timeout_s=args.drain_s)
        await wait_quiet(resources, timeout_s=60)
        checks: dict[str, str] = {}
        for name, check in (
            (
                "stored exactly once",
                assert_stored_exactly_once(resources, "demo", poster.posted.events),
            ),
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
    worker_log = "".join(w.log() for w in stack.workers)
    return {
        "statuses": dict(poster.statuses),
        "batches_accepted": len(poster.posted.batch_ids),
        "events_accepted": sum(poster.posted.events.values()),
        "outages": report,
        "worker_retries": worker_log.count("retrying in"),
        "worker_reconnects": worker_log.count("queue connection lost"),
        "api_alive": stack.api is not None and stack.api.process.poll() is None,
        "workers_alive": all(w.process.poll() is None for w in stack.workers),
        "checks": checks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--down-s", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=5.0, help="batches per second")
    parser.add_argument("--drain-s", type=float, default=600.0)
    parser.add_argument("--quick", action="store_true", help="one cycle, 3 s down")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.cycles, args.down_s = 1, 3.0

    info = print_header("Fault: queue and store restarts during ingest", MODULE)
    with Stack() as stack:
        stack.env.update(FAULT_ENV)
        stack.start_api()
        stack.start_workers(1)
        figures = asyncio.run(run(stack, args))
    figures.update(machine=info, cycles=args.cycles, down_s=args.down_s, rate=args.rate)
    print(
        f"answers: {figures['statuses']}; {figures['batches_accepted']} batches "
        f"({figures['events_accepted']} events) accepted in the end"
    )
    for outage in figures["outages"]:
        print(
            f"  {outage['server']} down {args.down_s:.0f} s: {outage['refused']} refused, first "
            f"accept {outage['first_accept_after_restart_s']} s after the restart"
        )
    print(
        f"worker: {figures['worker_retries']} job retries, {figures['worker_reconnects']} "
        f"reconnects; API alive {figures['api_alive']}, workers alive {figures['workers_alive']}"
    )
    for name, verdict in figures["checks"].items():
        print(f"  {name}: {verdict}")
    ok = (
        all(v == "pass" for v in figures["checks"].values())
        and figures["api_alive"]
        and figures["workers_alive"]
    )
    print("PASS" if ok else "FAIL")
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
