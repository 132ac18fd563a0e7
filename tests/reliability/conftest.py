"""Fixtures of the reliability tests: scrubbed logs, a dedicated queue server, a worker process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.register_assert_rewrite("bench.fault_checks", "tests.reliability.stack")

from api.logfilter import install_log_scrubbing  # noqa: E402 - after the rewrite hook
from embedded import ValkeyServer  # noqa: E402

# The record factory before any scrubbing: a test of our own code's discipline runs without it.
PLAIN_RECORDS = logging.getLogRecordFactory()


@pytest.fixture(autouse=True)
def scrubbed_logs() -> Iterator[None]:
    """Every record is scrubbed, as `stuckpoint` does at start; the factory is restored after."""
    before = logging.getLogRecordFactory()
    install_log_scrubbing()
    yield
    logging.setLogRecordFactory(before)


@pytest.fixture
async def unscrubbed_logs(scrubbed_logs: None, worker: Any) -> None:
    """Records exactly as our code and its libraries make them, for the canary test.

    Set once the in-process worker has started: its startup installs the scrubber.
    """
    while "redactor" not in worker.ctx:
        await asyncio.sleep(0.1)
    logging.setLogRecordFactory(PLAIN_RECORDS)


@pytest.fixture
def queue_server(tmp_path: Path) -> Iterator[ValkeyServer]:
    """A Valkey of this test's own, so its jobs meet no other worker."""
    server = ValkeyServer(tmp_path / "valkey")
    server.start()
    yield server
    server.stop()
