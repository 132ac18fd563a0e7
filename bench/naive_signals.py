"""Baseline for the signal benches: the bare threshold rules, without any of our exemptions.

Rage: ≥3 clicks each <30 px and <1 s from the previous. Dead: a click on any interactive element
with no DOM mutation within 2.5 s. The other kinds have no simpler form; benches reuse ours.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.model import Event
from signals.model import PageView
from signals.thresholds import DEFAULT_THRESHOLDS as T


def naive_rage_clicks(events: Sequence[Event]) -> int:
    clicks = [e for e in events if e.get("kind") == "click"]
    bursts, run = 0, 1
    for previous, click in zip(clicks, clicks[1:], strict=False):
        close = (
            abs((click.get("x") or 0) - (previous.get("x") or 0))
            + abs((click.get("y") or 0) - (previous.get("y") or 0))
            < T.rage_radius_px
        )
        if close and click["ts"] - previous["ts"] < T.rage_interval_ms:
            run += 1
            continue
        bursts += run >= T.rage_min_clicks
        run = 1
    return bursts + (run >= T.rage_min_clicks if clicks else 0)


def naive_dead_clicks(events: Sequence[Event]) -> int:
    mutations = [e["ts"] for e in events if e.get("kind") == "mutation"]
    dead = 0
    for click in (e for e in events if e.get("kind") == "click"):
        if not (click.get("target") or {}).get("interactive"):
            continue
        if not any(click["ts"] <= t <= click["ts"] + T.dead_click_ms for t in mutations):
            dead += 1
    return dead


def naive_counts(page_views: Sequence[PageView]) -> dict[str, int]:
    """Naive rage and dead click counts over page views."""
    rage = dead = 0
    for view in page_views:
        events = sorted(view.events, key=lambda e: e["ts"])
        rage += naive_rage_clicks(events)
        dead += naive_dead_clicks(events)
    return {"rage_click": rage, "dead_click": dead}
