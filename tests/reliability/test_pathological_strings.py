"""Pathological strings (8,000 dots, long repeats) go through redaction within the field budget.

The bound is on the CPU time of the redacting thread, and loose (three budgets plus a second):
it catches runaway backtracking, which takes minutes, and stays quiet on a loaded machine.
`python -m bench.fuzz_http` prints the measured times.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from anonymizer import Redactor
from api.resources import Resources
from bench.fuzz_cases import PATHOLOGICAL
from tests.reliability.stack import raw_record, run_job

KINDS = ("text", "error", "selector", "survey")
SLACK_S = 1.0


async def redactor_of(worker: Any) -> Redactor:
    import asyncio

    while "redactor" not in worker.ctx:
        await asyncio.sleep(0.1)
    return worker.ctx["redactor"]  # type: ignore[no-any-return]


def budget_s(redactor: Redactor) -> float:
    return redactor.texts.config.field_budget_ms / 1000


@pytest.mark.parametrize("kind", KINDS)
async def test_each_pathological_string_is_redacted_within_its_budget(
    worker: Any, kind: str
) -> None:
    redactor = await redactor_of(worker)
    for text in PATHOLOGICAL:
        started = time.thread_time()
        redacted = redactor.redact_text(text, kind)
        assert time.thread_time() - started < 3 * budget_s(redactor) + SLACK_S, text[:20]
        assert isinstance(redacted, str)


async def test_each_pathological_url_is_redacted_within_its_budget(worker: Any) -> None:
    redactor = await redactor_of(worker)
    for text in PATHOLOGICAL:
        for url in (f"https://city.example.test/{text}", f"https://city.example.test/?q={text}"):
            started = time.thread_time()
            redactor.redact_url(url)
            assert time.thread_time() - started < 3 * budget_s(redactor) + SLACK_S, text[:20]


def pathological_batch(site_key: str, now_ms: int) -> dict[str, Any]:
    events: list[dict[str, Any]] = [
        {"type": "pageview", "ts": now_ms - 9_000, "url": "https://city.example.test/water/pay"}
    ]
    for i, text in enumerate(PATHOLOGICAL):
        ts = now_ms - 8_000 + i * 100
        target = {"selector": text[:300], "tag": "a", "text": text, "attrs": {"title": text}}
        events += [
            {"type": "click", "ts": ts, "x": i, "y": i, "target": target},
            {"type": "error", "ts": ts + 1, "message": text},
            {"type": "navigation", "ts": ts + 2, "url": f"https://city.example.test/?q={text}"},
        ]
    return {
        "site_key": site_key,
        "session_id": uuid.uuid4().hex,
        "window_id": "w1",
        "seq": 1,
        "sent_at": now_ms,
        "format": "native",
        "events": events,
    }


async def test_a_batch_full_of_pathological_strings_is_stored(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    now_ms = int(time.time() * 1000)
    body = pathological_batch(keys["site"], now_ms)

    result = await run_job(resources, worker, raw_record("demo", body, now_ms))

    assert result == {"status": "stored", "events": len(body["events"])}
