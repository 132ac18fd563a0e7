"""Request-scoped DataLoaders: one store query per kind of lookup, whatever the page size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from storage.mongo import Store

Doc = dict[str, Any]


class Loaders:
    """Batched lookups keyed by session id (or document id). Built fresh for every request."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sessions: DataLoader[str, Doc | None] = DataLoader(load_fn=self._sessions)
        self.page_views: DataLoader[str, list[Doc]] = DataLoader(load_fn=self._page_views)
        self.signals: DataLoader[str, list[Doc]] = DataLoader(load_fn=self._signals)
        self.responses: DataLoader[str, list[Doc]] = DataLoader(load_fn=self._responses)
        self.sessions_per_day: DataLoader[tuple[str, str, str], dict[str, int]] = DataLoader(
            load_fn=self._sessions_per_day
        )

    async def _sessions(self, ids: Sequence[str]) -> list[Doc | None]:
        # A plain {_id: value} is the one filter FerretDB v1 on SQLite pushes down to an index.
        where = {"_id": ids[0]} if len(ids) == 1 else {"_id": {"$in": list(ids)}}
        docs = await self.store.sessions.find(where).to_list(None)
        by_id = {d["_id"]: d for d in docs}
        return [by_id.get(i) for i in ids]

    async def _by_session(
        self, collection: str, session_ids: Sequence[str], order: list[tuple[str, int]]
    ) -> list[list[Doc]]:
        cursor = self.store.db[collection].find({"session_id": {"$in": list(session_ids)}})
        grouped: dict[str, list[Doc]] = {s: [] for s in session_ids}
        for doc in await cursor.sort(order).to_list(None):
            grouped.setdefault(doc["session_id"], []).append(doc)
        return [grouped[s] for s in session_ids]

    async def _page_views(self, session_ids: Sequence[str]) -> list[list[Doc]]:
        return await self._by_session("page_views", session_ids, [("started_at", 1), ("_id", 1)])

    async def _signals(self, session_ids: Sequence[str]) -> list[list[Doc]]:
        return await self._by_session("signals", session_ids, [("ts", 1), ("_id", 1)])

    async def _responses(self, session_ids: Sequence[str]) -> list[list[Doc]]:
        return await self._by_session("responses", session_ids, [("ts", 1), ("_id", 1)])

    async def _sessions_per_day(self, keys: Sequence[tuple[str, str, str]]) -> list[dict[str, int]]:
        """Sessions started per day, for each (site, first day, last day)."""
        counts = []
        for site_id, first, last in keys:
            grouped = await self.store.sessions.aggregate(
                [
                    {"$match": {"site_id": site_id, "day": {"$gte": first, "$lte": last}}},
                    {"$group": {"_id": "$day", "n": {"$sum": 1}}},
                ]
            )
            counts.append({g["_id"]: int(g["n"]) for g in await grouped.to_list(None)})
        return counts
