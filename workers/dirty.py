"""Dirty (site, day) marks: which aggregates need a recompute, kept in Redis so none is lost.

A mark stays in the set until a recompute that started after its last change has finished: the
aggregator reads marks without removing them, notes each mark's generation, recomputes, and then
removes only the marks whose generation did not move meanwhile (one atomic script). A worker
killed mid-recompute therefore leaves its marks for the next run, and data stored during a
recompute is never dropped with the mark. Writers bump the generation before adding the mark,
after their data is in the store.

Light on purpose (no engine, no store imports): the API's erasure path marks days too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redis.asyncio import Redis

DIRTY_KEY = "stuckpoint:dirty"
GENERATIONS_KEY = "stuckpoint:dirty:generation"
# Per dirty mark, how often its recompute failed; past the limit the mark moves to FAILED_KEY.
FAILURES_KEY = "stuckpoint:dirty:failures"
FAILED_KEY = "stuckpoint:dirty:failed"

# KEYS: dirty set, generations hash. ARGV: pairs of mark and the generation read before the
# recompute ("" when it had none). Removes each mark whose generation is unchanged.
_SETTLE = """
local removed = 0
for i = 1, #ARGV, 2 do
  local now = redis.call('HGET', KEYS[2], ARGV[i]) or ''
  if now == ARGV[i + 1] then
    removed = removed + redis.call('SREM', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
return removed
"""


def mark_of(site_id: str, day: str) -> str:
    return f"{site_id}|{day}"


async def mark_days(redis: Redis, marks: Iterable[str]) -> None:
    """Mark site-days dirty. Call after the data they cover is written."""
    ordered = sorted(set(marks))
    if not ordered:
        return
    async with redis.pipeline(transaction=True) as pipe:
        for mark in ordered:
            pipe.hincrby(GENERATIONS_KEY, mark, 1)
        pipe.sadd(DIRTY_KEY, *ordered)
        await pipe.execute()


async def claim(redis: Redis, limit: int) -> list[tuple[str, str]]:
    """Up to `limit` dirty marks with their current generations, left in the set."""
    raw = await redis.srandmember(DIRTY_KEY, limit) or []  # type: ignore[misc]
    marks = sorted({m.decode() if isinstance(m, bytes) else str(m) for m in raw})
    if not marks:
        return []
    generations = await redis.hmget(GENERATIONS_KEY, marks)  # type: ignore[misc]
    return [
        (mark, "" if gen is None else (gen.decode() if isinstance(gen, bytes) else str(gen)))
        for mark, gen in zip(marks, generations, strict=True)
    ]


async def settle(redis: Redis, done: Sequence[tuple[str, str]]) -> int:
    """Remove the recomputed marks that nothing re-marked since `claim`; returns how many."""
    if not done:
        return 0
    args = [value for pair in done for value in pair]
    removed = await redis.eval(_SETTLE, 2, DIRTY_KEY, GENERATIONS_KEY, *args)  # type: ignore[misc]
    return int(removed)


async def set_aside(redis: Redis, marks: Sequence[str]) -> None:
    """Move marks whose recompute keeps failing out of the dirty set, for an operator to see."""
    if not marks:
        return
    async with redis.pipeline(transaction=True) as pipe:
        pipe.srem(DIRTY_KEY, *marks)
        pipe.hdel(GENERATIONS_KEY, *marks)
        pipe.hdel(FAILURES_KEY, *marks)
        pipe.sadd(FAILED_KEY, *marks)
        await pipe.execute()
