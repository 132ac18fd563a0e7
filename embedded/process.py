"""A child server process bound to a loopback port: start, wait until ready, stop."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

logger = logging.getLogger(__name__)


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be built or started; the message says what is missing."""


def free_loopback_port() -> int:
    """Ask the kernel for a free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class ServerProcess:
    """One server child process; subclasses say how to run it."""

    name = "server"
    host = "127.0.0.1"

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_loopback_port()
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self.startup_ms: float | None = None

    def prepare(self) -> None:
        """Work done once before the first start, outside the readiness timeout (a build)."""

    def command(self) -> list[str]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        raise NotImplementedError

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the process and block until its port accepts connections."""
        self.prepare()
        started = time.monotonic()
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as err:
            raise EmbeddedServerError(f"cannot start {self.name}: {err}") from err
        finally:
            if log is not subprocess.DEVNULL:
                log.close()  # type: ignore[union-attr]

        deadline = started + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedServerError(
                    f"{self.name} exited with code {self._process.returncode} at start; "
                    f"see {self.log_path or 'its output'}"
                )
            if port_accepts(self.host, self.port):
                self.startup_ms = (time.monotonic() - started) * 1000
                logger.info(
                    "%s listening on %s:%d (pid %d, ready in %.0f ms)",
                    self.name,
                    self.host,
                    self.port,
                    self._process.pid,
                    self.startup_ms,
                )
                return
            time.sleep(0.02)
        self.stop()
        raise EmbeddedServerError(f"{self.name} did not listen on port {self.port} in {timeout_s}s")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop with SIGTERM, then SIGKILL if it does not exit in time."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in %.0fs; killing it", self.name, timeout_s)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        logger.info("%s stopped", self.name)

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
