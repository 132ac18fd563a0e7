"""A GraphQL server whose store client records every read: collection, filter, projection and
the documents returned, so a test can check that a path reads by ``_id`` only."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from api.resources import Resources
from api.settings import Settings
from storage.mongo import Store
from tests.schema.conftest import serve_graphql


@dataclass
class Read:
    collection: str
    filter: dict[str, Any]
    projection: dict[str, Any] | None
    docs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def by_id(self) -> bool:
        """Whether the filter is a plain ``_id`` equality (what FerretDB v1 pushes down)."""
        return list(self.filter) == ["_id"] and not isinstance(self.filter["_id"], dict)


class ReadRecorder(monitoring.CommandListener):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: dict[int, Read] = {}
        self.reads: list[Read] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name != "find":
            return
        command = event.command
        read = Read(
            str(command["find"]), dict(command.get("filter") or {}), command.get("projection")
        )
        with self.lock:
            self.pending[event.request_id] = read
            self.reads.append(read)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        with self.lock:
            read = self.pending.pop(event.request_id, None)
        if read is not None:
            read.docs = list((event.reply.get("cursor") or {}).get("firstBatch") or [])

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        with self.lock:
            self.pending.pop(event.request_id, None)

    def of(self, collection: str) -> list[Read]:
        with self.lock:
            return [r for r in self.reads if r.collection == collection]

    def reset(self) -> None:
        with self.lock:
            self.reads.clear()


@dataclass
class RecordedApi:
    url: str
    recorder: ReadRecorder


@pytest.fixture(scope="module")
async def recorded_api(settings: Settings, resources: Resources) -> AsyncIterator[RecordedApi]:
    recorder = ReadRecorder()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongodb_url, event_listeners=[recorder], tz_aware=True
    )
    try:
        async with serve_graphql(settings, Store(client, settings.database)) as url:
            yield RecordedApi(url, recorder)
    finally:
        await client.close()
