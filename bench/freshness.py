"""Freshness: from an event's POST until the page metrics (GraphQL `pages`) show it, under load.

    python -m bench.freshness [--rate 1000] [--duration-s 20] [--workers 1] [--json out.json]

Background load: generated sessions at ``rate`` events/s, open loop (each batch is sent when
the event count says it is due). Once a second a probe is posted: a new session whose one page
view has its own template (`/freshness/probe-<n>`). A poller asks GraphQL `pages` every 100 ms
and notes when each probe template first appears. Baseline: the same probes with no load,
measured first. Probes not visible within ``--wait-s`` after the load stops count as that long.
"""

from __future__ import annotations

import argparse
import asyncio
import string
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.common import (
    RawHttp,
    Stack,
    body_of,
    graphql,
    new_site,
    percentile,
    print_header,
    write_json,
)
from bench.generator import ORIGIN, cut_batches, envelope, generate

MODULE = "bench.freshness"
TARGET_P95_S = 2.0
TARGET_RATE = 1000
PAGES_QUERY = """
query Pages($site: String!, $day: Date!) {
  pages(siteId: $site, range: {from: $day, to: $day}, first: 500) { template pageViews }
}
"""


def probe_template(n: int) -> str:
    """`/freshness/probe-ab`: letters only, so neither templating nor redaction touch it."""
    letters = ""
    n += 26
    while n:
        n, rest = divmod(n, 26)
        letters = string.ascii_lowercase[rest] + letters
    return f"/freshness/probe-{letters}"


def probe_batch(site_key: str, n: int, now_ms: int) -> dict[str, Any]:
    events = [
        {"type": 4, "data": {"href": ORIGIN + probe_template(n), "width": 1280, "height": 800},
         "timestamp": now_ms - 50},
        {"type": 3, "data": {"source": 1, "positions": [{"x": 5, "y": 5, "id": 1,
         "timeOffset": 0}]}, "timestamp": now_ms - 10},
    ]  # fmt: skip
    return envelope(f"probe-{n}-{now_ms}", "w0", 1, events, site_key)


