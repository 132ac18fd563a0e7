"""Small helpers shared by the pipeline tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from api.resources import Resources
from storage.raw_batches import RAW_PREFIX


async def wait_processed(resources: Resources, batch_ids: list[str], timeout_s: float = 60) -> None:
    """Wait until the worker has processed (and deleted) every given raw batch."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = [b for b in batch_ids if await resources.queue.exists(RAW_PREFIX + b)]
        if not left:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{len(left)} batches not processed in {timeout_s}s")


async def graphql(
    client: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def all_documents(resources: Resources) -> list[tuple[str, dict[str, Any]]]:
    """Every document of every collection in the test database."""
    docs: list[tuple[str, dict[str, Any]]] = []
    for name in await resources.store.db.list_collection_names():
        for doc in await resources.store.db[name].find({}).to_list(None):
            docs.append((name, doc))
    return docs
