"""End-to-end throughput and peak memory: from `POST /collect` until the page metrics show it.

    python -m bench.throughput [--sessions 16] [--max-pages 3] [--workers 1,2] [--json out.json]
    python -m bench.throughput --profile worker-profile.html   # where the worker's time goes

The same generated sessions (realistic rrweb batches, posted in send-time order by 16 clients)
go through the API and 1, then 2, worker processes (`python -m cli.main worker`), each run on a
fresh site. The clock stops when the site's aggregates count every posted page view. Peak RSS
of the API and the workers is sampled with psutil during the run. Baselines from the same run:
the rate at which the API accepted the batches, and the store's own bulk insert rate for the
same chunk documents (`bench.store_ceiling`).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pymongo import monitoring

from bench import store_ceiling
from bench.common import (
    ROOT,
    BenchError,
    RssSampler,
    Stack,
    body_of,
    new_site,
    percentile,
    post_all,
    print_header,
    stored_events,
    wait_visible,
    write_json,
)
from bench.generator import cut_batches, generate
from storage.mongo import connect_store

MODULE = "bench.throughput"
TARGET_EVENTS_PER_S = 10_000
TARGET_WORKER_MB = 700
TARGET_API_MB = 200
WARM_UP_JOBS = 3


def workload(
    sessions: int, seed: int, site_key: str, max_pages: int = 6
) -> tuple[list[dict[str, Any]], int]:
    """Batches in the order many concurrent visitors send them, and the page views they hold.

    Round robin over sessions (every session's first batch, then every second one, ...), as
    when all of them browse at once: a session's next batch rarely arrives while its previous
    one is still being processed, so workers seldom wait on a session's lock.
    """
    generated = generate(sessions, seed, prefix="tp", max_pages=max_pages)
    batches = [
        (b["seq"], index, b) for index, s in enumerate(generated) for b in cut_batches(s, site_key)
    ]
    batches.sort(key=lambda item: (item[0], item[1]))
    return [b for _, _, b in batches], sum(s.page_views for s in generated)


async def measure(
    stack: Stack,
    sessions: int,
    seed: int,
    concurrency: int = 16,
    timeout_s: float = 900,
    max_pages: int = 6,
) -> dict[str, Any]:
    """Post one workload through the running API and workers; time until metrics show it."""
    if stack.api is None:
        raise BenchError("the API is not running")
    site_key = await new_site(stack, f"tp{len(stack.workers)}w")
    batches, page_views = workload(sessions, seed, site_key, max_pages)
    bodies = [body_of(b) for b in batches]
    events = sum(len(b["events"]) for b in batches)
    pids = stack.pids()

    store = connect_store(stack.mongodb_url, stack.database)
    try:
        with RssSampler(pids) as rss:
            started = time.perf_counter()
            post_s, latencies, rejected = await post_all(stack.api_url, bodies, concurrency)
            await wait_visible(stack.redis_url, store, site_key, page_views, timeout_s)
            e2e_s = time.perf_counter() - started
        kept = await stored_events(store, site_key)
    finally:
        await store.close()
    worker_mb = max((v for k, v in rss.peak_mb.items() if k.startswith("worker")), default=0.0)
    return {
        "workers": len(stack.workers),
        "sessions": sessions,
        "batches": len(batches),
        "events": events,
        "page_views": page_views,
        "rejected": rejected,
        "stored_events": kept,
        "post_s": post_s,
        "accept_events_per_s": events / post_s,
        "collect_p50_ms": percentile(latencies, 50),
        "collect_p99_ms": percentile(latencies, 99),
        "e2e_s": e2e_s,
        "e2e_events_per_s": events / e2e_s,
        "peak_rss_mb": {"api": rss.peak_mb["api"], "worker": worker_mb},
        "cpu_ms_per_1000_events": {k: v * 1e6 / events for k, v in rss.cpu_s.items()},
    }


def print_run(row: dict[str, Any]) -> None:
    code = "" if row.get("code_dir", str(ROOT)) == str(ROOT) else f" from {row['code_dir']}"
    print(
        f"  {row['workers']} worker(s){code}: {row['events']} events in {row['batches']} batches, "
        f"{row['page_views']} page views; visible after {row['e2e_s']:.1f} s = "
        f"{row['e2e_events_per_s']:.0f} events/s end to end "
        f"(target {TARGET_EVENTS_PER_S}: {_verdict(row['e2e_events_per_s'], TARGET_EVENTS_PER_S)})"
    )
    print(
        f"    API accepted them in {row['post_s']:.1f} s = {row['accept_events_per_s']:.0f} "
        f"events/s (/collect p50 {row['collect_p50_ms']:.1f} ms, p99 "
        f"{row['collect_p99_ms']:.1f} ms under this load); stored {row['stored_events']} "
        f"events, {row['rejected']} rejected"
    )
    cpu = ", ".join(f"{k} {v:.0f}" for k, v in row["cpu_ms_per_1000_events"].items())
    print(f"    CPU ms per 1000 events: {cpu}")
    rss = row["peak_rss_mb"]
    print(
        f"    peak RSS: worker {rss['worker']:.0f} MB (target <= {TARGET_WORKER_MB}: "
        f"{'met' if rss['worker'] <= TARGET_WORKER_MB else 'missed'}), API {rss['api']:.0f} MB "
        f"(target <= {TARGET_API_MB}: {'met' if rss['api'] <= TARGET_API_MB else 'missed'})"
    )


def _verdict(value: float, target: float) -> str:
    if value >= target:
        return "met"
    return f"missed, {value / target:.1%} of it ({target / value:.0f}x short)"


def run(
    sessions: int,
    seed: int,
    worker_counts: list[int],
    concurrency: int,
    code_dirs: list[Path] | None = None,
    max_pages: int = 3,
) -> dict[str, Any]:
    """The whole benchmark on its own stack: baselines, then one run per worker count.

    Each run gets a fresh database and API. With several ``code_dirs`` (source trees), each
    worker count runs once per tree, in turn.
    """
    docs = store_ceiling.docs_for(sessions, seed, max_pages)
    runs = []
    with Stack() as stack:
        ceiling = asyncio.run(store_ceiling.measure(stack.mongodb_url, stack.database, docs))
        bulk, upserts = ceiling["bulk_insert"], ceiling["upsert_one_by_one"]
        print(
            f"baseline: store bulk insert of the same chunks {bulk['events_per_s']:.0f} events/s;"
            f" one-by-one upserts {upserts['events_per_s']:.0f} events/s",
            flush=True,
        )
        for count in worker_counts:
            for code_dir in code_dirs or [ROOT]:
                stack.fresh_database()
                stack.start_api()
                stack.start_workers(count, code_dir)
                row = asyncio.run(measure(stack, sessions, seed, concurrency, max_pages=max_pages))
                row["code_dir"] = str(code_dir)
                print_run(row)
                runs.append(row)
                stack.stop_workers()
    return {"store_ceiling": ceiling, "runs": runs}


class InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs submitted work at once in the caller's thread, so the profiler sees redaction too."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the awaiting job
            future.set_exception(err)
        return future


class StoreCommands(monitoring.CommandListener):
    """Counts and server round-trip time of store commands, by command name (pymongo events)."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.ms: Counter[str] = Counter()
        self.recording = False

    def started(self, event: Any) -> None:
        pass

    def succeeded(self, event: Any) -> None:
        if self.recording:
            self.count[event.command_name] += 1
            self.ms[event.command_name] += event.duration_micros / 1000

    def failed(self, event: Any) -> None:
        self.succeeded(event)

    def summary(self, jobs: int) -> str:
        rows = [
            f"  {name:14} {self.count[name] / jobs:>6.1f} per job {self.ms[name] / jobs:>7.1f} ms"
            for name in sorted(self.count, key=lambda n: -self.ms[n])
        ]
        total = sum(self.ms.values()) / jobs
        head = (
            f"store commands (pymongo round trips), {sum(self.count.values()) / jobs:.1f} per job"
        )
        return "\n".join([f"{head}, {total:.0f} ms per job:", *rows])


async def profile_jobs(
    stack: Stack, sessions: int, seed: int, html_path: str, max_pages: int = 6
) -> str:
    """Post a workload with no worker running, then run its jobs one by one under pyinstrument.

    Returns the profile as text (also written as HTML to ``html_path``). Jobs run in this
    process, in arrival order, with the redaction thread made inline (pyinstrument samples one
    thread); the aggregate job runs once at the end.
    """
    from pyinstrument import Profiler
    from redis.asyncio import Redis

    from anonymizer import Redactor
    from api.resources import open_resources
    from storage.raw_batches import PENDING_KEY
    from workers.aggregate import aggregate_dirty
    from workers.jobs import process_batch
    from workers.main import after_store_steps

    site_key = await new_site(stack, "profile")
    batches, _ = workload(sessions, seed, site_key, max_pages)
    await post_all(stack.api_url, [body_of(b) for b in batches])
    redis = Redis.from_url(stack.redis_url)
    ids = [i.decode() for i in await redis.zrange(PENDING_KEY, 0, -1)]
    await redis.aclose()

    settings = stack.settings()
    commands = StoreCommands()
    monitoring.register(commands)
    resources = await open_resources(settings)
    await resources.store.ensure_indexes()
    ctx = {
        "resources": resources,
        "redactor": Redactor(model_name=settings.spacy_model),
        "after_store": after_store_steps(),
    }
    loop = asyncio.get_running_loop()
    loop.set_default_executor(InlineExecutor())
    try:
        for batch_id in ids[:WARM_UP_JOBS]:  # lazy loads and first-use caches stay out
            await process_batch(ctx, batch_id)
        profiler = Profiler(interval=0.001, async_mode="disabled")
        started = time.perf_counter()
        commands.recording = True
        profiler.start()
        for batch_id in ids[WARM_UP_JOBS:]:
            await process_batch(ctx, batch_id)
        await aggregate_dirty(ctx)
        profiler.stop()
        commands.recording = False
        elapsed = time.perf_counter() - started
    finally:
        loop.set_default_executor(concurrent.futures.ThreadPoolExecutor())
        await resources.close()

    Path(html_path).write_text(profiler.output_html())
    events = sum(len(b["events"]) for b in batches[WARM_UP_JOBS:])
    head = (
        f"{len(ids) - WARM_UP_JOBS} jobs ({events} events, roughly) in {elapsed:.1f} s = "
        f"{events / elapsed:.0f} events/s on one thread; HTML profile in {html_path}\n"
    )
    head += commands.summary(len(ids) - WARM_UP_JOBS) + "\n"
    return head + profiler.output_text(unicode=False, color=False, show_all=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=16, help="concurrent visits per run")
    parser.add_argument("--max-pages", type=int, default=3, help="page views per visit, at most")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma separated")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--profile", help="profile the worker's steps in-process into this HTML")
    parser.add_argument(
        "--code-dirs",
        help="comma-separated source trees to run the workers from, in turn (A/B of two versions)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    if args.profile:
        print_header("Where the worker's time goes (pyinstrument, jobs run in-process)", MODULE)
        with Stack() as stack:
            stack.start_api()
            print(asyncio.run(profile_jobs(stack, args.sessions, args.seed, args.profile)))
        return
    info = print_header("End-to-end throughput and peak memory", MODULE)
    counts = [int(n) for n in args.workers.split(",")]
    code_dirs = [Path(d).resolve() for d in args.code_dirs.split(",")] if args.code_dirs else None
    result = run(args.sessions, args.seed, counts, args.concurrency, code_dirs, args.max_pages)
    print_ratios(result["runs"])
    write_json(args.json, {"machine": info, **result})


def print_ratios(runs: list[dict[str, Any]]) -> None:
    """Scaling from the fewest to the most workers per tree, and each tree against the first."""
    rate = {(r["code_dir"], r["workers"]): r["e2e_events_per_s"] for r in runs}
    trees = list(dict.fromkeys(r["code_dir"] for r in runs))
    counts = sorted({r["workers"] for r in runs})
    for tree in trees:
        if len(counts) > 1:
            ratio = rate[tree, counts[-1]] / rate[tree, counts[0]]
            print(f"  scaling {counts[0]} -> {counts[-1]} workers ({tree}): x{ratio:.2f}")
    for tree in trees[1:]:
        for n in counts:
            ratio = rate[tree, n] / rate[trees[0], n]
            print(f"  {tree} / {trees[0]} with {n} worker(s): x{ratio:.2f}")


if __name__ == "__main__":
    main()
