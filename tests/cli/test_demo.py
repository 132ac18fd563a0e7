"""`stuckpoint run --demo` and `stuckpoint demo`: the scripted sessions, and what is printed."""

from __future__ import annotations

import time
from typing import Any

from cli.demo import _post_native_sessions, scripted_sessions, session_lines


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
