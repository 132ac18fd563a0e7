"""The store: one ``AsyncMongoClient``, our collections and their indexes.

Everything here must run on FerretDB v1 as well as MongoDB: no TTL indexes, no ``$lookup``,
no ``$facet``, no transactions, and ``$group`` only with ``$sum``/``$count``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from pymongo.results import UpdateResult

logger = logging.getLogger(__name__)

Document = dict[str, Any]

INDEXES: dict[str, list[IndexModel]] = {
    "sites": [IndexModel([("site_key_hash", ASCENDING)], unique=True)],
    "api_keys": [IndexModel([("role", ASCENDING)])],
    "sessions": [
        IndexModel([("site_id", ASCENDING), ("started_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("site_id", ASCENDING), ("score", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("visitor_id", ASCENDING)]),
    ],
    "page_views": [
        IndexModel([("session_id", ASCENDING), ("started_at", ASCENDING)]),
        IndexModel([("site_id", ASCENDING), ("day", ASCENDING), ("template", ASCENDING)]),
    ],
    "event_chunks": [
        IndexModel([("session_id", ASCENDING), ("window_id", ASCENDING), ("seq", ASCENDING)]),
    ],
    "signals": [
        IndexModel([("session_id", ASCENDING), ("ts", ASCENDING)]),
        IndexModel([("site_id", ASCENDING), ("day", ASCENDING), ("kind", ASCENDING)]),
    ],
    "aggregates": [IndexModel([("site_id", ASCENDING), ("day", ASCENDING)])],
    "heatmaps": [IndexModel([("site_id", ASCENDING), ("day", ASCENDING)])],
    "redaction_audit": [IndexModel([("site_id", ASCENDING), ("day", ASCENDING)])],
    "batches": [IndexModel([("session_id", ASCENDING)])],
}


class Store:
    """Typed access to Stuckpoint's collections in one database."""

    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        self.client = client
        self.db: AsyncDatabase[Document] = client[database]
        db = self.db
        self.sites: AsyncCollection[Document] = db["sites"]
        self.api_keys: AsyncCollection[Document] = db["api_keys"]
        self.batches: AsyncCollection[Document] = db["batches"]
        self.sessions: AsyncCollection[Document] = db["sessions"]
        self.page_views: AsyncCollection[Document] = db["page_views"]
        self.event_chunks: AsyncCollection[Document] = db["event_chunks"]
        self.signals: AsyncCollection[Document] = db["signals"]
        self.aggregates: AsyncCollection[Document] = db["aggregates"]
        self.heatmaps: AsyncCollection[Document] = db["heatmaps"]
        self.redaction_audit: AsyncCollection[Document] = db["redaction_audit"]
        self.surveys: AsyncCollection[Document] = db["surveys"]
        self.responses: AsyncCollection[Document] = db["responses"]
        self.audit_log: AsyncCollection[Document] = db["audit_log"]

    async def ensure_indexes(self) -> None:
        started = time.monotonic()
        for collection, indexes in INDEXES.items():
            # One index per command: FerretDB v1.24 panics on several in one createIndexes.
            for index in indexes:
                await self.db[collection].create_indexes([index])
        logger.info("indexes ready in %.0f ms", (time.monotonic() - started) * 1000)

    async def ping(self) -> None:
        await self.db.command("ping")

    async def close(self) -> None:
        await self.client.close()


def connect_store(url: str, database: str, timeout_ms: int = 5000) -> Store:
    """Create the client; it connects lazily on first use."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        url,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        tz_aware=True,
        appname="stuckpoint",
    )
    return Store(client, database)


async def set_fields(
    collection: AsyncCollection[Document],
    query: Document,
    fields: Document,
    *,
    upsert: bool = False,
) -> UpdateResult:
    """``$set`` that also works for embedded documents on FerretDB v1.

    FerretDB v1.24 silently ignores ``$set`` of an embedded document whose keys differ from the
    stored one (``{c: {a: 1}}`` set to ``{c: {b: 1}}`` stays unchanged, reporting 0 modified), so
    such fields are unset first. The two updates are not atomic; a reader in between sees the
    field missing, which every reader here treats as empty.
    """
    embedded = [name for name, value in fields.items() if isinstance(value, dict)]
    if embedded:
        await collection.update_one(query, {"$unset": dict.fromkeys(embedded, "")})
    return await collection.update_one(query, {"$set": fields}, upsert=upsert)


async def read_by_id(
    store: Store, collection: str, ids: Sequence[str], projection: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The documents with these ids, in that order, one gathered ``find_one`` each (FerretDB v1
    pushes down ``{_id: value}`` only, not ``$in``); ids no longer stored are left out."""
    found = await asyncio.gather(
        *(store.db[collection].find_one({"_id": i}, projection) for i in ids)
    )
    return [d for d in found if d is not None]


async def upsert(collection: AsyncCollection[Any], doc_id: Any, update: dict[str, Any]) -> None:
    """Create or change the document ``doc_id``: ``update`` is operators (``$set``...) or the
    whole document.

    Two writers upserting one new ``_id`` at once (overlapping recomputes of one day): the
    server refuses the second insert with E11000, FerretDB v1 having no atomic upsert. The
    document exists then, so the same write is sent again, and is an update.
    """
    operators = any(key.startswith("$") for key in update)
    write = collection.update_one if operators else collection.replace_one
    try:
        await write({"_id": doc_id}, update, upsert=True)
    except DuplicateKeyError:
        await write({"_id": doc_id}, update, upsert=True)
