"""FerretDB v1 on SQLite, built from our Go wrapper, as the embedded MongoDB-compatible store."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

from embedded.process import EmbeddedServerError, ServerProcess

logger = logging.getLogger(__name__)

SOURCE_DIR = Path(__file__).resolve().parent / "ferretdb"
FERRETDB_VERSION = "v1.24.2"
GO_MISSING = "Go toolchain not found: install Go >=1.24 or set STUCKPOINT_MONGODB_URL"


def _source_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted([SOURCE_DIR / "go.mod", SOURCE_DIR / "go.sum", *SOURCE_DIR.glob("*.go")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def binary_path(cache_dir: Path) -> Path:
    """Where the build for the current wrapper source lives."""
    name = f"stuckpoint-ferretdb-{FERRETDB_VERSION}-{_source_digest()}"
    return cache_dir.resolve() / "bin" / name


def build_ferretdb(cache_dir: Path) -> Path:
    """Build the wrapper once (from the Go module proxy) and return the binary's path."""
    target = binary_path(cache_dir)
    if target.exists():
        return target

    go = shutil.which("go")
    if go is None:
        raise EmbeddedServerError(GO_MISSING)

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".build.lock", "w") as lock:
        # Two processes (a test run and the run command) may race to build; one builds.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        started = time.monotonic()
        logger.info("building FerretDB %s with %s (first run only)", FERRETDB_VERSION, go)
        env = {**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
        partial = target.with_name(target.name + ".partial")
        result = subprocess.run(
            [go, "build", "-trimpath", "-o", str(partial), "."],
            cwd=SOURCE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise EmbeddedServerError(f"building FerretDB failed:\n{result.stderr[-4000:]}")
        partial.rename(target)
        logger.info("built FerretDB in %.1f s: %s", time.monotonic() - started, target)
    return target


class FerretDBServer(ServerProcess):
    """FerretDB on a loopback port, keeping its SQLite files in ``data_dir``."""

    name = "ferretdb"

    def __init__(self, data_dir: Path, cache_dir: Path, port: int | None = None) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(port, log_path=data_dir / "ferretdb.log")
        self.data_dir = data_dir
        self.cache_dir = cache_dir

    def prepare(self) -> None:
        self._binary = build_ferretdb(self.cache_dir)

    def command(self) -> list[str]:
        return [
            str(self._binary),
            "-listen",
            f"{self.host}:{self.port}",
            "-data",
            str(self.data_dir),
            "-log-level",
            "warn",
        ]

    @property
    def url(self) -> str:
        return f"mongodb://{self.host}:{self.port}/"
