"""Every pipeline benchmark, run at a tiny size against one real stack, so none of them rots.

The figures themselves are not checked (they are measured by `scripts/bench.sh`); what is
checked is that each benchmark runs end to end and accounts for everything it sent.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from bench import freshness, growth, ingest_latency, store_ceiling, throughput
from bench.common import Stack, new_site
from bench.generator import calibration

T = TypeVar("T")


SESSION_SERVER_VARIABLES = ("STUCKPOINT_MONGODB_URL", "STUCKPOINT_REDIS_URL")
# Each smoke call's bound: the benchmarks wait up to 15 minutes for what the workers store.
SMOKE_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    # Each call is bounded, and a failure shows the children's state and logs. These smoke
    # tests run only when asked: STUCKPOINT_BENCH_SMOKE=1 bash scripts/test.sh tests/bench
    if os.environ.get("STUCKPOINT_BENCH_SMOKE") != "1":
        pytest.skip("benchmark stack smoke tests run only with STUCKPOINT_BENCH_SMOKE=1")
    with pytest.MonkeyPatch.context() as env:
        # The stack's own servers, even after tests/conftest.py put the session's URLs in the
        # environment: on the session's queue the session's in-process worker took the
        # benchmark's jobs and dirty marks (another database, another key) and the benchmark
        # waited for them up to its 15-minute timeout.
        for name in SESSION_SERVER_VARIABLES:
            env.delenv(name, raising=False)
        with Stack() as running:
            running.start_api()
            yield running


def children_state(stack: Stack) -> str:
    """Whether the API and each worker still run, with the end of the log of any that exited."""
    lines = []
    for child in [c for c in (stack.api, *stack.workers) if c is not None]:
        code = child.process.poll()
        lines.append(f"{child.name}: {'running' if code is None else f'exited ({code})'}")
        if code is not None:
            lines.append(child.log()[-1500:])
    return "\n".join(lines)


async def bounded(stack: Stack, call: Awaitable[T]) -> T:
    """``call``'s result, or a failure naming which child died, instead of a long wait."""
    try:
        return await asyncio.wait_for(call, SMOKE_TIMEOUT_S)
    except TimeoutError as err:
        raise AssertionError(f"no result in {SMOKE_TIMEOUT_S} s\n{children_state(stack)}") from err


def test_generator_calibration_sets_generated_sessions_beside_the_real_recording() -> None:
    result = calibration(sessions=3, seed=2)

    assert result["real"]["events"] == 272
    assert sum(result["generated"]["mix"].values()) == pytest.approx(1.0)
    assert result["generated"]["mix"]["mouse move"] > 0.2
    assert result["generated"]["snapshot_bytes"] > 20_000


async def test_store_ceiling_writes_every_chunk_document(stack: Stack) -> None:
    docs = store_ceiling.docs_for(sessions=1, seed=3)

    result = await bounded(stack, store_ceiling.measure(stack.mongodb_url, stack.database, docs))

    assert result["chunks"] == len(docs)
    assert result["events"] == sum(d["count"] for d in docs)
    assert result["bulk_insert"]["docs_per_s"] > 0
    assert result["baseline_ping_per_s"] > 0


async def test_ingest_latency_sends_every_request_at_the_asked_rate(stack: Stack) -> None:
    bodies = ingest_latency.bodies_of_50(await new_site(stack, "smoke"), sessions=2)[:4]

    rows = await bounded(
        stack,
        ingest_latency.measure(stack.api_url, bodies, rates=[8], duration_s=0.5, warm_up_s=0.1),
    )

    for name in ("healthz", "collect"):
        assert rows[0][name]["requests"] == 4
        assert rows[0][name]["failures"] == 0
        assert rows[0][name]["p99_ms"] >= rows[0][name]["p50_ms"] > 0


async def test_worker_profile_names_the_job_steps(stack: Stack, tmp_path: Path) -> None:
    stack.stop_workers()  # the profile runs the pending jobs itself (the latency test's too)
    html = tmp_path / "profile.html"

    text = await bounded(
        stack,
        throughput.profile_jobs(stack, sessions=1, seed=4, html_path=str(html), max_pages=1),
    )

    assert "process_batch" in text
    assert "redact_batch" in text
    assert html.stat().st_size > 1000


async def test_throughput_stores_every_posted_event(stack: Stack) -> None:
    if not stack.workers:
        stack.start_workers(1)

    row = await bounded(stack, throughput.measure(stack, sessions=1, seed=5, max_pages=1))

    assert row["stored_events"] == row["events"] - row["rejected"]
    assert row["e2e_events_per_s"] > 0
    assert row["peak_rss_mb"]["worker"] > 0 and row["peak_rss_mb"]["api"] > 0


async def test_freshness_sees_every_probe(stack: Stack) -> None:
    if not stack.workers:
        stack.start_workers(1)

    result = await bounded(
        stack, freshness.measure(stack, rate=40, duration_s=2, wait_s=30, idle_probes=1)
    )

    assert result["loaded_unseen"] == 0
    assert len(result["idle_s"]) == 1 and len(result["loaded_s"]) == 2
    assert all(s > 0 for s in result["idle_s"] + result["loaded_s"])


async def test_growth_measures_each_level_of_stored_events(stack: Stack) -> None:
    if not stack.workers:
        stack.start_workers(1)

    rows = await bounded(
        stack,
        growth.measure(stack, levels=[100, 300], ingest_sessions=1, pool=1, max_pages=1, repeats=2),
    )

    assert len(rows) == 2
    assert rows[1]["stored_events"] > rows[0]["stored_events"] > 0
    assert all(ms > 0 for row in rows for ms in row["query_p50_ms"].values())
