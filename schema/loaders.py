"""Request-scoped DataLoaders: one store query per kind of lookup, whatever the page size.

The dashboard reads the worker's per-(site, day) documents in ``dashboard`` by ``_id`` (the one
filter FerretDB v1 on SQLite pushes down); layout in ``workers.aggregate.write_dashboard``. A
site whose days were never aggregated yet is read from the stored sessions, page views and
signals instead.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from typing import Any

import orjson
from cachetools import LRUCache
from strawberry.dataloader import DataLoader

from signals.aggregates import view_bucket
from storage.mongo import Store, read_by_id
from workers.session_state import RESPONSE_IDS

Doc = dict[str, Any]
DASHBOARD = "dashboard"  # workers.aggregate.DASHBOARD; not imported: that loads the redactor
UNPACKED_BYTES = 64 * 2**20
"""Estimated memory of the unpacked dashboard values one API process keeps (``unpacked``)."""
_unpacked: LRUCache[bytes, tuple[list[Any], int]] = LRUCache(
    maxsize=UNPACKED_BYTES, getsizeof=lambda value: value[1]
)


def unpacked(blob: bytes | None) -> list[Any]:
    """``storage.chunks.unpack`` of a dashboard value, kept by the packed bytes themselves.

    The same bytes always unpack to the same value, so nothing kept can be stale: a day the
    worker rewrites comes back as other bytes and is unpacked anew, while the days that did not
    change (every day but today's, mostly) are not parsed again by every request. The values
    are shared by all requests: readers never change them.
    """
    if not blob:
        return []
    key = bytes(blob)
    found = _unpacked.get(key)
    if found is not None:
        return found[0]
    raw = zlib.decompress(key)
    value: list[Any] = orjson.loads(raw)
    try:
        # Python objects take several times their JSON; a rough bound is enough here.
        _unpacked[key] = (value, 4 * len(raw) + len(key))
    except ValueError:  # one value larger than the whole cache: not kept
        pass
    return value


def forget_unpacked() -> None:
    """Empty the cache of ``unpacked`` values (the bench measures reads without it)."""
    _unpacked.clear()


class Loaders:
    """Batched lookups keyed by session id (or document id). Built fresh for every request."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sessions: DataLoader[str, Doc | None] = DataLoader(load_fn=self._sessions)
        self.page_views: DataLoader[str, list[Doc]] = DataLoader(load_fn=self._page_views)
        self.signals: DataLoader[str, list[Doc]] = DataLoader(load_fn=self._signals)
        self.responses: DataLoader[str, list[Doc]] = DataLoader(load_fn=self._responses)
        self.breakdowns: DataLoader[str, Doc | None] = DataLoader(load_fn=self._breakdowns)
        self.dashboard: DataLoader[str, Doc | None] = DataLoader(load_fn=self._dashboard)
        self.sessions_per_day: DataLoader[tuple[str, str, str], dict[str, int]] = DataLoader(
            load_fn=self._sessions_per_day
        )
        # Session id -> (site, first day), for the sessions this request has seen.
        self.session_days: dict[str, tuple[str, str]] = {}
        self._unpacked: dict[tuple[str, str], list[Doc]] = {}
        self._day_values: dict[tuple[str, str, str], Any] = {}

    def remember(self, doc: Doc) -> Doc:
        """Note a session document (or index entry) so its children load from bundles."""
        if doc.get("day") and doc.get("site_id"):
            self.session_days[doc["_id"]] = (doc["site_id"], doc["day"])
        return doc

    def prime_bundle(self, session_id: str, bundle: Doc) -> None:
        """A session's bundle entry read along with it: its children need no further read."""
        self.page_views.prime(session_id, bundle["page_views"])
        self.signals.prime(session_id, bundle["signals"])
        self.breakdowns.prime(session_id, bundle.get("score_breakdown"))

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
            self._unpacked[key] = unpacked(doc.get(field))
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
        found = {}
        for day, value in sorted((doc.get(field) or {}).items()):
            if first <= day <= last:
                key = (doc_id, field, day)
                if key not in self._day_values:
                    # Several fields of one query read the same days: unpacked once.
                    self._day_values[key] = unpacked(value) if isinstance(value, bytes) else value
                found[day] = self._day_values[key]
        return found

    async def moved_per_day(
        self, earlier_id: str, doc_id: str, field: str, first: str, last: str
    ) -> dict[str, Any] | None:
        """``per_day`` of a field moved from ``earlier_id`` to ``doc_id``: days written since
        the move win, days written before are read where the earlier version put them. None
        when neither document exists.

        Missing: a layout version per site, to skip the earlier place once no such day is left.
        """
        await self.dashboard.load_many([earlier_id, doc_id])
        earlier = await self.per_day(earlier_id, field, first, last)
        moved = await self.per_day(doc_id, field, first, last)
        if earlier is None and moved is None:
            return None
        return {**(earlier or {}), **(moved or {})}

    async def session_layout(self, site_id: str) -> Doc | None:
        """The site's ``site|sessions`` document (days with a session index, and days still
        pending in the earlier layout); None when the site's days were never aggregated."""
        return await self.dashboard.load(f"{site_id}|sessions")

    async def day_index(self, site_id: str, day: str) -> dict[str, Any] | None:
        """One day's session index columns (``signals.aggregates.index_columns``)."""
        found = await self.packed(f"{site_id}|{day}", "columns")
        return found[0] if found else None

    async def _sessions(self, ids: Sequence[str]) -> list[Doc | None]:
        # One `find_one` per id: a plain {_id: value} is the one filter FerretDB v1 on SQLite
        # pushes down (`$in` reads every session). The list primes this loader, so a page of
        # sessions costs none. The worker's packed state stays behind: only the chunk reads
        # need it (schema/session_chunks.py).
        sessions = self.store.sessions
        docs = await asyncio.gather(
            *(sessions.find_one({"_id": i}, {"worker_state": 0}) for i in ids)
        )
        return [None if d is None else self.remember(d) for d in docs]

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
    ) -> list[Any]:
        """Children from the day bundles; sessions without one are read from ``kind``."""
        known = {sid: self.session_days[sid] for sid in session_ids if sid in self.session_days}
        sites = sorted({site for site, _ in known.values()})
        aggregated = {s for s in sites if await self.session_layout(s) is not None}
        bundle_ids = {
            sid: f"{site}|{day}|views|{view_bucket(sid)}"
            for sid, (site, day) in known.items()
            if site in aggregated
        }
        await self.dashboard.load_many(sorted(set(bundle_ids.values())))
        found: dict[str, Any] = {}
        for sid, bundle_id in bundle_ids.items():
            bundle = await self.packed(bundle_id, "sessions")
            if bundle is not None and kind in bundle[0].get(sid, {}):
                found[sid] = bundle[0][sid][kind]
        missing = [s for s in session_ids if s not in found]
        if missing and kind == "score_breakdown":
            docs = await self.sessions.load_many(missing)
            found.update((s, (d or {}).get(kind)) for s, d in zip(missing, docs, strict=True))
        elif missing:
            found.update(zip(missing, await self._by_session(kind, missing, order), strict=True))
        return [found[s] for s in session_ids]

    async def _breakdowns(self, session_ids: Sequence[str]) -> list[Doc | None]:
        """Score breakdowns: the session index leaves them in the bundles."""
        return await self._bundled("score_breakdown", session_ids, [])

    async def _page_views(self, session_ids: Sequence[str]) -> list[list[Doc]]:
        return await self._bundled("page_views", session_ids, [("started_at", 1), ("_id", 1)])

    async def _signals(self, session_ids: Sequence[str]) -> list[list[Doc]]:
        return await self._bundled("signals", session_ids, [("ts", 1), ("_id", 1)])

    async def _responses(self, session_ids: Sequence[str]) -> list[list[Doc]]:
        """Responses of the sessions that may have one (one query for all of them)."""
        sessions = await self.sessions.load_many(session_ids)
        asked = [s for s, doc in zip(session_ids, sessions, strict=True) if _may_have_response(doc)]
        # A session document lists its responses (the survey endpoint and the detect step add
        # them): read by `_id`. Index entries do not; those are read by `session_id`, one query
        # for all, which scans `responses` on FerretDB v1.
        listed = {
            s: [str(i) for i in doc[RESPONSE_IDS]]
            for s, doc in zip(session_ids, sessions, strict=True)
            if s in asked and doc is not None and isinstance(doc.get(RESPONSE_IDS), list)
        }
        scanned = [s for s in asked if s not in listed]
        by_session: dict[str, list[Doc]] = {}
        if scanned:
            found = await self._by_session("responses", scanned, [("ts", 1), ("_id", 1)])
            by_session.update(zip(scanned, found, strict=True))
        ids = sorted({i for found_ids in listed.values() for i in found_ids})
        by_id = {d["_id"]: d for d in await read_by_id(self.store, "responses", ids)}
        for s, found_ids in listed.items():
            mine = [by_id[i] for i in found_ids if i in by_id and by_id[i].get("session_id") == s]
            by_session[s] = sorted(mine, key=lambda d: (d.get("ts", 0), str(d["_id"])))
        return [by_session.get(s, []) for s in session_ids]

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


def _may_have_response(session: Doc | None) -> bool:
    """False only for a session document the worker wrote that says it has no response.

    The worker's store step sets ``has_response`` and ``negative_response`` together when it
    creates the session, then the survey endpoint and the detect step keep them; a document
    without ``negative_response`` is a session index entry (its flag as of the day's last
    aggregation, which a response given after the session's last batch does not redo) or a
    session stored another way, so it is looked up.
    """
    return (
        session is None
        or "negative_response" not in session
        or session.get("has_response") is not False
    )
