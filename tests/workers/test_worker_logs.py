"""The worker's log: the once-a-second aggregation cron does not bury the other lines."""

from __future__ import annotations

import logging

from workers.main import QuietFrequentCron, quiet_frequent_cron


def record(level: int, message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("arq.worker", level, __file__, 1, message, args, None)


def test_arq_lines_of_the_every_second_cron_are_dropped_and_others_kept() -> None:
    quiet = QuietFrequentCron()
    # As arq logs them under `stuckpoint run` (seen in a fresh user's log): no job id.
    started = record(logging.INFO, "%6.2fs → %s(%s)%s", 1.0, "cron:aggregate_dirty", "", "")
    finished = record(logging.INFO, "%6.2fs ← %s ● %s", 0.2, "cron:aggregate_dirty", "")
    with_id = record(logging.INFO, "%6.2fs → %s(%s)%s", 0.01, "cron:aggregate_dirty:17:x", "", "")
    failed = record(logging.ERROR, "%6.2fs ! %s failed", 0.02, "cron:aggregate_dirty:1700:x")
    batch = record(logging.INFO, "%6.2fs → %s(%s)%s", 0.01, "ab12:process_batch", "'ab12'", "")
    sweep = record(logging.INFO, "%6.2fs ← %s ● %s", 0.5, "cron:sweep_retention:1700:x", 3)

    kept = [quiet.filter(r) for r in (started, finished, with_id, failed, batch, sweep)]

    assert kept == [False, False, False, True, True, True]


def test_the_filter_is_installed_once() -> None:
    quiet_frequent_cron()
    quiet_frequent_cron()

    filters = logging.getLogger("arq.worker").filters
    assert sum(isinstance(f, QuietFrequentCron) for f in filters) == 1
