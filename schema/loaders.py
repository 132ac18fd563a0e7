"""Request-scoped DataLoaders: one store query per kind of lookup, whatever the page size.

The dashboard reads the worker's per-(site, day) documents in ``dashboard`` by ``_id`` (the one
filter FerretDB v1 on SQLite pushes down); layout in ``workers.aggregate.write_dashboard``. A
site whose days were never aggregated yet is read from the stored sessions, page views and
signals instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from signals.aggregates import view_bucket
from storage.chunks import unpack
from storage.mongo import Store

Doc = dict[str, Any]
DASHBOARD = "dashboard"  # workers.aggregate.DASHBOARD; not imported: that loads the redactor


class Loaders:
    """Batched lookups keyed by session id (or document id). Built fresh for every request."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sessions: DataLoader[str, Doc | None] = DataLoader(load_fn=self._sessions)
        self.page_views: DataLoader[str, list[Doc]] = DataLoader(load_fn=self._page_views)
        self.signals: DataLoader[str, list[Doc]] = DataLoader(load_fn=self._signals)
        self.responses: DataLoader[str, list[Doc]] = DataLoader(load_fn=self._responses)
        self.dashboard: DataLoader[str, Doc | None] = DataLoader(load_fn=self._dashboard)
        self.sessions_per_day: DataLoader[tuple[str, str, str], dict[str, int]] = DataLoader(
            load_fn=self._sessions_per_day
        )
        # Session id -> (site, first day), for the sessions this request has seen.
        self.session_days: dict[str, tuple[str, str]] = {}
        self._unpacked: dict[tuple[str, str], list[Doc]] = {}

    def remember(self, doc: Doc) -> Doc:
        """Note a session document (or index entry) so its children load from bundles."""
        if doc.get("day") and doc.get("site_id"):
            self.session_days[doc["_id"]] = (doc["site_id"], doc["day"])
        return doc

    async def _dashboard(self, ids: Sequence[str]) -> list[Doc | None]:
        # One query per id: `{_id: {$in: ...}}` is not pushed down, every document would be read.
        dashboard = self.store.db[DASHBOARD]
        return list(await asyncio.gather(*(dashboard.find_one({"_id": i}) for i in ids)))

    async def packed(self, doc_id: str, field: str) -> list[Doc] | None:
        """A dashboard document's packed list, unpacked once per request; None if missing."""
        key = (doc_id, field)
        if key not in self._unpacked:
            doc = await self.dashboard.load(doc_id)
            if doc is None:
                return None
            self._unpacked[key] = unpack(doc.get(field))
        return self._unpacked[key]

    async def site_days(self, site_id: str) -> list[str] | None:
        """The days with dashboard documents, oldest first; None when none were ever written."""
        doc = await self.dashboard.load(f"{site_id}|days")
        return None if doc is None else sorted(doc.get("days") or [])

    async def per_day(
        self, doc_id: str, field: str, first: str, last: str
    ) -> dict[str, Any] | None:
        """Day -> value of a per-day ``field`` of one dashboard document, for the days from
        ``first`` to ``last``; packed values come unpacked. None when the document is missing."""
        doc = await self.dashboard.load(doc_id)
        if doc is None:
            return None
        values = doc.get(field) or {}
        return {
            day: unpack(value) if isinstance(value, bytes) else value
            for day, value in sorted(values.items())
            if first <= day <= last
        }

    async def sites_days(self, site_ids: list[str]) -> list[list[str] | None]:
        await self.dashboard.load_many([f"{s}|days" for s in site_ids])
        return [await self.site_days(s) for s in site_ids]

    async def _sessions(self, ids: Sequence[str]) -> list[Doc | None]:
        # A plain {_id: value} is the one filter FerretDB v1 on SQLite pushes down to SQL.
        where = {"_id": ids[0]} if len(ids) == 1 else {"_id": {"$in": list(ids)}}
        docs = await self.store.sessions.find(where).to_list(None)
        by_id = {d["_id"]: self.remember(d) for d in docs}
        return [by_id.get(i) for i in ids]

    async def _by_session(
        self, collection: str, session_ids: Sequence[str], order: list[tuple[str, int]]
    ) -> list[list[Doc]]:
        cursor = self.store.db[collection].find({"session_id": {"$in": list(session_ids)}})
        grouped: dict[str, list[Doc]] = {s: [] for s in session_ids}
        for doc in await cursor.sort(order).to_list(None):
            grouped.setdefault(doc["session_id"], []).append(doc)
        return [grouped[s] for s in session_ids]

    async def _bundled(
        self, kind: str, session_ids: Sequence[str], order: list[tuple[str, int]]
    ) -> list[list[Doc]]:
        """Children from the day bundles; sessions without one are read from ``kind``."""
        known = {sid: self.session_days[sid] for sid in session_ids if sid in self.session_days}
        sites = sorted({site for site, _ in known.values()})
        aggregated = {
            s for s, days in zip(sites, await self.sites_days(sites), strict=True) if days
        }
        bundle_ids = {
            sid: f"{site}|{day}|views|{view_bucket(sid)}"
            for sid, (site, day) in known.items()
            if site in aggregated
        }
        await self.dashboard.load_many(sorted(set(bundle_ids.values())))
        found: dict[str, list[Doc]] = {}
        for sid, bundle_id in bundle_ids.items():
            bundle = await self.packed(bundle_id, "sessions")
            if bundle is not None and sid in bundle[0]:
                found[sid] = bundle[0][sid][kind]
        missing = [s for s in session_ids if s not in found]
        if missing:
            found.update(zip(missing, await self._by_session(kind, missing, order), strict=True))
        return [found[s] for s in session_ids]

    async def _page_views(self, session_ids: Sequence[str]) -> list[list[Doc]]:
        return await self._bundled("page_views", session_ids, [("started_at", 1), ("_id", 1)])

    async def _signals(self, session_ids: Sequence[str]) -> list[list[Doc]]:
        return await self._bundled("signals", session_ids, [("ts", 1), ("_id", 1)])

    async def _responses(self, session_ids: Sequence[str]) -> list[list[Doc]]:
        return await self._by_session("responses", session_ids, [("ts", 1), ("_id", 1)])

    async def _sessions_per_day(self, keys: Sequence[tuple[str, str, str]]) -> list[dict[str, int]]:
        """Sessions started per day, for each (site, first day, last day)."""
        counts = []
        for site_id, first, last in keys:
            found = await self.per_day(f"{site_id}|days", "session_counts", first, last)
            if found is not None:
                counts.append({day: int(n) for day, n in found.items()})
                continue
            grouped = await self.store.sessions.aggregate(
                [
                    {"$match": {"site_id": site_id, "day": {"$gte": first, "$lte": last}}},
                    {"$group": {"_id": "$day", "n": {"$sum": 1}}},
                ]
            )
            counts.append({g["_id"]: int(g["n"]) for g in await grouped.to_list(None)})
        return counts
