"""Storage helpers against the real store."""

from __future__ import annotations

import asyncio
import uuid

from api.resources import Resources
from storage.mongo import set_fields, upsert


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


async def test_upserts_of_one_new_id_at_once_all_land(resources: Resources) -> None:
    # FerretDB v1 refuses the second of two simultaneous inserts of one `_id` (E11000). The
    # writes carry the same values, as overlapping recomputes of one day do: concurrent `$set`s
    # of different fields of one document can lose all but one on FerretDB v1 (see
    # workers.aggregate.write_dashboard), so this test does not rely on them.
    collection = resources.store.db["upsert_test"]
    for round_ in range(3):
        doc_id = f"doc-{uuid.uuid4().hex}"
        await asyncio.gather(
            *(upsert(collection, doc_id, {"$set": {"value": round_}}) for _ in range(8)),
            *(upsert(collection, f"{doc_id}-whole", {"value": round_}) for _ in range(8)),
        )

        assert await collection.find_one({"_id": doc_id}) == {"_id": doc_id, "value": round_}
        assert await collection.find_one({"_id": f"{doc_id}-whole"}) == {
            "_id": f"{doc_id}-whole",
            "value": round_,
        }
