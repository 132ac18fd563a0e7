"""Dedicated API instances and worker processes for the fault tests, and what they post.

Each fault test gets its own queue (a ValkeyServer), its own database, an API served by uvicorn
in the test's event loop, and a worker started as a child process exactly as `stuckpoint worker`
runs, so it can be killed, paused and restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

from api.resources import Resources, open_resources
from api.settings import Settings
from bench.fault_checks import (  # noqa: F401 - re-exported for the tests
    Posted,
    native_batch,
    post_batch,
    post_wave,
    wait_drained,
    wait_quiet,
)
from embedded.process import free_loopback_port

REPO = Path(__file__).resolve().parents[2]
ORIGIN = "https://city.example.test"


@contextlib.asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    """Serve ``app`` on a loopback port in this event loop; yield its base URL."""
    port = free_loopback_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Stack:
    """One API over its own queue and database."""

    settings: Settings
    resources: Resources
    app: Starlette
    url: str
    admin_key: str

    @property
    def site_key(self) -> str:
        return self.settings.demo_site_key

    def worker_env(self, **extra: str) -> dict[str, str]:
        """The environment a worker process needs to serve this stack."""
        env = {
            **os.environ,
            "STUCKPOINT_MONGODB_URL": self.settings.mongodb_url or "",
            "STUCKPOINT_REDIS_URL": self.settings.redis_url or "",
            "STUCKPOINT_DATABASE": self.settings.database,
            "STUCKPOINT_JOB_TIMEOUT_S": str(self.settings.job_timeout_s),
            "STUCKPOINT_REDRIVE_AFTER_S": str(self.settings.redrive_after_s),
            "STUCKPOINT_WORKER_CONCURRENCY": str(self.settings.worker_concurrency),
        }
        env.update(extra)
        return env


@contextlib.asynccontextmanager
async def open_stack(
    wrap: Callable[[Starlette], ASGIApp] | None = None, **overrides: Any
) -> AsyncIterator[Stack]:
    """An API with these settings (the rest from the environment), a fresh database if none.

    ``wrap`` puts a middleware around the whole app, as a deployment might.
    """
    from api.app import create_app
    from cli.bootstrap import bootstrap_development

    overrides.setdefault("database", f"rel_{uuid.uuid4().hex[:10]}")
    settings = Settings(**overrides)
    resources = await open_resources(settings)
    try:
        admin_key = await bootstrap_development(resources.store, settings, [ORIGIN])
        app = create_app(settings, resources)
        async with serve(wrap(app) if wrap else app) as url:
            yield Stack(settings, resources, app, url, admin_key)
    finally:
        with contextlib.suppress(Exception):
            await resources.store.client.drop_database(settings.database)
        await resources.close()


class WorkerProcess:
    """`python -m cli.main worker` as a child process, logging to a file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "--log-level", "info", "worker"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.starts += 1

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def wait_ready(self, timeout_s: float = 60) -> None:
        """Until this start has logged "worker ready"."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.log().count("worker ready") >= self.starts:
                return
            if not self.alive:
                raise AssertionError(f"worker exited at start:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.1)
        raise TimeoutError(f"worker not ready in {timeout_s}s:\n{self.log()[-3000:]}")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def send(self, signum: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as after a crash or an OOM kill."""
        self.send(signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive:
            return
        assert self.process is not None
        self.send(signal.SIGCONT)
        self.send(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def raw_record(site_id: str, body: dict[str, Any], received_at_ms: int) -> bytes:
    """What /collect stores for a batch, built the same way, for a chosen arrival time."""
    import dataclasses

    from ingest.envelope import parse_body

    batch = parse_body(orjson.dumps(body), "application/json", None)
    record = {
        "batch_id": uuid.uuid4().hex,
        "site_id": site_id,
        "received_at_ms": received_at_ms,
        "client": {
            "ip": "127.0.0.0",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        },
        "batch": dataclasses.asdict(batch),
    }
    return orjson.dumps(record)


async def run_job(resources: Resources, worker: Any, payload: bytes) -> dict[str, Any]:
    """Store a raw batch and run the worker's job on it in this process, as arq would."""
    from workers.jobs import process_batch
    from workers.main import after_store_steps

    while "redactor" not in worker.ctx:
        await asyncio.sleep(0.1)
    batch_id = uuid.uuid4().hex
    await resources.raw_batches.put(batch_id, payload)
    ctx = {
        "resources": resources,
        "redactor": worker.ctx["redactor"],
        "after_store": after_store_steps(),
    }
    return await process_batch(ctx, batch_id)
