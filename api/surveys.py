"""Public survey endpoints for the browser tracker, authenticated by site key like ``/collect``.

``GET /surveys/eligible``, ``POST /surveys/{id}/shown``, ``/dismissed`` and ``/responses``.
Bad input gets a 4xx JSON naming the field; values are never logged or echoed. Open texts and
page URLs are redacted by the worker (``surveys.inputs``), never in this process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import orjson
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from anonymizer.client import truncate_ip
from api.auth import site_for_key
from api.collect import cors_headers, error_response, read_body
from api.errors import InvalidInput, StuckpointError, Unavailable
from ingest.body import check_content_type
from ingest.envelope import ID_PATTERN
from ingest.errors import InvalidBatch
from schema.limits import json_depth_and_nul
from signals.model import SIGNAL_KINDS
from surveys.inputs import survey_inputs
from surveys.model import DISMISSED, SHOWN
from surveys.service import Visit, answer_survey, eligible_offers, open_survey, record_survey_event
from surveys.targeting import BadUrl, page_path
from surveys.validate import LANG_PATTERN, normalize_lang

if TYPE_CHECKING:
    from api.app import AppState

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 65_536
MAX_BODY_DEPTH = 16
Handler = Callable[[Request, "AppState", dict[str, str]], Awaitable[Response]]


def survey_routes() -> list[BaseRoute]:
    return [
        Route("/surveys/eligible", eligible_surveys, methods=["GET"]),
        Route("/surveys/eligible", surveys_preflight, methods=["OPTIONS"]),
        Route("/surveys/{survey_id}/shown", survey_shown, methods=["POST"]),
        Route("/surveys/{survey_id}/dismissed", survey_dismissed, methods=["POST"]),
        Route("/surveys/{survey_id}/responses", survey_response, methods=["POST"]),
        Route("/surveys/{survey_id}/{action}", surveys_preflight, methods=["OPTIONS"]),
    ]


async def eligible_surveys(request: Request) -> Response:
    async def handle(request: Request, state: AppState, headers: dict[str, str]) -> Response:
        params = request.query_params
        path = _page_path(params.get("url"), required=True)
        signal = params.get("signal") or None
        if signal is not None and signal not in SIGNAL_KINDS:
            raise InvalidInput(f"must be one of {', '.join(SIGNAL_KINDS)}", field="signal")
        visit = await _visit(request, state, headers, params)
        offers = await eligible_offers(
            state.resources.store, visit, path or "/", signal, _lang(params.get("lang")), _now_ms()
        )
        headers["Cache-Control"] = "no-store"
        return JSONResponse({"surveys": offers}, headers=headers)

    return await _guarded(request, handle)


async def survey_shown(request: Request) -> Response:
    return await _guarded(request, _event_handler(SHOWN))


async def survey_dismissed(request: Request) -> Response:
    return await _guarded(request, _event_handler(DISMISSED))


def _event_handler(kind: str) -> Handler:
    async def handle(request: Request, state: AppState, headers: dict[str, str]) -> Response:
        body = await _json_body(request)
        url = _optional_url(body.get("url"))
        lang = _lang(body.get("lang"))
        visit = await _visit(request, state, headers, body)
        store = state.resources.store
        survey = await open_survey(store, visit.site_id, request.path_params["survey_id"])
        inputs = survey_inputs(state.resources)
        event_id = await record_survey_event(
            store, inputs, survey, visit, kind, url, lang, _now_ms()
        )
        return JSONResponse({"id": event_id, "kind": kind}, status_code=201, headers=headers)

    return handle


async def survey_response(request: Request) -> Response:
    async def handle(request: Request, state: AppState, headers: dict[str, str]) -> Response:
        body = await _json_body(request)
        url = _optional_url(body.get("url"))
        lang = _lang(body.get("lang"))
        if "answers" not in body:
            raise InvalidInput("missing", field="answers")
        visit = await _visit(request, state, headers, body)
        store = state.resources.store
        survey = await open_survey(store, visit.site_id, request.path_params["survey_id"])
        inputs = survey_inputs(state.resources)
        result = await answer_survey(
            store, inputs, survey, visit, body["answers"], lang, url, _now_ms()
        )
        return JSONResponse(result, status_code=201, headers=headers)

    return await _guarded(request, handle)


async def surveys_preflight(request: Request) -> Response:
    """CORS preflight: browsers send no site key here, so any registered origin may ask."""
    state: AppState = request.app.state.stuckpoint
    headers = cors_headers(request.headers.get("origin"), await state.registered_origins())
    if "Access-Control-Allow-Origin" in headers:
        headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "Content-Type"
        headers["Access-Control-Max-Age"] = "600"
    return Response(status_code=204, headers=headers)


async def _guarded(request: Request, handle: Handler) -> Response:
    """Rate limit by address, run the handler, and turn our errors into 4xx/503 JSON."""
    state: AppState = request.app.state.stuckpoint
    headers: dict[str, str] = {"Vary": "Origin"}
    client_ip = request.client.host if request.client else ""
    try:
        await state.rate_limiter.check_shared(state.resources.queue, "ip:" + truncate_ip(client_ip))
        return await handle(request, state, headers)
    except PyMongoError as err:
        logger.warning("survey request failed, store unavailable: %s", type(err).__name__)
        return error_response(Unavailable("the store is unavailable; retry later"), headers)
    except (StuckpointError, InvalidBatch) as err:
        if isinstance(err, InvalidBatch) or err.status < 500:
            logger.info("survey request refused: %s", err.field or type(err).__name__)
        return error_response(err, headers)


async def _visit(
    request: Request, state: AppState, headers: dict[str, str], fields: Mapping[str, Any]
) -> Visit:
    """Authenticate the site key (JSON field or query param), check the origin, read the ids.

    Sets the CORS headers in `headers` once the site is known.
    """
    site_key = _id(fields.get("site_key") or request.query_params.get("site_key"), "site_key")
    session_id = _id(fields.get("session_id"), "session_id")
    visitor_id = _id(fields.get("visitor_id"), "visitor_id")
    window_id = fields.get("window_id")
    if window_id is not None:
        window_id = _id(window_id, "window_id")

    site = await site_for_key(state.resources.store, site_key, state.key_cache)
    headers.update(cors_headers(request.headers.get("origin"), site.get("origins", [])))
    if request.headers.get("origin") and "Access-Control-Allow-Origin" not in headers:
        raise InvalidInput("this origin is not registered for the site", field="origin")
    await state.rate_limiter.check_shared(state.resources.queue, "site:" + site["_id"])
    return Visit(site["_id"], site.get("departments") or {}, session_id, visitor_id, window_id)


async def _json_body(request: Request) -> dict[str, Any]:
    """The JSON object body: JSON, text/plain (what sendBeacon sends) or no content type."""
    check_content_type(request.headers.get("content-type"))
    raw = await read_body(request, MAX_BODY_BYTES)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        # Also nesting past orjson's own limit (1,024 levels).
        raise InvalidInput("must be a JSON object in UTF-8", field="body") from err
    if not isinstance(body, dict):
        raise InvalidInput("must be a JSON object", field="body")
    depth, nul = json_depth_and_nul(body)
    if depth > MAX_BODY_DEPTH:
        raise InvalidInput(f"JSON nested deeper than {MAX_BODY_DEPTH}", field="body")
    if nul:
        raise InvalidInput("holds a NUL character (U+0000)", field="body")
    return body


def _id(value: Any, name: str) -> str:
    if value is None or value == "":
        raise InvalidInput("missing", field=name)
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise InvalidInput("must be 1-128 letters, digits or ._:-", field=name)
    return value


def _page_path(value: Any, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidInput("missing", field="url")
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be an http(s) URL or a path", field="url")
    try:
        return page_path(value)
    except BadUrl as err:
        raise InvalidInput("must be an http(s) URL or a path", field="url") from err


def _optional_url(value: Any) -> str | None:
    """The page URL (checked, not kept: only its redacted template is stored)."""
    return value if _page_path(value, required=False) is not None else None


def _lang(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not LANG_PATTERN.match(normalize_lang(value)):
        raise InvalidInput("must be a language tag like en or es-MX", field="lang")
    return value


def _now_ms() -> int:
    return int(time.time() * 1000)
