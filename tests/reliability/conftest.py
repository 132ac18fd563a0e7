"""Fixtures of the reliability tests: scrubbed logs, a dedicated queue server, a worker process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.reliability.checks", "tests.reliability.stack")

from api.logfilter import install_log_scrubbing  # noqa: E402 - after the rewrite hook
from embedded import ValkeyServer  # noqa: E402


@pytest.fixture(autouse=True)
def scrubbed_logs() -> Iterator[None]:
    """Every record is scrubbed, as `stuckpoint` does at start; the factory is restored after."""
    before = logging.getLogRecordFactory()
    install_log_scrubbing()
    yield
    logging.setLogRecordFactory(before)


@pytest.fixture
def queue_server(tmp_path: Path) -> Iterator[ValkeyServer]:
    """A Valkey of this test's own, so its jobs meet no other worker."""
    server = ValkeyServer(tmp_path / "valkey")
    server.start()
    yield server
    server.stop()
