"""Load: N concurrent clients posting batches to /collect on loopback for a fixed time.

    python -m bench.load [--clients 200] [--duration-s 60] [--workers 1] [--quick] [--json out.json]

Closed loop: each client posts a small native batch (a page view and clicks, its own session,
growing sequence numbers), waits for the answer, and posts the next, until the time is up.
Every answer but a 202 is an error. The API runs as a uvicorn subprocess (`stuckpoint api`) with
rate limits off; its resident memory is read before, at peak and after, and once more after an
idle pause, to see that it comes back. Baseline in the same run: `GET /healthz` with the same
clients for a fifth of the time. The load generator shares the two cores with the API and
the worker, so the throughput is a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
import psutil

from bench.common import RssSampler, Stack, new_site, percentile, print_header, write_json

MODULE = "bench.load"
REQUEST_TIMEOUT_S = 30.0


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "statuses": self.statuses,
            "rate_per_s": round(self.rate_per_s, 1),
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
            "max_ms": round(max(self.latencies_ms, default=0.0), 1),
        }


def batch(site_key: str, session_id: str, seq: int) -> bytes:
    now = int(time.time() * 1000)
    events: list[dict[str, Any]] = []
    if seq % 5 == 1:
        url = f"https://city.example.test/permits/{seq % 7}/apply"
        events.append({"type": "pageview", "ts": now - 900, "url": url, "width": 1280})
    target = {"selector": "button.next", "tag": "button", "text": "Next"}
    events += [
        {"type": "click", "ts": now - 800 + i * 90, "x": 100 + i, "y": 200, "target": target}
        for i in range(5)
    ]
    envelope = {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": seq,
        "sent_at": now,
        "format": "native",
        "events": events,
    }
    return orjson.dumps(envelope)


class Connection:
    """One keep-alive HTTP/1.1 connection, as a browser tab holds one.

    A bare client on asyncio streams: with hundreds of clients in one process, httpx spends
    more CPU than the server (a client costs ~65 ms to create, and one shared pool slows
    down past a few dozen requests in flight), and would measure itself.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_load(
    base_url: str, site_key: str | None, clients: int, duration_s: float
) -> LoadResult:
    """``clients`` closed loops for ``duration_s``: POST /collect, or GET /healthz without a key."""
    result = LoadResult()
    url = urlsplit(base_url)
    deadline = time.monotonic() + duration_s

    async def client_loop() -> None:
        connection = Connection(url.hostname or "127.0.0.1", url.port or 80)
        session_id = uuid.uuid4().hex
        seq = 0
        while time.monotonic() < deadline:
            seq += 1
            sent = time.perf_counter()
            try:
                if site_key is None:
                    call = connection.request("GET", "/healthz")
                else:
                    call = connection.request("POST", "/collect", batch(site_key, session_id, seq))
                # A request never answered counts as an error instead of stalling the run.
                status = await asyncio.wait_for(call, REQUEST_TIMEOUT_S)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                status = 0
                await connection.close()
                connection = Connection(url.hostname or "127.0.0.1", url.port or 80)
            result.latencies_ms.append((time.perf_counter() - sent) * 1000)
            result.requests += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status not in (200, 202):
                result.errors += 1
        await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


def rss_mb(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss / 2**20)


async def pending(stack: Stack) -> int:
    from redis.asyncio import Redis

    from storage.raw_batches import PENDING_KEY

    redis = Redis.from_url(stack.redis_url)
    try:
        return int(await redis.zcard(PENDING_KEY))
    finally:
        await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration-s", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--idle-s", type=float, default=10.0, help="pause before the last RSS")
    parser.add_argument("--quick", action="store_true", help="50 clients for 10 s")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.duration_s, args.idle_s = 50, 10.0, 5.0

    info = print_header("Load: concurrent clients on /collect", MODULE)
    with Stack() as stack:
        api = stack.start_api()
        if args.workers:
            stack.start_workers(args.workers)
        site_key = asyncio.run(new_site(stack, "load"))

        asyncio.run(run_load(stack.api_url, site_key, 10, 3.0))  # warm-up
        rss_before = rss_mb(api.pid)
        baseline = asyncio.run(run_load(stack.api_url, None, args.clients, args.duration_s / 5))
        with RssSampler({"api": api.pid}) as sampler:
            loaded = asyncio.run(run_load(stack.api_url, site_key, args.clients, args.duration_s))
        rss_after = rss_mb(api.pid)
        backlog = asyncio.run(pending(stack))
        time.sleep(args.idle_s)
        rss_idle = rss_mb(api.pid)
        api_alive = api.process.poll() is None

    figures = {
        "clients": args.clients,
        "duration_s": args.duration_s,
        "workers": args.workers,
        "baseline_healthz": baseline.summary(),
        "collect": loaded.summary(),
        "api_rss_mb": {
            "before": round(rss_before, 1),
            "peak": round(sampler.peak_mb["api"], 1),
            "after": round(rss_after, 1),
            "after_idle": round(rss_idle, 1),
        },
        "backlog_batches_at_end": backlog,
        "api_alive": api_alive,
        "machine": info,
    }
    c, b, rss = figures["collect"], figures["baseline_healthz"], figures["api_rss_mb"]
    print(f"clients {args.clients}, {args.duration_s:.0f} s, workers {args.workers}")
    print(
        f"GET /healthz (baseline): {b['rate_per_s']}/s, p50 {b['p50_ms']} ms, "
        f"p99 {b['p99_ms']} ms, errors {b['errors']}"
    )
    print(
        f"POST /collect: {c['requests']} requests, {c['rate_per_s']}/s, p50 {c['p50_ms']} ms, "
        f"p95 {c['p95_ms']} ms, p99 {c['p99_ms']} ms, max {c['max_ms']} ms, errors {c['errors']} "
        f"{c['statuses']}"
    )
    print(
        f"API RSS: {rss['before']} MB before, {rss['peak']} MB peak, {rss['after']} MB after, "
        f"{rss['after_idle']} MB after {args.idle_s:.0f} s idle; backlog {backlog} batches"
    )
    verdict = "PASS" if loaded.errors == 0 and api_alive else "FAIL"
    print(f"{verdict}: zero errors required ({loaded.errors} seen)")
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
