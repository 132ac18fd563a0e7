"""Ingest latency: `/collect` p50 and p99 for 50-event batches at fixed request rates.

    python -m bench.ingest_latency [--rates 25,100,250,500] [--duration-s 10] [--json out.json]

Open loop: request i is due at start + i / rate whatever happened to the earlier ones, and its
latency counts from when it was due, so a stalled server cannot hide its queue (coordinated
omission). The API runs alone (no worker: accepted batches wait in Valkey), as a uvicorn
subprocess on loopback. Baseline: `GET /healthz` at the same rates, right before each rate.
Also printed: the API's CPU per `/collect` request at each rate, and its peak resident memory
over the whole run (sampled every 0.1 s; target <= 200 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
from typing import Any

import psutil

from bench.common import (
    RawHttp,
    RssSampler,
    Stack,
    body_of,
    new_site,
    percentile,
    print_header,
    write_json,
)
from bench.generator import cut_batches, generate

MODULE = "bench.ingest_latency"
BATCH_EVENTS = 50
TARGET_P99_MS = 25.0
TARGET_RATE = 500
TARGET_API_RSS_MB = 200


def bodies_of_50(site_key: str, sessions: int = 40, seed: int = 7) -> list[bytes]:
    """Request bodies of exactly 50 events each, cut from generated sessions."""
    batches = [
        b
        for s in generate(sessions, seed, prefix="lat")
        for b in cut_batches(s, site_key, max_events=BATCH_EVENTS, max_ms=10**9)
        if len(b["events"]) == BATCH_EVENTS
    ]
    return [body_of(b) for b in batches]


async def open_loop(
    client: RawHttp, requests: list[bytes], rate: float, duration_s: float, grace_s: float = 10
) -> dict[str, Any]:
    """Send ``requests`` (cycled) at ``rate`` per second for ``duration_s``, open loop.

    Requests still unanswered ``grace_s`` after the last one was due are cancelled and counted
    as unfinished, with their latency so far (so the percentiles are lower bounds then).
    """
    count = max(1, int(rate * duration_s))
    due_latency_ms: list[float] = []
    send_latency_ms: list[float] = []
    failures = 0
    cycle = itertools.cycle(requests)

    async def one(due: float, request: bytes) -> None:
        nonlocal failures
        sent = time.perf_counter()
        try:
            ok = await client.send(request) in (200, 202)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            ok = False
        done = time.perf_counter()
        if not ok:
            failures += 1
            return
        due_latency_ms.append((done - due) * 1000)
        send_latency_ms.append((done - sent) * 1000)

    tasks = []
    start = time.perf_counter() + 0.05
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append((asyncio.create_task(one(due, next(cycle))), due))
    last_due = start + (count - 1) / rate
    late_ms = max(0.0, time.perf_counter() - last_due) * 1000
    _, unfinished = await asyncio.wait([task for task, _ in tasks], timeout=grace_s)
    for task in unfinished:
        task.cancel()
    cutoff = time.perf_counter()
    # An unfinished request has waited at least this long; counting it keeps the tail honest.
    due_latency_ms.extend((cutoff - due) * 1000 for task, due in tasks if task in unfinished)
    return {
        "rate": rate,
        "requests": count,
        "failures": failures,
        "unfinished": len(unfinished),
        "client_late_ms": late_ms,
        "p50_ms": percentile(due_latency_ms, 50),
        "p99_ms": percentile(due_latency_ms, 99),
        "max_ms": max(due_latency_ms, default=float("nan")),
        "p99_from_send_ms": percentile(send_latency_ms, 99),
    }


def cpu_s(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return float(times.user + times.system)


async def measure(
    api_url: str,
    bodies: list[bytes],
    rates: list[float],
    duration_s: float,
    warm_up_s: float = 1,
    api_pid: int | None = None,
) -> list[dict[str, Any]]:
    """Per rate, ``/healthz`` (the baseline) and then ``/collect``, each for ``duration_s``;
    with ``api_pid``, also the API's CPU ms per ``/collect`` request."""
    client = RawHttp(api_url)
    collect = [client.prepare("POST", "/collect", body) for body in bodies]
    healthz = [client.prepare("GET", "/healthz")]
    api = psutil.Process(api_pid) if api_pid is not None else None
    rows = []
    try:
        # Warm-up at 20 req/s: connections, caches, the site key lookup.
        await open_loop(client, collect, 20, warm_up_s)
        for rate in rates:
            baseline = await open_loop(client, healthz, rate, duration_s)
            cpu_before_s = cpu_s(api)
            collected = await open_loop(client, collect, rate, duration_s)
            collected["api_cpu_ms_per_request"] = (
                (cpu_s(api) - cpu_before_s) * 1000 / collected["requests"] if api else float("nan")
            )
            row = {"rate": rate, "healthz": baseline, "collect": collected}
            print_row(row)
            rows.append(row)
    finally:
        client.close()
    return rows


HEADER = (
    f"{'req/s':>6} {'':9}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>9}{'failed':>7}{'unfinished':>11}"
    f"{'API CPU ms/req':>15}"
)


def print_row(row: dict[str, Any]) -> None:
    for name in ("healthz", "collect"):
        r = row[name]
        print(
            f"{row['rate']:>6.0f} {name:9}{r['p50_ms']:>8.1f}{r['p99_ms']:>8.1f}"
            f"{r['max_ms']:>9.1f}{r['failures']:>7}{r['unfinished']:>11}"
            f"{r.get('api_cpu_ms_per_request', float('nan')):>15.2f}",
            flush=True,
        )


def print_verdict(rows: list[dict[str, Any]]) -> None:
    at_target = [r for r in rows if r["rate"] == TARGET_RATE]
    if at_target:
        p99 = at_target[0]["collect"]["p99_ms"]
        verdict = "met" if p99 < TARGET_P99_MS else f"missed by {p99 - TARGET_P99_MS:.1f} ms"
        print(f"target p99 < {TARGET_P99_MS:.0f} ms at {TARGET_RATE} req/s: {verdict}")


def run(stack: Stack, rates: list[float], duration_s: float) -> dict[str, Any]:
    """On a stack whose API runs (and whose workers do not)."""
    site_key = asyncio.run(new_site(stack, "latency"))
    bodies = bodies_of_50(site_key)
    body_kb = statistics.fmean(len(b) for b in bodies) / 1024
    print(f"50-event batches, {body_kb:.1f} KB per body on average; open loop, API alone")
    print(HEADER, flush=True)
    assert stack.api is not None
    with RssSampler({"api": stack.api.pid}) as memory:
        rows = asyncio.run(measure(stack.api_url, bodies, rates, duration_s, api_pid=stack.api.pid))
    peak_mb = memory.peak_mb["api"]
    print(f"API peak RSS over the run: {peak_mb:.0f} MB (target <= {TARGET_API_RSS_MB} MB)")
    return {"body_kb": body_kb, "rows": rows, "api_peak_rss_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rates", default="25,100,250,500", help="requests per second, comma separated"
    )
    parser.add_argument("--duration-s", type=float, default=10, help="per rate and endpoint")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    info = print_header("Ingest latency at fixed request rates", MODULE)
    with Stack() as stack:
        stack.start_api()
        result = run(stack, [float(r) for r in args.rates.split(",")], args.duration_s)
    print_verdict(result["rows"])
    write_json(args.json, {"machine": info, **result})


if __name__ == "__main__":
    main()
