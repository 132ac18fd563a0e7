"""Servers for the GraphQL tests: the shared API, plus GraphQL servers whose store client counts
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
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute

from api.auth import Role, create_api_key
from api.resources import Resources
from api.settings import Settings
from embedded.process import free_loopback_port
from storage.mongo import Store

PRODUCTION_MAX_DEPTH = 4


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
async def serve_graphql(
    settings: Settings, store: Store, redis: Redis | None = None
) -> AsyncIterator[str]:
    """Serve the GraphQL app alone (HTTP and WebSocket on /graphql) on a loopback port.

    The full API's startup also creates indexes; a second createIndexes of several indexes at
    once crashes FerretDB v1's connection (surveys.store.ensure_survey_indexes does that), so
    these extra servers skip the startup and serve only what they test.
    """
    from schema.app import graphql_app

    graphql = graphql_app(settings, store, redis)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ]
    )
    port = free_loopback_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
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


async def _server_with_counted_store(settings: Settings) -> AsyncIterator[ApiServer]:
    counter = CommandCounter()
    client: AsyncMongoClient[dict] = AsyncMongoClient(
        settings.mongodb_url, event_listeners=[counter], tz_aware=True
    )
    store = Store(client, settings.database)
    try:
        async with serve_graphql(settings, store) as url:
            yield ApiServer(url=url, store=store, counter=counter)
    finally:
        await client.close()


@pytest.fixture(scope="session")
async def counted_api(
    settings: Settings, resources: Resources, keys: dict[str, str]
) -> AsyncIterator[ApiServer]:
    """The API in development mode, its store client counting every command."""
    async for server in _server_with_counted_store(settings):
        yield server


@pytest.fixture(scope="session")
async def production_api(
    settings: Settings, resources: Resources, keys: dict[str, str]
) -> AsyncIterator[ApiServer]:
    """The API as an operator would run it: production, and a tighter depth limit."""
    production = settings.model_copy(
        update={"environment": "production", "graphql_max_depth": PRODUCTION_MAX_DEPTH}
    )
    async for server in _server_with_counted_store(production):
        yield server


@pytest.fixture(scope="session")
async def ingest_key(resources: Resources) -> str:
    return await create_api_key(resources.store, Role.INGEST, "test ingest")
