"""Builds the Strawberry schema (queries, mutations, subscriptions) and its ASGI app."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import strawberry
from cross_web import HTTPException
from graphql import GraphQLError, validate
from pymongo.errors import PyMongoError
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import Info
from strawberry.types.unset import UNSET, UnsetType

from api.auth import KeyCache, Principal, Role, authenticate
from api.bodylimit import refusal
from api.errors import InvalidInput, StuckpointError, TooManyRequests, Unavailable
from api.ratelimit import RateLimiter
from api.settings import Settings
from schema.admin import AdminMutations, AdminQueries
from schema.audit import AuditQueries
from schema.context import Context, IsAnalyst
from schema.detectors import DetectorMutations, DetectorQueries
from schema.erasure import ErasureMutations
from schema.execution import LeafShortcutExecutionContext
from schema.limits import (
    CostLimiter,
    ErrorPolicy,
    OneOperation,
    StuckpointSchema,
    check_request_body,
    public_message,
)
from schema.pages import HEATMAP_CELLS, HeatmapCells, PageQueries
from schema.sessions import SessionQueries
from schema.shortlist import ShortlistQueries
from schema.subscriptions import Subscription
from storage.mongo import Store

try:  # Surveys are built in schema/surveys.py by the surveys work; compose them when present.
    from schema.surveys import SurveyMutations, SurveyQueries
except ImportError:

    @strawberry.type
    class SurveyQueries:  # type: ignore[no-redef]
        """Placeholder until schema/surveys.py exists."""

    @strawberry.type
    class SurveyMutations:  # type: ignore[no-redef]
        """Placeholder until schema/surveys.py exists."""


logger = logging.getLogger(__name__)

API_VERSION = "0.1.0"
MAX_ALIASES = 30
MAX_TOKENS = 4000
MAX_SUBSCRIPTIONS_PER_CONNECTION = 10
CACHED_DOCUMENTS = 256
"""Parsed and validated query documents kept (dashboards send the same few again and again)."""
PRINCIPAL_SCOPE_KEY = "stuckpoint.principal"
# Codes for the HTTP errors Strawberry raises before an operation runs (it has no code of its own).
HTTP_ERROR_CODES = {400: "invalid_input", 404: "not_found", 405: "method_not_allowed"}


@strawberry.type
class Query(
    SessionQueries,
    PageQueries,
    ShortlistQueries,
    AdminQueries,
    DetectorQueries,
    AuditQueries,
    SurveyQueries,
):
    @strawberry.field(permission_classes=[IsAnalyst], description="The API's version.")
    def version(self, info: Info[Context, Any]) -> str:
        return API_VERSION


@strawberry.type
class Mutation(AdminMutations, DetectorMutations, ErasureMutations, SurveyMutations):
    pass


class _ParserCache(ParserCache):
    """Strawberry's ``ParserCache``, but a document that does not parse is left to
    Strawberry's own parse: raised from the extension's hook, the syntax error skipped the
    error policy (the message quoted the submitted text). Refused documents are parsed twice;
    the token limit bounds that."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        except GraphQLError:
            context.graphql_document = None
        yield


