"""Hourly: refit each site's unusualness models from its stored page views' features.

Reads `page_views.features` (written by the detect step) and writes one document per site and
page template, plus a site-wide one, to `unusual_models`. The documents hold plain numbers only
(see signals/unusual.py); nothing is ever unpickled from the store.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.resources import Resources
from signals.features import FEATURE_NAMES
from signals.unusual_model import SITE_WIDE, build_model
from storage.mongo import Store

logger = logging.getLogger(__name__)

MODELS = "unusual_models"
WINDOW_DAYS = 28
"""Page views of the last four weeks define what is usual."""
MIN_SESSIONS = 30
"""A site needs this many sessions with features before any of its page views are rated."""
MIN_TEMPLATE_PAGE_VIEWS = 30
MIN_TEMPLATE_SESSIONS = 10
"""A page template gets a model of its own with this many page views from this many sessions;
below that its page views are rated by the site-wide model."""
MAX_PAGE_VIEWS_READ = 20_000
MODELS_KEPT = 256
# Models are refitted hourly; a worker looks for new ones at most this often, so most jobs make
# no store query for them.
MODELS_CHECK_S = 60.0


def model_id(site_id: str, template: str) -> str:
    return f"{site_id}|{template}"


async def refit_unusual_models(ctx: dict[str, Any]) -> int:
    """Refit every site's models; returns how many model documents were written."""
    resources: Resources = ctx["resources"]
    started = time.monotonic()
    today = datetime.now(UTC).date()
    sites = await resources.store.sites.find({}, {"_id": 1}).to_list(None)
    written = 0
    for site_id in sorted(str(site["_id"]) for site in sites):
        written += await refit_site(resources.store, site_id, today=today)
    logger.info(
        "refitted unusualness models of %d sites (%d written) in %.0f ms",
        len(sites),
        written,
        (time.monotonic() - started) * 1000,
    )
    return written


async def refit_site(
    store: Store,
    site_id: str,
    *,
    today: date,
    min_sessions: int = MIN_SESSIONS,
    max_page_views: int = MAX_PAGE_VIEWS_READ,
) -> int:
    """Rebuild one site's model documents from its recent page views; returns how many changed.

    With fewer than `min_sessions` sessions the site's models are deleted: an old model would
    keep describing sessions that retention or erasure has since removed.
    """
    since = (today - timedelta(days=WINDOW_DAYS)).isoformat()
    docs = (
        await store.page_views.find(
            {"site_id": site_id, "day": {"$gte": since}, "features": {"$exists": True}},
            projection={"session_id": 1, "template": 1, "features": 1},
        )
        .sort([("started_at", -1), ("_id", 1)])
        .limit(max_page_views)
        .to_list(None)
    )
    rows = [(str(d.get("session_id")), str(d.get("template") or "/"), d["features"]) for d in docs]
    rows = [row for row in rows if _complete(row[2])]

    models = []
    if len({session for session, _, _ in rows}) >= min_sessions:
        models.append(_model(site_id, SITE_WIDE, rows))
        by_template: dict[str, list[tuple[str, str, Mapping[str, Any]]]] = {}
        for row in rows:
            by_template.setdefault(row[1], []).append(row)
        for template, own in sorted(by_template.items()):
            sessions = {session for session, _, _ in own}
            if len(own) >= MIN_TEMPLATE_PAGE_VIEWS and len(sessions) >= MIN_TEMPLATE_SESSIONS:
                models.append(_model(site_id, template, own))

    collection = store.db[MODELS]
    stored = {
        d["_id"]: d.get("sample_hash")
        for d in await collection.find({"site_id": site_id}, {"sample_hash": 1}).to_list(None)
    }
    changed = 0
    for model in models:
        # Unchanged data gives the same document: skip the write (and keep its fitted_at).
        if stored.get(model["_id"]) != model["sample_hash"]:
            model["fitted_at"] = int(time.time() * 1000)
            await collection.replace_one({"_id": model["_id"]}, model, upsert=True)
            changed += 1
    gone = set(stored) - {m["_id"] for m in models}
    if gone:
        await collection.delete_many({"_id": {"$in": sorted(gone)}})
    logger.info(
        "site %s: %d page views, %d models (%d changed, %d removed)",
        site_id,
        len(rows),
        len(models),
        changed,
        len(gone),
    )
    return changed


def _complete(features: object) -> bool:
    """Features as the detect step writes them: every name, a non-negative number."""
    if not isinstance(features, Mapping):
        return False
    values = [features.get(name) for name in FEATURE_NAMES]
    return all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in values)


def _model(
    site_id: str, template: str, rows: Iterable[tuple[str, str, Mapping[str, Any]]]
) -> dict[str, Any]:
    rows = list(rows)
    sessions = len({session for session, _, _ in rows})
    model = build_model(site_id, template, [features for _, _, features in rows], sessions)
    model["_id"] = model_id(site_id, template)
    return model


class ModelCache:
    """Full model documents by id, refetched only when their `sample_hash` changed."""

    def __init__(self, size: int = MODELS_KEPT, check_s: float = MODELS_CHECK_S) -> None:
        self.size = size
        self.check_s = check_s
        self._docs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._heads: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    async def models_for(
        self, store: Store, site_id: str, templates: Iterable[str]
    ) -> dict[str, dict[str, Any]]:
        """The models that rate these templates' page views: by template, and SITE_WIDE."""
        ids = {model_id(site_id, t) for t in templates} | {model_id(site_id, SITE_WIDE)}
        heads = [h for h in await self._heads_of(store, site_id) if h["_id"] in ids]
        collection = store.db[MODELS]
        stale = [h["_id"] for h in heads if self._hash(h["_id"]) != h.get("sample_hash")]
        if stale:
            for doc in await collection.find({"_id": {"$in": stale}}).to_list(None):
                self._docs[doc["_id"]] = doc
        found: dict[str, dict[str, Any]] = {}
        for head in heads:
            cached = self._docs.get(head["_id"])
            if cached is not None:
                self._docs.move_to_end(head["_id"])
                found[str(cached["template"])] = cached
        while len(self._docs) > self.size:
            self._docs.popitem(last=False)
        return found

    async def _heads_of(self, store: Store, site_id: str) -> list[dict[str, Any]]:
        """Ids and sample hashes of the site's models, read at most once per `check_s`.

        A scan on FerretDB v1 (not by `_id`), cheap here: the collection holds a few documents
        per site.
        """
        now = time.monotonic()
        cached = self._heads.get(site_id)
        if cached is not None and now - cached[0] < self.check_s:
            return cached[1]
        query = {"site_id": site_id}
        heads = await store.db[MODELS].find(query, {"sample_hash": 1}).to_list(None)
        if len(self._heads) >= self.size:
            self._heads.clear()
        self._heads[site_id] = (now, heads)
        return heads

    def _hash(self, doc_id: str) -> str | None:
        doc = self._docs.get(doc_id)
        return None if doc is None else doc.get("sample_hash")


_cache = ModelCache()


async def unusual_models_for(
    ctx: dict[str, Any], site_id: str, templates: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The detect step's way in: models for a session's page templates, cached per process."""
    resources: Resources = ctx["resources"]
    return await _cache.models_for(resources.store, site_id, templates)
