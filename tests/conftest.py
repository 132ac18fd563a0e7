# ruff: noqa: E402  (the network guard is installed before the other imports)
"""Real servers for the test run: embedded FerretDB and Valkey (or the configured URLs),
the API on a loopback port, and an in-process arq worker."""

from __future__ import annotations

from tests.netguard import ATTEMPTS, install_network_guard

# Before anything else is imported: import-time network access is caught too.
install_network_guard()

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from arq.worker import Worker
from cryptography.fernet import Fernet

from api.resources import Resources, open_resources
from api.settings import Settings, get_settings
from embedded.process import free_loopback_port

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def no_network_attempts() -> Iterator[list[str]]:
    """Fail the test if anything tried to reach a non-loopback address during it."""
    yield ATTEMPTS
    tried = list(ATTEMPTS)
    ATTEMPTS.clear()
    assert not tried, f"network access attempted: {tried}"


@pytest.fixture(scope="session")
def embedded_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Start whichever server has no configured URL; stop it after the run."""
    from embedded import FerretDBServer, ValkeyServer

    started = []
    urls = {
        "mongodb": os.environ.get("STUCKPOINT_MONGODB_URL", ""),
        "redis": os.environ.get("STUCKPOINT_REDIS_URL", ""),
    }
    base = tmp_path_factory.mktemp("servers")
    if not urls["mongodb"]:
        cache = Path(os.environ.get("STUCKPOINT_CACHE_DIR", REPO / ".cache"))
        store = FerretDBServer(base / "ferretdb", cache)
        store.start()
        started.append(store)
        urls["mongodb"] = store.url
    if not urls["redis"]:
        queue = ValkeyServer(base / "valkey")
        queue.start()
        started.append(queue)
        urls["redis"] = queue.url
    yield urls
    for server in reversed(started):
        server.stop()


@pytest.fixture(scope="session")
def settings(embedded_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    env = {
        "STUCKPOINT_MONGODB_URL": embedded_urls["mongodb"],
        "STUCKPOINT_REDIS_URL": embedded_urls["redis"],
        "STUCKPOINT_DATABASE": f"test_{uuid.uuid4().hex[:8]}",
        "STUCKPOINT_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "STUCKPOINT_FERNET_KEY": Fernet.generate_key().decode(),
        "STUCKPOINT_ENVIRONMENT": "development",
        "STUCKPOINT_REDRIVE_AFTER_S": "2",
    }
    os.environ.update(env)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
async def resources(settings: Settings) -> AsyncIterator[Resources]:
    res = await open_resources(settings)
    await res.store.ensure_indexes()
    yield res
    await res.close()


@pytest.fixture(scope="session")
async def keys(resources: Resources, settings: Settings) -> dict[str, str]:
    from api.auth import Role, create_api_key
    from cli.bootstrap import bootstrap_development

    admin = await bootstrap_development(resources.store, settings, ["https://city.example.test"])
    return {
        "admin": admin,
        "site": settings.demo_site_key,
        "analyst": await create_api_key(resources.store, Role.ANALYST, "test analyst"),
        "privacy_officer": await create_api_key(
            resources.store, Role.PRIVACY_OFFICER, "test privacy officer"
        ),
    }


@pytest.fixture(scope="session")
async def api_url(
    settings: Settings, resources: Resources, keys: dict[str, str]
) -> AsyncIterator[str]:
    """The real API served by uvicorn on a loopback port."""
    from api.app import create_app

    port = free_loopback_port()
    # Pages served by this API (the demo site, in browser tests) post from its own origin.
    await resources.store.sites.update_one(
        {"_id": "demo"}, {"$addToSet": {"origins": f"http://127.0.0.1:{port}"}}
    )
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
async def worker(settings: Settings, api_url: str) -> AsyncIterator[Worker]:
    """An arq worker running in the test's event loop."""
    from workers.main import worker_settings

    options = worker_settings()
    options["handle_signals"] = False
    arq_worker = Worker(**options)
    task = asyncio.create_task(arq_worker.async_run())
    yield arq_worker
    # Stop as `stuckpoint worker` does on SIGTERM: take no new job, let running ones finish
    # (cancelling one mid-command made its connection raise in `close`).
    arq_worker.allow_pick_jobs = False
    deadline = time.monotonic() + 15
    while any(not t.done() for t in arq_worker.tasks.values()) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    await arq_worker.close()


@pytest.fixture
async def client(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        yield http
