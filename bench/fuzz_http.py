"""Hostile input at scale: hypothesis cases against /collect, the survey endpoints and /graphql.

    python -m bench.fuzz_http [--cases 10000] [--rounds 2] [--seed 1] [--quick]
                              [--json out.json]

The API runs as `stuckpoint api` (a subprocess, rate limits off) with one worker behind it; the
cases are those of `bench/fuzz_cases.py` (tests/reliability/test_hostile_http.py runs a few
hundred of them in CI). Pass: no 5xx and no dropped connection for any case, the API and the
worker alive, every accepted batch stored by the worker or quarantined (the quarantined ones
are listed by reason: each is a bug to fix) and none left pending. The API's memory is read
after each of ``--rounds`` rounds: it must level off. Also printed: each pathological string's
redaction time per field kind, against the per-field budget.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import psutil
from hypothesis import HealthCheck, Phase, given, seed, settings

from bench.common import RssSampler, Stack, percentile, print_header, write_json
from bench.fuzz_cases import PATHOLOGICAL, Case, any_case

MODULE = "bench.fuzz_http"
SURVEY = """
mutation Create($siteId: String!, $input: SurveyInput!) {
  createSurvey(siteId: $siteId, input: $input) { id }
}
"""
SURVEY_INPUT = {
    "name": "Fuzz survey",
    "status": "ACTIVE",
    "defaultLanguage": "en",
    "question": {"type": "RATING", "texts": [{"lang": "en", "text": "How easy was it?"}]},
    "followUp": {
        "maxValue": 2,
        "question": {"type": "OPEN_TEXT", "texts": [{"lang": "en", "text": "What went wrong?"}]},
    },
    "rules": [{"kind": "PREFIX", "value": "/"}],
    "trigger": {"kind": "LOAD"},
}


def create_survey(stack: Stack) -> str:
    """A live survey on the demo site, so response cases can reach the answer checks."""
    response = httpx.post(
        stack.api_url + "/graphql",
        json={"query": SURVEY, "variables": {"siteId": "demo", "input": SURVEY_INPUT}},
        headers={"authorization": f"Bearer {stack.admin_key}"},
        timeout=30,
    )
    body = response.json()
    if body.get("errors"):
        print(f"(no survey created: {str(body['errors'])[:200]}; response cases use a bad id)")
        return "sv_missing"
    return str(body["data"]["createSurvey"]["id"])


def run_cases(stack: Stack, cases: int, survey_id: str, random_seed: int) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    latencies_ms: list[float] = []
    slowest: tuple[float, str] = (0.0, "")
    client = httpx.Client(base_url=stack.api_url, timeout=60)

    @seed(random_seed)
    @settings(
        max_examples=cases,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(any_case("demo-site-key", survey_id, [stack.admin_key]))
    def one(case: Case) -> None:
        nonlocal slowest
        started = time.perf_counter()
        try:
            response = client.request(
                case.method,
                case.path,
                content=case.content,
                headers=case.headers,
                params=case.params,
            )
            status = response.status_code
        except (httpx.InvalidURL, httpx.LocalProtocolError):
            statuses["unsendable (the client refused it)"] += 1
            return
        except httpx.HTTPError as err:
            status = 0
            failures.append(f"{type(err).__name__}: {case.describe(200)}")
        elapsed_ms = (time.perf_counter() - started) * 1000
        latencies_ms.append(elapsed_ms)
        slowest = max(slowest, (elapsed_ms, case.describe(120)))
        endpoint = case.path if not case.path.startswith("/surveys/") else "/surveys/*"
        statuses[f"{endpoint} {status}"] += 1
        if status >= 500:
            failures.append(f"{status}: {case.describe(200)}")

    one()
    client.close()
    return {
        "statuses": dict(sorted(statuses.items())),
        "failures": failures,
        "p50_ms": round(percentile(latencies_ms, 50), 1),
        "p99_ms": round(percentile(latencies_ms, 99), 1),
        "slowest_ms": round(slowest[0], 1),
        "slowest_case": slowest[1],
    }


def merge(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    for one in rounds:
        statuses.update(one["statuses"])
    slowest = max(rounds, key=lambda r: r["slowest_ms"])
    return {
        "statuses": dict(sorted(statuses.items())),
        "failures": [f for r in rounds for f in r["failures"]],
        "p50_ms": max(r["p50_ms"] for r in rounds),
        "p99_ms": max(r["p99_ms"] for r in rounds),
        "slowest_ms": slowest["slowest_ms"],
        "slowest_case": slowest["slowest_case"],
    }


def redaction_times() -> dict[str, Any]:
    """Each pathological string once per field kind, timed (wall and CPU) in this process."""
    from anonymizer import Redactor

    redactor = Redactor()
    budget_ms = redactor.texts.config.field_budget_ms
    worst: dict[str, dict[str, float]] = {}
    for kind in ("text", "error", "selector", "survey", "url"):
        wall_ms = cpu_ms = 0.0
        for text in PATHOLOGICAL:
            wall, cpu = time.perf_counter(), time.thread_time()
            if kind == "url":
                redactor.redact_url(f"https://city.example.test/?q={text}")
            else:
                redactor.redact_text(text, kind)
            wall_ms = max(wall_ms, (time.perf_counter() - wall) * 1000)
            cpu_ms = max(cpu_ms, (time.thread_time() - cpu) * 1000)
        worst[kind] = {"max_wall_ms": round(wall_ms, 1), "max_cpu_ms": round(cpu_ms, 1)}
    return {"field_budget_ms": budget_ms, "strings": len(PATHOLOGICAL), "worst": worst}


async def drain(stack: Stack, timeout_s: float) -> tuple[int, float]:
    """Wait until no accepted batch is pending; return (pending left, seconds waited)."""
    from redis.asyncio import Redis

    from storage.raw_batches import PENDING_KEY

    redis = Redis.from_url(stack.redis_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout_s:
            left = int(await redis.zcard(PENDING_KEY))
            if left == 0:
                break
            await asyncio.sleep(0.5)
        return int(await redis.zcard(PENDING_KEY)), time.monotonic() - started
    finally:
        await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2, help="RSS is read after each")
    parser.add_argument("--drain-s", type=float, default=600.0)
    parser.add_argument("--quick", action="store_true", help="1,000 cases")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.drain_s = 1_000, 300.0

    info = print_header("Fuzz: hostile HTTP input", MODULE)
    with Stack() as stack:
        # Poison batches are tried three times a re-drive apart before quarantine: keep it short.
        stack.env["STUCKPOINT_REDRIVE_AFTER_S"] = "10"
        api = stack.start_api()
        stack.start_workers(1)
        survey_id = create_survey(stack)
        process = psutil.Process(api.pid)
        rss_mb = [process.memory_info().rss / 2**20]
        started = time.perf_counter()
        rounds = []
        with RssSampler({"api": api.pid}) as sampler:
            for round_ in range(args.rounds):
                cases = args.cases // args.rounds
                rounds.append(run_cases(stack, cases, survey_id, args.seed + round_))
                rss_mb.append(process.memory_info().rss / 2**20)
        seconds = time.perf_counter() - started
        result = merge(rounds)
        left, drained_s = asyncio.run(drain(stack, args.drain_s))
        worker_log = stack.workers[0].log()
        api_alive = api.process.poll() is None
        worker_alive = stack.workers[0].process.poll() is None
        quarantined = Counter(
            line.rsplit("failures: ", 1)[1].strip()
            for line in worker_log.splitlines()
            if "quarantined after" in line
        )
        processed = worker_log.count("processed batch")
    redaction = redaction_times()

    figures = {
        "cases": args.cases,
        "seed": args.seed,
        "seconds": round(seconds, 1),
        **result,
        "api_rss_mb": {
            "before": round(rss_mb[0], 1),
            "after_each_round": [round(r, 1) for r in rss_mb[1:]],
            "peak": round(sampler.peak_mb["api"], 1),
        },
        "api_alive": api_alive,
        "worker": {
            "alive": worker_alive,
            "processed": processed,
            "quarantined": dict(quarantined),
            "pending_left": left,
            "drain_s": round(drained_s, 1),
        },
        "redaction": redaction,
        "machine": info,
    }
    print(
        f"{args.cases} cases in {seconds:.0f} s ({args.rounds} rounds, seeds from {args.seed}); "
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, slowest {result['slowest_ms']} ms"
    )
    for key, count in result["statuses"].items():
        print(f"  {key}: {count}")
    rss = figures["api_rss_mb"]
    print(
        f"API RSS: {rss['before']:.0f} MB before, after each round {rss['after_each_round']} MB, "
        f"peak {rss['peak']:.0f} MB; alive: {api_alive}"
    )
    print(
        f"worker: alive {worker_alive}, {processed} batches stored, "
        f"{sum(quarantined.values())} quarantined, {left} pending after {drained_s:.0f} s"
    )
    for reason, count in quarantined.most_common():
        print(f"  quarantined {count}: {reason}")
    print(
        f"redaction of {redaction['strings']} pathological strings, budget "
        f"{redaction['field_budget_ms']} ms per field:"
    )
    for kind, worst in redaction["worst"].items():
        print(f"  {kind}: max {worst['max_wall_ms']} ms wall, {worst['max_cpu_ms']} ms CPU")
    for failure in result["failures"][:20]:
        print(f"  FAILURE {failure}")
    ok = not result["failures"] and api_alive and worker_alive and left == 0
    print(f"{'PASS' if ok else 'FAIL'}: {len(result['failures'])} 5xx or dropped requests")
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
