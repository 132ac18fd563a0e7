"""Fernet key rotation: a comma-separated key list, the first encrypts and all decrypt."""

from __future__ import annotations

import uuid

import pytest
from cryptography.fernet import Fernet

from api.resources import Resources, load_fernet
from api.settings import Settings
from storage.raw_batches import RAW_PREFIX, RawBatchCorrupt, RawBatchStore


def store_with(resources: Resources, keys: str) -> RawBatchStore:
    return RawBatchStore(resources.queue, load_fernet(Settings(fernet_key=keys)), ttl_s=600)


async def test_batches_under_the_old_key_still_decrypt_after_a_new_key_is_put_first(
    resources: Resources,
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = store_with(resources, old)
    during = store_with(resources, f"{new}, {old}")
    after = store_with(resources, new)
    queued, fresh = uuid.uuid4().hex, uuid.uuid4().hex

    await before.put(queued, b"accepted before the rotation")
    await during.put(fresh, b"accepted during the rotation")

    assert await during.get(queued) == b"accepted before the rotation"
    # New batches are encrypted with the new key alone: they outlive the old one.
    assert await after.get(fresh) == b"accepted during the rotation"
    with pytest.raises(RawBatchCorrupt):
        await after.get(queued)
    assert Fernet(new.encode()).decrypt(await resources.queue.get(RAW_PREFIX + fresh))
    for batch_id in (queued, fresh):
        await during.done(batch_id)


async def test_a_batch_under_a_dropped_key_is_left_pending_not_lost(resources: Resources) -> None:
    from workers.jobs import process_batch

    dropped = store_with(resources, Fernet.generate_key().decode())
    batch_id = uuid.uuid4().hex
    await dropped.put(batch_id, b"{}")

    result = await process_batch({"resources": resources}, batch_id)

    assert result == {"status": "corrupt"}
    assert await resources.queue.exists(RAW_PREFIX + batch_id) == 1
    assert batch_id in await resources.raw_batches.pending_older_than(-60)
    await resources.raw_batches.done(batch_id)
