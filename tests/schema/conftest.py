"""Servers for the GraphQL tests: the shared API, plus API instances whose store client counts
its commands, or that run with production settings."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import uvicorn
from pymongo import AsyncMongoClient, monitoring

from api.auth import Role, create_api_key
from api.resources import Resources
from api.settings import Settings
from embedded.process import free_loopback_port
from storage.mongo import Store


class CommandCounter(monitoring.CommandListener):
    """Counts the commands a client sends, by (command, collection)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[tuple[str, str]] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        with self.lock:
            self.counts[(event.command_name, str(target))] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()

    def reads(self) -> Counter[str]:
        """Reads by collection (find, aggregate, distinct, count)."""
        kinds = {"find", "aggregate", "distinct", "count"}
        with self.lock:
            found: Counter[str] = Counter()
            for (name, target), n in self.counts.items():
                if name in kinds:
                    found[target] += n
            return found


@dataclass
class ApiServer:
    url: str
    store: Store
    counter: CommandCounter = field(default_factory=CommandCounter)


@contextlib.asynccontextmanager
async def serve(settings: Settings, resources: Resources) -> AsyncIterator[str]:
    """Run the API with ``resources`` on a loopback port; yield its base URL."""
    from api.app import create_app

    port = free_loopback_port()
    config = uvicorn.Config(
        create_app(settings, resources=resources), host="127.0.0.1", port=port, log_level="warning"
    )
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


async def _server_with_counted_store(
    settings: Settings, resources: Resources
) -> AsyncIterator[ApiServer]:
    counter = CommandCounter()
    client: AsyncMongoClient[dict] = AsyncMongoClient(
        settings.mongodb_url, event_listeners=[counter], tz_aware=True
    )
    store = Store(client, settings.database)
    own = Resources(
        settings=settings, store=store, queue=resources.queue, raw_batches=resources.raw_batches
    )
    try:
        async with serve(settings, own) as url:
            yield ApiServer(url=url, store=store, counter=counter)
    finally:
        await client.close()


@pytest.fixture(scope="session")
async def counted_api(
    settings: Settings, resources: Resources, keys: dict[str, str]
) -> AsyncIterator[ApiServer]:
    """The API in development mode, its store client counting every command."""
    async for server in _server_with_counted_store(settings, resources):
        yield server


@pytest.fixture(scope="session")
async def production_api(
    settings: Settings, resources: Resources, keys: dict[str, str]
) -> AsyncIterator[ApiServer]:
    """The API with ``environment = production``, on the same store."""
    production = settings.model_copy(update={"environment": "production"})
    async for server in _server_with_counted_store(production, resources):
        yield server


@pytest.fixture(scope="session")
async def ingest_key(resources: Resources) -> str:
    return await create_api_key(resources.store, Role.INGEST, "test ingest")
