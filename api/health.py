"""``/healthz`` (the process is alive) and ``/readyz`` (the store and the queue answer)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse

if TYPE_CHECKING:
    from api.app import AppState

logger = logging.getLogger(__name__)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    state: AppState = request.app.state.stuckpoint
    checks: dict[str, str] = {}

    async def check(name: str, probe: object) -> None:
        try:
            await asyncio.wait_for(probe, timeout=2.0)  # type: ignore[arg-type]
            checks[name] = "ok"
        except Exception as err:  # noqa: BLE001 - any failure means "not ready"
            checks[name] = f"unavailable ({type(err).__name__})"

    await check("store", state.resources.store.ping())
    await check("queue", state.resources.queue.ping())
    ready = all(v == "ok" for v in checks.values())
    if not ready:
        logger.warning("not ready: %s", checks)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers={} if ready else {"Retry-After": "5"},
    )
