"""Storage helpers against the real store."""

from __future__ import annotations

import uuid

from api.resources import Resources
from storage.mongo import set_fields


async def test_set_fields_replaces_an_embedded_document_with_other_keys(
    resources: Resources,
) -> None:
    collection = resources.store.db["set_fields_probe"]
    doc_id = uuid.uuid4().hex
    await collection.insert_one({"_id": doc_id, "counts": {"dead_click": 1}, "total": 1})

    await set_fields(collection, {"_id": doc_id}, {"counts": {"slow_click": 1}, "total": 2})

    assert await collection.find_one({"_id": doc_id}) == {
        "_id": doc_id,
        "counts": {"slow_click": 1},
        "total": 2,
    }
