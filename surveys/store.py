"""Survey definitions in the store, their indexes, and a short cache of each site's live surveys."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

from storage.mongo import Store
from surveys.model import ACTIVE, Survey

logger = logging.getLogger(__name__)

SURVEY_EVENTS = "survey_events"

SURVEY_INDEXES: dict[str, list[IndexModel]] = {
    "surveys": [
        IndexModel([("site_id", ASCENDING), ("status", ASCENDING)]),
        IndexModel([("site_id", ASCENDING), ("created_at", DESCENDING)]),
    ],
    "responses": [
        IndexModel([("survey_id", ASCENDING), ("ts", ASCENDING)]),
        IndexModel([("site_id", ASCENDING), ("visitor_id", ASCENDING)]),
        IndexModel([("session_id", ASCENDING)]),
    ],
    SURVEY_EVENTS: [
        IndexModel([("survey_id", ASCENDING), ("ts", ASCENDING)]),
        IndexModel([("site_id", ASCENDING), ("visitor_id", ASCENDING), ("ts", ASCENDING)]),
        IndexModel([("session_id", ASCENDING)]),
    ],
}


async def ensure_survey_indexes(store: Store) -> None:
    for collection, indexes in SURVEY_INDEXES.items():
        # One index per command: FerretDB v1.24 panics on several in one createIndexes.
        for index in indexes:
            await store.db[collection].create_indexes([index])


def new_survey_id() -> str:
    return "sv_" + secrets.token_hex(8)


def survey_or_none(doc: dict[str, Any]) -> Survey | None:
    """The survey a stored document holds; None (logged by id) if it is malformed."""
    try:
        return Survey.from_doc(doc)
    except (KeyError, TypeError, ValueError) as err:
        logger.warning("survey %s is malformed (%s); skipped", doc.get("_id"), type(err).__name__)
        return None


async def find_survey(store: Store, survey_id: str) -> Survey | None:
    doc = await store.surveys.find_one({"_id": survey_id})
    return None if doc is None else survey_or_none(doc)


async def list_surveys(store: Store, query: dict[str, Any], limit: int) -> list[Survey]:
    """Surveys matching `query`, newest first."""
    cursor = store.surveys.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
    return [s for d in await cursor.to_list(None) if (s := survey_or_none(d)) is not None]


async def save_survey(store: Store, survey: Survey) -> None:
    await store.surveys.replace_one({"_id": survey.id}, survey.to_doc(), upsert=True)
    LIVE_SURVEYS.invalidate(survey.site_id)


async def has_responses(store: Store, survey_id: str) -> bool:
    return await store.responses.find_one({"survey_id": survey_id}, {"_id": 1}) is not None


class LiveSurveyCache:
    """Each site's active surveys, kept `ttl_s` so page views do not each query the store.

    Changes made in this process invalidate at once; other API processes see them within `ttl_s`.
    """

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[tuple[str, str], tuple[float, list[Survey]]] = {}

    async def get(self, store: Store, site_id: str) -> list[Survey]:
        key = (store.db.name, site_id)
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < self.ttl_s:
            return entry[1]
        docs = await store.surveys.find({"site_id": site_id, "status": ACTIVE}).to_list(None)
        surveys = [s for d in docs if (s := survey_or_none(d)) is not None]
        self._entries[key] = (time.monotonic(), surveys)
        return surveys

    def invalidate(self, site_id: str) -> None:
        for key in [k for k in self._entries if k[1] == site_id]:
            del self._entries[key]


LIVE_SURVEYS = LiveSurveyCache()
