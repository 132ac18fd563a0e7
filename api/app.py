"""The Starlette application: routes, lifespan, security headers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import KeyCache
from api.bodylimit import BodyLimit
from api.collect import collect, collect_preflight, limits_from
from api.gc_tuning import tune_gc
from api.health import healthz, readyz
from api.logfilter import install_log_scrubbing
from api.ratelimit import RateLimiter
from api.resources import Resources, open_resources
from api.settings import PROJECT_ROOT, Settings, get_settings
from api.surveys import survey_routes
from ingest.envelope import Limits
from schema.app import graphql_app
from surveys.store import ensure_survey_indexes

logger = logging.getLogger(__name__)

TRACKER_BUNDLE = PROJECT_ROOT / "tracker" / "dist" / "stuckpoint.js"
DEMO_SITE = PROJECT_ROOT / "demo"
CONSOLE_DIST = PROJECT_ROOT / "console" / "dist"
DEMO_SLOW_S = 3.0

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


@dataclass
class AppState:
    settings: Settings
    resources: Resources
    limits: Limits
    rate_limiter: RateLimiter
    key_cache: KeyCache = field(default_factory=KeyCache)
    _origins: tuple[float, list[str]] = (0.0, [])

    async def registered_origins(self) -> list[str]:
        """Every site's registered origins, refreshed at most every 30 s."""
        fetched_at, origins = self._origins
        if time.monotonic() - fetched_at > 30:
            docs = await self.resources.store.sites.find({}, {"origins": 1}).to_list(None)
            origins = sorted({o for d in docs for o in d.get("origins", [])})
            self._origins = (time.monotonic(), origins)
        return origins


class SecurityHeaders:
    """Adds conservative security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def tracker_script(request: Request) -> Response:
    if not TRACKER_BUNDLE.exists():
        return JSONResponse(
            {"error": "not_found", "message": "tracker not built: run `npm run build` in tracker/"},
            status_code=404,
        )
    return FileResponse(
        TRACKER_BUNDLE,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300"},
    )


async def demo_redirect(request: Request) -> Response:
    # The demo pages link to each other relatively, so they must be served under /demo/.
    return RedirectResponse("/demo/", status_code=308)


async def demo_slow_page(request: Request) -> Response:
    """The demo's deliberately slow link: answers after a delay."""
    await asyncio.sleep(DEMO_SLOW_S)
    return FileResponse(DEMO_SITE / "slow.html", media_type="text/html")


class ConsoleFiles(StaticFiles):
    """The built web console; a path that is no file gets index.html (the console's own routes)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not (CONSOLE_DIST / "index.html").exists():
            message = "console not built: run `npm run build` in console/"
            return JSONResponse({"error": "not_found", "message": message}, status_code=404)
        try:
            return await super().get_response(path, scope)
        except HTTPException as err:
            if err.status_code != 404 or "." in path.rsplit("/", 1)[-1]:
                raise
            return FileResponse(CONSOLE_DIST / "index.html", headers={"Cache-Control": "no-cache"})


async def console_redirect(request: Request) -> Response:
    return RedirectResponse("/console/", status_code=308)


def create_app(settings: Settings | None = None, resources: Resources | None = None) -> Starlette:
    """Build the app. Given ``resources``, the caller owns them; otherwise they open at startup."""
    settings = settings or get_settings()
    install_log_scrubbing()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = resources is None
        res = resources or await open_resources(settings)
        await res.store.ensure_indexes()
        await ensure_survey_indexes(res.store)
        app.state.stuckpoint = AppState(
            settings=settings,
            resources=res,
            limits=limits_from(settings),
            rate_limiter=RateLimiter(settings.rate_limit_per_minute),
        )
        graphql.store = res.store
        graphql.redis = res.queue
        tune_gc()
        logger.info("API ready (environment %s)", settings.environment)
        try:
            yield
        finally:
            if owned:
                await res.close()

    graphql = graphql_app(settings, store=None)  # type: ignore[arg-type]  # set at startup
    routes = [
        Route("/collect", collect, methods=["POST"]),
        Route("/collect", collect_preflight, methods=["OPTIONS"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/tracker.js", tracker_script),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        *survey_routes(),
        Route("/console", console_redirect),
        Mount("/console", ConsoleFiles(directory=CONSOLE_DIST, html=True, check_dir=False)),
    ]
    if settings.environment == "development" and Path(DEMO_SITE).is_dir():
        routes += [
            Route("/demo", demo_redirect),
            Route("/demo/slow", demo_slow_page),
            Mount("/demo", StaticFiles(directory=DEMO_SITE, html=True), name="demo"),
        ]
    middleware = [
        Middleware(SecurityHeaders),
        # /graphql reads its body whole: bounded, uncompressed, UTF-8 and shallow first.
        Middleware(BodyLimit, max_bytes=settings.max_request_bytes),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
