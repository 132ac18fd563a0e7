"""`stuckpoint run` as an admin starts and stops it: the admin key stays out of the log."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from embedded import ValkeyServer
from embedded.process import free_loopback_port

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_queue(tmp_path: Path) -> Iterator[ValkeyServer]:
    """A queue of its own: the worker `run` starts must take no other test's jobs."""
    server = ValkeyServer(tmp_path / "valkey")
    server.start()
    yield server
    server.stop()


def read_terminal(fd: int, until: float) -> bytes:
    """What the process wrote to its terminal until the deadline or the end of its output."""
    out = b""
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            out += chunk
    return out


def test_run_shows_the_admin_key_only_on_the_terminal_and_stops_cleanly_on_sigterm(
    embedded_urls: dict[str, str], own_queue: ValkeyServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "STUCKPOINT_ADMIN_KEY"}
    env.update(
        STUCKPOINT_MONGODB_URL=embedded_urls["mongodb"],
        STUCKPOINT_REDIS_URL=own_queue.url,
        STUCKPOINT_DATABASE=f"cli_{uuid.uuid4().hex[:10]}",
        STUCKPOINT_DATA_DIR=str(data_dir),
        STUCKPOINT_PORT=str(free_loopback_port()),
    )
    log_path = tmp_path / "stderr.log"
    terminal, terminal_end = pty.openpty()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "run"],
            cwd=REPO,
            env=env,
            stdout=terminal_end,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
    os.close(terminal_end)
    try:
        deadline = time.monotonic() + 90
        while "worker ready" not in log_path.read_text():
            assert process.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
        shown = read_terminal(terminal, until=time.monotonic() + 1).decode()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(terminal)

    key_path = data_dir / "admin.key"
    admin_key = key_path.read_text().strip()
    log = log_path.read_text()
    assert admin_key.startswith("sp_")
    assert admin_key not in log
    assert f"admin API key in {key_path}" in log
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert shown.count(admin_key) == 1
    worker_pid = int(re.search(r"worker started \(pid (\d+)\)", log).group(1))  # type: ignore[union-attr]
    assert code == 0
    assert "worker stopped" in log
    assert not psutil.pid_exists(worker_pid)
    assert "Traceback" not in log
