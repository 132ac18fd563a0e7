"""Chunked events whose fragments arrive in several batches, joined through a real Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from cryptography.fernet import Fernet, MultiFernet
from redis.asyncio import Redis

from ingest.chunk_store import CHUNKS_PREFIX, keep_fragments
from ingest.envelope import Batch, Limits, parse_body

FERNET = MultiFernet([Fernet(Fernet.generate_key())])
IDS = {"site_key": "city-web", "session_id": "s-1", "window_id": "w-1", "seq": 3}
META = {
    "type": 4,
    "timestamp": 1,
    "data": {"href": "https://city.example/", "width": 1, "height": 1},
}
SNAPSHOT = {
    "type": 2,
    "timestamp": 2,
    "data": {
        "node": {"type": 0, "id": 1, "childNodes": [{"type": 3, "id": 2, "textContent": "x"}]}
    },
}


def fragments_of(event: dict[str, Any], size: int, chunk_id: str = "c-1") -> list[dict[str, Any]]:
    text = json.dumps(event)
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    return [
        {"chunk_id": chunk_id, "chunk_index": i, "chunk_count": len(pieces), "data": piece}
        for i, piece in enumerate(pieces)
    ]


def batch_of(events: list[Any], limits: Limits | None = None) -> Batch:
    return parse_body(json.dumps({**IDS, "events": events}).encode(), None, None, limits)


@pytest.fixture
async def redis(embedded_urls: dict[str, str]) -> AsyncIterator[Redis]:
    client = Redis.from_url(embedded_urls["redis"])
    yield client
    await client.aclose()


@pytest.fixture
def scope() -> str:
    """A window of its own per test: site, session and window ids."""
    return f"site-1:{uuid.uuid4().hex}:w-1"


async def test_a_set_split_over_two_batches_becomes_an_event_of_the_second(
    redis: Redis, scope: str
) -> None:
    parts = fragments_of(SNAPSHOT, 30)
    assert len(parts) >= 3
    first = batch_of([META, *parts[:2]])
    second = batch_of([*parts[2:], {**META, "timestamp": 3}])

    await keep_fragments(redis, scope, first, Limits(), FERNET)
    await keep_fragments(redis, scope, second, Limits(), FERNET)

    assert (first.events, first.indexes) == ([META], [0])
    assert first.warnings == [{"code": "chunk_incomplete", "count": 1}]
    # The event takes the index of the second batch's first fragment.
    assert second.events == [SNAPSHOT, {**META, "timestamp": 3}]
    assert second.indexes == [0, len(parts) - 2]
    assert second.fragments == [] and second.warnings == [] and second.rejected == []


async def test_a_retried_fragment_does_not_complete_a_set(redis: Redis, scope: str) -> None:
    parts = fragments_of(SNAPSHOT, 40)
    retried = [batch_of([parts[0]]) for _ in range(len(parts))]

    for batch in retried:
        await keep_fragments(redis, scope, batch, Limits(), FERNET)
    last = batch_of(parts[1:])
    await keep_fragments(redis, scope, last, Limits(), FERNET)

    assert all(b.events == [] and b.fragments == [(0, parts[0])] for b in retried)
    assert last.events == [SNAPSHOT]


async def test_windows_keep_their_sets_apart(redis: Redis, scope: str) -> None:
    parts = fragments_of(SNAPSHOT, 40)
    one = batch_of(parts[:1])
    other_window = batch_of(parts[1:])

    await keep_fragments(redis, scope, one, Limits(), FERNET)
    await keep_fragments(redis, scope + "-other", other_window, Limits(), FERNET)

    assert one.events == [] and other_window.events == []
    assert other_window.warnings == [{"code": "chunk_incomplete", "count": 1}]


async def test_a_set_over_the_event_limit_is_rejected_and_forgotten(
    redis: Redis, scope: str
) -> None:
    big = {**SNAPSHOT, "data": {"node": {"type": 3, "id": 1, "textContent": "€" * 300}}}
    parts = fragments_of(big, 200)
    limits = Limits(max_event_bytes=500)
    first, second = batch_of(parts[:1], limits), batch_of(parts[1:], limits)

    await keep_fragments(redis, scope, first, limits, FERNET)
    await keep_fragments(redis, scope, second, limits, FERNET)

    assert second.events == [] and second.fragments == []
    assert second.rejected == [{"index": 0, "field": "event", "reason": "event_too_large"}]
    assert {"code": "event_too_large", "index": 0} in second.warnings


async def test_a_set_not_completed_in_time_expires(redis: Redis, scope: str) -> None:
    parts = fragments_of(SNAPSHOT, 40)
    first, second = batch_of(parts[:1]), batch_of(parts[1:])

    await keep_fragments(redis, scope, first, Limits(), FERNET, ttl_s=1)
    await asyncio.sleep(1.5)
    await keep_fragments(redis, scope, second, Limits(), FERNET, ttl_s=1)

    assert second.events == []
    assert second.warnings == [{"code": "chunk_incomplete", "count": 1}]


ERROR = {
    "type": "error",
    "ts": 1_700_000_000_000,
    "message": "Payment failed for Jane Roe jane.roe@example.com SSN 078-05-1120 "
    "card 4111 1111 1111 1111",
}
PLAINTEXT = ("Jane Roe", "jane.roe", "078-05-1120", "4111 1111", "Payment failed")


def native_batch_of(events: list[Any]) -> Batch:
    body = {**IDS, "format": "native", "events": events}
    return parse_body(json.dumps(body).encode(), None, None)


async def kept_values(redis: Redis, scope_before: set[bytes]) -> list[bytes]:
    """The hash values of the chunk sets that appeared since ``scope_before`` was taken."""
    keys = {k async for k in redis.scan_iter(match=CHUNKS_PREFIX + "*")} - scope_before
    values: list[bytes] = []
    for key in keys:
        values += [v for f, v in (await redis.hgetall(key)).items() if f != b"bytes"]
    return values


async def test_kept_fragments_are_encrypted_and_still_join_across_batches(
    redis: Redis, scope: str
) -> None:
    parts = fragments_of(ERROR, 40, chunk_id="c9")
    before = {k async for k in redis.scan_iter(match=CHUNKS_PREFIX + "*")}
    first = native_batch_of(parts[:2])

    await keep_fragments(redis, scope, first, Limits(), FERNET)
    values = await kept_values(redis, before)

    assert len(values) == 2
    kept = sorted((orjson.loads(FERNET.decrypt(v)) for v in values), key=lambda p: p["chunk_index"])
    assert kept == parts[:2]
    for value in values:
        assert not any(secret.encode() in value for secret in PLAINTEXT)
        assert not any(p["data"].encode() in value for p in parts[:2])

    second = native_batch_of(parts[2:])
    await keep_fragments(redis, scope, second, Limits(), FERNET)
    assert second.events == [ERROR] and second.warnings == []
    assert await kept_values(redis, before) == []


async def test_a_set_begun_under_an_old_key_completes_after_key_rotation(
    redis: Redis, scope: str
) -> None:
    old, new = Fernet(Fernet.generate_key()), Fernet(Fernet.generate_key())
    parts = fragments_of(SNAPSHOT, 40)
    first, second = batch_of(parts[:1]), batch_of(parts[1:])

    await keep_fragments(redis, scope, first, Limits(), MultiFernet([old]))
    # The new key is put first: it encrypts, the old one still decrypts what is pending.
    await keep_fragments(redis, scope, second, Limits(), MultiFernet([new, old]))

    assert second.events == [SNAPSHOT] and second.rejected == []


async def test_a_set_whose_key_was_retired_is_rejected_not_joined(redis: Redis, scope: str) -> None:
    old, new = Fernet(Fernet.generate_key()), Fernet(Fernet.generate_key())
    parts = fragments_of(SNAPSHOT, 40)
    first, second = batch_of(parts[:1]), batch_of(parts[1:])

    await keep_fragments(redis, scope, first, Limits(), MultiFernet([old]))
    await keep_fragments(redis, scope, second, Limits(), MultiFernet([new]))

    assert second.events == [] and second.fragments == []
    assert second.rejected == [{"index": 0, "field": "event", "reason": "invalid_chunk"}]