class Probes:
    """Probe send times and when each became visible."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.seen: dict[str, float] = {}
        self.refused = 0
        self.sending = True  # the poller stops once this is False and every probe was seen

    async def send(self, raw: RawHttp, site_key: str) -> None:
        n = len(self.sent) + self.refused
        request = raw.prepare("POST", "/collect", body_of(probe_batch(site_key, n, _now_ms())))
        started = time.perf_counter()
        if await raw.send(request) == 202:
            self.sent[probe_template(n)] = started
        else:
            self.refused += 1

    async def poll(self, client: httpx.AsyncClient, key: str, site: str, until: float) -> None:
        day = datetime.now(UTC).date().isoformat()
        while time.perf_counter() < until and (self.sending or len(self.seen) < len(self.sent)):
            data = await graphql(client, key, PAGES_QUERY, {"site": site, "day": day})
            now = time.perf_counter()
            for page in data["pages"]:
                if page["template"] in self.sent and page["template"] not in self.seen:
                    self.seen[page["template"]] = now
            await asyncio.sleep(0.1)

    def delays_s(self, cap_s: float) -> list[float]:
        return [self.seen.get(t, self.sent[t] + cap_s) - self.sent[t] for t in self.sent]


def _now_ms() -> int:
    return int(time.time() * 1000)


async def load(
    raw: RawHttp, batches: list[dict[str, Any]], rate: float, grace_s: float = 10
) -> dict[str, int]:
    """Send batches so that events leave at ``rate`` per second (open loop).

    Returns the events accepted, the batches refused, and the batches still unanswered
    ``grace_s`` after the last was sent (then cancelled).
    """
    accepted = refused = 0

    async def one(batch: dict[str, Any]) -> None:
        nonlocal accepted, refused
        try:
            status = await raw.send(raw.prepare("POST", "/collect", body_of(batch)))
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            status = 0
        if status == 202:
            accepted += len(batch["events"])
        else:
            refused += 1

    start = time.perf_counter()
    due_events = 0
    tasks = []
    for batch in batches:
        delay = start + due_events / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(batch)))
        due_events += len(batch["events"])
    _, unfinished = await asyncio.wait(tasks, timeout=grace_s)
    for task in unfinished:
        task.cancel()
    return {"accepted": accepted, "refused": refused, "unfinished": len(unfinished)}


async def measure(
    stack: Stack, rate: float, duration_s: float, wait_s: float, idle_probes: int = 3
) -> dict[str, Any]:
    site_key = await new_site(stack, "fresh")
    batches = [
        b for s in generate(int(rate * duration_s / 300) + 2, 11) for b in cut_batches(s, site_key)
    ]
    batches.sort(key=lambda b: b["sent_at"])
    events_needed, kept = int(rate * duration_s), []
    for batch in batches:
        if events_needed <= 0:
            break
        kept.append(batch)
        events_needed -= len(batch["events"])

    raw = RawHttp(stack.api_url)
    try:
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as client:
            idle = Probes()
            idle.sending = False
            for _ in range(idle_probes):
                await idle.send(raw, site_key)
                await idle.poll(client, stack.admin_key, site_key, time.perf_counter() + wait_s)

            loaded = Probes()

            async def probing() -> None:
                end = time.perf_counter() + duration_s
                while time.perf_counter() < end:
                    await loaded.send(raw, site_key)
                    await asyncio.sleep(1.0)
                loaded.sending = False

            started = time.perf_counter()
            poller = asyncio.create_task(
                loaded.poll(client, stack.admin_key, site_key, started + duration_s + wait_s)
            )
            sent, _ = await asyncio.gather(load(raw, kept, rate), probing())
            load_s = time.perf_counter() - started
            await poller
    finally:
        raw.close()
    return {
        "rate": rate,
        "events_accepted": sent["accepted"],
        "batches_refused": sent["refused"],
        "batches_unanswered": sent["unfinished"],
        "achieved_rate": sent["accepted"] / load_s,
        "wait_s": wait_s,
        "idle_s": idle.delays_s(wait_s),
        "loaded_s": loaded.delays_s(duration_s + wait_s),
        "loaded_unseen": len(loaded.sent) - len(loaded.seen),
        "probes_refused": loaded.refused,
    }


def summarise(result: dict[str, Any]) -> dict[str, float]:
    return {
        "idle_p50_s": percentile(result["idle_s"], 50),
        "loaded_p50_s": percentile(result["loaded_s"], 50),
        "loaded_p95_s": percentile(result["loaded_s"], 95),
        "loaded_max_s": max(result["loaded_s"], default=float("nan")),
    }


def print_result(result: dict[str, Any]) -> None:
    s = summarise(result)
    print(
        f"load: {result['events_accepted']} events accepted at {result['achieved_rate']:.0f} "
        f"events/s (asked {result['rate']:.0f}); {result['batches_refused']} batches refused, "
        f"{result['batches_unanswered']} unanswered; {len(result['loaded_s'])} probes "
        f"({result['probes_refused']} refused)"
    )
    print(f"  baseline, no load: p50 {s['idle_p50_s']:.2f} s ({len(result['idle_s'])} probes)")
    unseen = result["loaded_unseen"]
    note = f"; {unseen} probes not visible within the wait, counted as the wait" if unseen else ""
    print(
        f"  under load: p50 {s['loaded_p50_s']:.2f} s, p95 {s['loaded_p95_s']:.2f} s, "
        f"max {s['loaded_max_s']:.2f} s{note}"
    )
    if result["rate"] >= TARGET_RATE:
        p95 = s["loaded_p95_s"]
        verdict = "met" if p95 < TARGET_P95_S else f"missed by {p95 - TARGET_P95_S:.1f} s"
        print(f"  target p95 < {TARGET_P95_S:.0f} s at {TARGET_RATE} events/s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="background events/s")
    parser.add_argument("--duration-s", type=float, default=20)
    parser.add_argument("--wait-s", type=float, default=60, help="after the load stops")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    info = print_header("Freshness: event to visible in page metrics", MODULE)
    with Stack() as stack:
        stack.start_api()
        stack.start_workers(args.workers)
        result = asyncio.run(measure(stack, args.rate, args.duration_s, args.wait_s))
    print_result(result)
    write_json(args.json, {"machine": info, **result, **summarise(result)})


if __name__ == "__main__":
    main()