class _ValidationCache(ValidationCache):
    """Strawberry's ``ValidationCache``, but a rule that raises (the depth limiter meets a
    fragment the document does not define) does not end the request with the exception's
    text: graphql-core's own rules name the problem, or the query is refused as invalid."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        schema = context.schema._schema
        try:
            context.pre_execution_errors = self.cached_validate_document(
                schema, context.graphql_document, context.validation_rules
            )
        except Exception:  # noqa: BLE001 - a limit rule's own failure, not a server error
            document = context.graphql_document
            errors = validate(schema, document) if document else []
            refused = GraphQLError(
                "the query could not be validated", extensions={"code": "invalid_query"}
            )
            context.pre_execution_errors = errors or [refused]
        yield


@functools.cache
def _limit_rules(max_depth: int, max_aliases: int) -> tuple[Any, ...]:
    """The depth and alias limits' validation rule classes, made once per setting.

    Strawberry's limiters make a new rule class for every instance, so a validation cache
    keyed by the rules would never hit; the extensions stay fresh per operation, the rule
    classes (stateless until graphql-core instantiates them per validation) are shared.
    """
    rules = QueryDepthLimiter(max_depth=max_depth).validation_rules
    return (*rules, *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules)


def extensions_for(settings: Settings | None) -> list[Any]:
    """Extension classes or factories: Strawberry builds fresh instances for every operation.

    The parser and validation caches are Strawberry's; both are keyed by the query text (and
    the rules), so a query is parsed and validated once, then reused, depth and alias limits
    included. Bounded, so unique query texts cannot grow memory.
    """
    max_depth = settings.graphql_max_depth if settings else 10
    rules = _limit_rules(max_depth, MAX_ALIASES)
    extensions: list[type[SchemaExtension] | Any] = [
        lambda: _ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: AddValidationRules(list(rules)),
        lambda: _ValidationCache(maxsize=CACHED_DOCUMENTS),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        OneOperation,
        CostLimiter,
        ErrorPolicy,
    ]
    if settings is not None and settings.environment == "production":
        extensions.append(DisableIntrospection)
    return extensions


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    return StuckpointSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions_for(settings),
        config=StrawberryConfig(scalar_map={HeatmapCells: HEATMAP_CELLS}),
        execution_context_class=LeafShortcutExecutionContext,
    )


class StuckpointGraphQL(GraphQL[Context, None]):
    """The ASGI view: HTTP POST/GET and graphql-transport-ws on the same path.

    Over HTTP every request is rate limited per API key (per client address without a valid
    key), and every refusal before an operation runs is a JSON body
    ``{"error": code, "message": ..., "field": ...}``, never a 500 or plain text.
    """

    def __init__(
        self, schema: strawberry.Schema, settings: Settings, store: Store, redis: Redis | None
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
        )
        self.settings = settings
        self.store = store
        self.redis = redis
        self.key_cache = KeyCache()
        self.site_cache = KeyCache()
        self.rate_limiter = RateLimiter(settings.graphql_rate_limit_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            scope[PRINCIPAL_SCOPE_KEY] = await self._rate_limited(request)
            response = await self.run(request)
        except StuckpointError as err:
            retry = getattr(err, "retry_after_s", None)
            headers = {"Retry-After": str(retry)} if retry else None
            body = refusal(err.code, err.message, err.field)
            response = JSONResponse(body, status_code=err.status, headers=headers)
        except HTTPException as err:
            code = HTTP_ERROR_CODES.get(err.status_code, "invalid_input")
            message = public_message(err.reason)
            response = JSONResponse(refusal(code, message), status_code=err.status_code)
        await response(scope, receive, send)

    async def _rate_limited(self, request: Request) -> Principal | None:
        """Take one request from the caller's allowance; the caller's principal, if any."""
        try:
            principal = await authenticate(
                self.store, request.headers.get("authorization"), self.key_cache
            )
        except (StuckpointError, PyMongoError):
            # No valid key (or no store to check it): the resolvers answer with the reason.
            principal = None
        client = request.client.host if request.client else "unknown"
        await self._take(f"key:{principal.key_id}" if principal else f"addr:{client}")
        return principal

    async def _take(self, key: str) -> None:
        """One request from the key's allowance, shared by every API process through Redis.

        Without Redis (or while it is down) this process's own buckets decide: dashboards keep
        working through a queue outage, at the cost of N processes allowing N times the rate.
        """
        if self.redis is not None:
            try:
                await self.rate_limiter.check_shared(self.redis, "graphql:" + key)
                return
            except Unavailable:
                pass
        self.rate_limiter.check("graphql:" + key)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Open a subscription connection unless its client address is over the rate limit.

        The key arrives only inside the connection (``connection_init``), so opening is limited
        per client address; a refused opening is closed before the handshake (HTTP 403) with
        the reason in the close message.
        """
        client = scope.get("client")
        try:
            await self._take(f"ws:{client[0] if client else 'unknown'}")
        except TooManyRequests as err:
            await WebSocket(scope, receive, send).close(code=4429, reason=err.message)
            return
        await super().__call__(scope, receive, send)

    def encode_json(self, data: object) -> str | bytes:
        """Responses in JSON by orjson (the standard library spent 1-2 ms on a page of 50
        sessions under cProfile); a value orjson refuses (an integer past 64 bits in a JSON
        field) falls back to the standard library, which writes it. Text, not bytes: Strawberry
        sends bytes over a WebSocket as binary frames, which graphql-transport-ws clients
        do not read."""
        try:
            return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()
        except orjson.JSONEncodeError:
            return super().encode_json(data)

    def decode_json(self, data: str | bytes) -> object:
        """One WebSocket message: a JSON object, else the protocol handler closes with 4400.

        orjson stops at 1,024 levels with a ``JSONDecodeError`` (a subclass of the standard
        one), which the handler answers by closing with 4400; the standard library's parser ran
        into a ``RecursionError`` that dropped the connection without a close code. A message
        that is valid JSON but not an object (``"5"``, ``[]``) crashed the handler with a
        ``TypeError``: it is refused the same way.
        """
        decoded = orjson.loads(data)
        if not isinstance(decoded, dict):
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
            raise orjson.JSONDecodeError("a message is a JSON object", text, 0)
        return decoded

    def parse_json(self, data: str | bytes) -> Any:
        """Parse and check an HTTP body: one JSON object, not too deep, no NUL, a bounded query."""
        try:
            decoded = orjson.loads(data)
        except orjson.JSONDecodeError as err:
            # Also bytes that are not UTF-8, and nesting past orjson's own limit. The position
            # only: orjson's message may grow to quote the input one day.
            where = f"line {err.lineno} column {err.colno}"
            raise InvalidInput(f"the body is not JSON in UTF-8 (at {where})", field="body") from err
        check_request_body(decoded)
        return decoded

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(
            store=self.store,
            settings=self.settings,
            authorization=request.headers.get("authorization"),
            key_cache=self.key_cache,
            site_cache=self.site_cache,
            redis=self.redis,
            _principal=request.scope.get(PRINCIPAL_SCOPE_KEY),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate when the connection opens: ``{"authorization": "Bearer <key>"}``."""
        try:
            await context.require(Role.ANALYST)
        except StuckpointError as err:
            logger.info("WebSocket connection refused: %s", err.code)
            raise ConnectionRejectionError({"code": err.code}) from err
        return UNSET


def graphql_app(settings: Settings, store: Store, redis: Redis | None = None) -> StuckpointGraphQL:
    return StuckpointGraphQL(build_schema(settings), settings, store, redis)
