"""Fragments of chunked events kept in Redis across batches until their set is complete.

`parse_body` joins the sets complete within one batch; what is left (`Batch.fragments`) is kept
here per site, session, window and set. The batch whose fragments complete a set gets the event,
at the index of its own first fragment of that set. Fragments hold raw page data: each is kept
Fernet-encrypted with the raw-batch keys (`api.resources.load_fernet`), never as plain JSON.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from redis.asyncio import Redis

from ingest.chunks import fragment_part, reassemble
from ingest.envelope import Batch, BatchWarning, Limits, add_reassembled

CHUNKS_PREFIX = "stuckpoint:chunks:"
PENDING_TTL_S = 900
TOO_LARGE = -1

# KEYS[1]: the set's hash (part index → encrypted fragment JSON, and "bytes"); ARGV: part count,
# expiry s, byte limit, then (index, plaintext data bytes, encrypted fragment JSON) per part.
# A repeated part (a retried batch) is ignored. Returns the fragments of a set completed now
# (and forgets the set), TOO_LARGE when the set's data passes the limit (and forgets it), else
# nil.
_KEEP = """
local key = KEYS[1]
local count, ttl_s, max_bytes = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 4, #ARGV, 3 do
  if redis.call('HSETNX', key, ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('HINCRBY', key, 'bytes', ARGV[i + 1])
  end
end
if tonumber(redis.call('HGET', key, 'bytes')) > max_bytes then
  redis.call('DEL', key)
  return -1
end
if redis.call('HLEN', key) - 1 >= count then
  redis.call('HDEL', key, 'bytes')
  local parts = redis.call('HVALS', key)
  redis.call('DEL', key)
  return parts
end
redis.call('EXPIRE', key, ttl_s)
return false
"""


async def keep_fragments(
    redis: Redis,
    scope: str,
    batch: Batch,
    limits: Limits,
    fernet: Fernet | MultiFernet,
    ttl_s: int = PENDING_TTL_S,
) -> None:
    """Keep the batch's incomplete sets under ``scope`` (site, session and window), encrypted
    with ``fernet``; a set this batch completes becomes one of its events. ``batch.fragments``
    keeps what is still pending and the `chunk_incomplete` warning counts those sets. A set
    whose kept parts no longer decrypt (its key was retired) is rejected as `invalid_chunk`.

    Known shortcoming: a set that never completes expires after ``ttl_s`` silently; it is
    reported only by the warnings of the batches that brought its parts. A sorted set of
    deadlines, read by the worker's cron, would let it be reported on the session when it expires.
    """
    sets: dict[tuple[str, int], list[tuple[int, dict[str, Any]]]] = {}
    for position, fragment in batch.fragments:
        part = fragment_part(fragment)
        if part is not None:
            sets.setdefault((part[0], part[2]), []).append((position, fragment))

    script = redis.register_script(_KEEP)
    pending: list[tuple[int, dict[str, Any]]] = []
    incomplete_sets = 0
    for (chunk_id, count), fragments in sets.items():
        args: list[Any] = [count, ttl_s, limits.max_event_bytes]
        for _, fragment in fragments:
            _, index, _, data = fragment_part(fragment) or ("", 0, 0, "")
            # The size is the plaintext's: the limit is on the event, not on its ciphertext.
            size = len(data.encode("utf-8", "surrogatepass"))
            args += [index, size, fernet.encrypt(orjson.dumps(fragment))]
        parts = await script(keys=[_set_key(scope, chunk_id, count)], args=args)

        first = min(position for position, _ in fragments)
        if parts == TOO_LARGE:
            batch.rejected.append({"index": first, "field": "event", "reason": "event_too_large"})
            batch.warnings.append({"code": "event_too_large", "index": first})
        elif parts:
            kept = _decrypt(fernet, parts)
            if kept is None:
                batch.rejected.append({"index": first, "field": "event", "reason": "invalid_chunk"})
                continue
            joined = reassemble([(first, fragment) for fragment in kept], limits.max_depth)
            add_reassembled(batch, joined, limits)
        else:
            pending.extend(fragments)
            incomplete_sets += 1

    batch.fragments = pending
    batch.rejected.sort(key=lambda r: r["index"])
    _count_incomplete(batch.warnings, incomplete_sets)


def _decrypt(fernet: Fernet | MultiFernet, parts: list[bytes]) -> list[dict[str, Any]] | None:
    """The fragments of a completed set, or None when one does not decrypt."""
    try:
        return [orjson.loads(fernet.decrypt(part)) for part in parts]
    except (InvalidToken, orjson.JSONDecodeError):
        return None


def _set_key(scope: str, chunk_id: str, count: int) -> str:
    # Hashed: the ids may hold ":" and the chunk id is the client's choice, of any length.
    digest = hashlib.blake2b(f"{scope}\x00{chunk_id}\x00{count}".encode(), digest_size=16)
    return CHUNKS_PREFIX + digest.hexdigest()


def _count_incomplete(warnings: list[BatchWarning], sets: int) -> None:
    kept = [w for w in warnings if w.get("code") != "chunk_incomplete"]
    if sets:
        kept.append({"code": "chunk_incomplete", "count": sets})
    warnings[:] = kept
