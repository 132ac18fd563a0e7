"""`stuckpoint run --demo` and `stuckpoint demo`: the scripted sessions, and what is printed."""

from __future__ import annotations

import time
from typing import Any

import pytest

from cli.demo import (
    _post_native_sessions,
    demo_residents,
    residents_missing,
    scripted_sessions,
    session_lines,
)
from embedded.process import free_loopback_port


async def test_the_demo_returns_and_prints_only_its_sessions_by_id_and_counts(
    api_url: str, keys: dict[str, str], worker: Any
) -> None:
    # Sessions of an earlier run already in the store must not be taken for this run's.
    await _post_native_sessions(api_url, keys["site"], keys["admin"])

    sessions = await _post_native_sessions(api_url, keys["site"], keys["admin"])
    printed = "\n".join(session_lines(sessions))

    scripts = scripted_sessions("https://city.example.test", int(time.time() * 1000))
    assert len({s["id"] for s in sessions}) == len(sessions) == len(scripts)
    assert all(" events, pages /" in line for line in printed.splitlines())
    # The texts the scripted residents click on stay out of what is printed.
    texts = {e.get("target", {}).get("text") for s in scripts for e in s["events"]}
    assert len(texts - {None}) >= 3
    assert [t for t in texts if t and t in printed] == []


async def test_browser_residents_that_fail_make_the_demo_report_failure() -> None:
    if residents_missing():
        pytest.skip(f"browser residents cannot run here: {residents_missing()}")
    dead = f"http://127.0.0.1:{free_loopback_port()}"

    found = await demo_residents(dead, "no-key", count=1)

    # None (failed), not [] (skipped): `stuckpoint demo` exits 1 on it.
    assert found is None
