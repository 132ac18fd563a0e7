"""``POST /collect``: validate a batch, keep it encrypted in Redis, enqueue its id.

Rate limits (per client network and per site) are shared by all API processes through Redis;
one round trip checks both once the site is known, and a refused request is charged to its
client network alone.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Any

import orjson
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from anonymizer.client import truncate_ip
from api.auth import site_for_key
from api.errors import InvalidInput, StuckpointError, TooManyRequests, Unavailable
from api.settings import Settings
from ingest.chunk_store import keep_fragments
from ingest.envelope import Batch, Limits, parse_body
from ingest.errors import InvalidBatch

if TYPE_CHECKING:
    from api.app import AppState

logger = logging.getLogger(__name__)

PROCESS_JOB = "process_batch"


async def read_body(request: Request, limit_bytes: int) -> bytes:
    """Read at most ``limit_bytes``; a larger body is refused before it is all in memory."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit_bytes:
        raise InvalidBatch(413, "body", f"request body is larger than {limit_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit_bytes:
            raise InvalidBatch(413, "body", f"request body is larger than {limit_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def cors_headers(origin: str | None, allowed: list[str]) -> dict[str, str]:
    if origin and origin in allowed:
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "false",
            "Access-Control-Expose-Headers": "Retry-After",
            "Vary": "Origin",
        }
    return {"Vary": "Origin"}


def error_response(err: StuckpointError | InvalidBatch, headers: dict[str, str]) -> Response:
    if isinstance(err, InvalidBatch):
        body = {"error": "invalid_batch", "field": err.field, "message": err.reason}
        status = err.status
    else:
        body = err.to_dict()
        status = err.status
    if isinstance(err, TooManyRequests | Unavailable):
        headers = {**headers, "Retry-After": str(err.retry_after_s)}
    return JSONResponse(body, status_code=status, headers=headers)


async def collect(request: Request) -> Response:
    state: AppState = request.app.state.stuckpoint
    settings = state.settings
    origin = request.headers.get("origin")
    headers: dict[str, str] = {"Vary": "Origin"}
    client_network = truncate_ip(request.client.host if request.client else "")
    ip_key = "ip:" + client_network

    try:
        body = await read_body(request, settings.max_request_bytes)
        batch = parse_body(
            body,
            request.headers.get("content-type"),
            request.headers.get("content-encoding"),
            state.limits,
            query=dict(request.query_params),
        )
        site = await known_site(state, batch.site_key)
        headers = cors_headers(origin, site.get("origins", []))
        if origin and "Access-Control-Allow-Origin" not in headers:
            raise InvalidInput("this origin is not registered for the site", field="origin")
        # One round trip for both limits on the way that is taken most.
        await state.rate_limiter.check_shared(state.resources.queue, ip_key, "site:" + site["_id"])
        if batch.fragments:
            await join_fragments(state, site["_id"], batch)

        batch_id = uuid.uuid4().hex
        record = {
            "batch_id": batch_id,
            "site_id": site["_id"],
            "received_at_ms": int(time.time() * 1000),
            "client": {
                "ip": client_network,
                "user_agent": request.headers.get("user-agent", "")[:512],
            },
            # orjson writes a dataclass's fields itself, without copying them first.
            "batch": batch,
        }
        await enqueue(state, batch_id, orjson.dumps(record))
    except (StuckpointError, InvalidBatch) as err:
        err = await charge_refusal(state, ip_key, err)
        if isinstance(err, InvalidBatch) or err.status < 500:
            logger.info("collect refused: %s", getattr(err, "field", None) or type(err).__name__)
        return error_response(err, headers)

    logger.debug("accepted batch %s: %d events", batch_id, len(batch.events))
    return JSONResponse(
        {
            "batch_id": batch_id,
            "accepted": len(batch.events),
            "rejected": batch.rejected,
            "warnings": batch.warnings,
        },
        status_code=202,
        headers=headers,
    )


async def charge_refusal(
    state: AppState, ip_key: str, err: StuckpointError | InvalidBatch
) -> StuckpointError | InvalidBatch:
    """A refused request counts against its client address too (so a flood of bad bodies is
    limited); the answer becomes a 429 or 503 when the limiter says so."""
    if isinstance(err, TooManyRequests | Unavailable):
        return err
    try:
        await state.rate_limiter.check_shared(state.resources.queue, ip_key)
    except (TooManyRequests, Unavailable) as limited:
        return limited
    return err


async def join_fragments(state: AppState, site_id: str, batch: Batch) -> None:
    """Keep fragments of chunked events across batches; a set completed now joins this batch."""
    scope = f"{site_id}:{batch.session_id}:{batch.window_id}"
    try:
        fernet = state.resources.raw_batches.fernet
        await keep_fragments(state.resources.queue, scope, batch, state.limits, fernet)
    except (RedisError, OSError) as err:
        logger.warning("queue unavailable, batch refused: %s", type(err).__name__)
        raise Unavailable("the queue is unavailable; retry later", retry_after_s=5) from err


async def known_site(state: AppState, site_key: str) -> dict[str, Any]:
    """The site of a site key; a store that does not answer is a 503, not a crash."""
    try:
        return await site_for_key(state.resources.store, site_key, state.key_cache)
    except PyMongoError as err:
        logger.warning("store unavailable, batch refused: %s", type(err).__name__)
        raise Unavailable("the store is unavailable; retry later", retry_after_s=5) from err


async def enqueue(state: AppState, batch_id: str, payload: bytes) -> None:
    """Store the batch encrypted, then enqueue a job that carries only its id."""
    try:
        await state.resources.raw_batches.put(batch_id, payload)
    except (RedisError, OSError) as err:
        logger.warning("queue unavailable, batch refused: %s", type(err).__name__)
        raise Unavailable("the queue is unavailable; retry later", retry_after_s=5) from err
    try:
        await state.resources.queue.enqueue_job(PROCESS_JOB, batch_id, _job_id=batch_id)
    except (RedisError, OSError):
        # The batch is stored and recorded as pending: the worker's re-drive will process it.
        logger.warning("enqueue failed for batch %s; left for re-drive", batch_id)


async def collect_preflight(request: Request) -> Response:
    """CORS preflight: browsers send no site key here, so any registered origin may ask."""
    state: AppState = request.app.state.stuckpoint
    origin = request.headers.get("origin")
    try:
        allowed = await state.registered_origins()
    except PyMongoError as err:
        logger.warning("store unavailable, preflight refused: %s", type(err).__name__)
        unavailable = Unavailable("the store is unavailable; retry later", retry_after_s=5)
        return error_response(unavailable, {"Vary": "Origin"})
    headers = cors_headers(origin, allowed)
    if "Access-Control-Allow-Origin" in headers:
        headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "Content-Type, Content-Encoding"
        headers["Access-Control-Max-Age"] = "600"
    return Response(status_code=204, headers=headers)


def limits_from(settings: Settings) -> Limits:
    return Limits(
        max_request_bytes=settings.max_request_bytes,
        max_event_bytes=settings.max_event_bytes,
        max_events=settings.max_batch_events,
        # orjson refuses to write deeper than 255 levels; the accepted batch is written again.
        max_depth=200,
    )
