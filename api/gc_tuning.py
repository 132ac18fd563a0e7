"""Garbage-collector settings of a long-running API process.

A dashboard request builds tens of thousands of short-lived objects (unpacked JSON, GraphQL
results). With CPython's defaults (a young collection every 700 allocations) the full
collections that follow scan every object the process holds, imported modules included: 150 to
330 ms each, every 5 to 10 dashboard requests, which set the p95 (measured in
bench/dashboard_queries.py). Freezing what exists once the app has started takes it out of every
later collection, and a larger young generation makes collections rarer.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000
OLDER_THRESHOLDS = (20, 20)


def tune_gc() -> None:
    """Freeze the objects alive now and collect the young generation less often (idempotent)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
