"""Builds the Strawberry schema (queries, mutations, subscriptions) and its ASGI app."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import Info
from strawberry.types.unset import UNSET, UnsetType

from api.auth import KeyCache, Role
from api.errors import StuckpointError
from api.settings import Settings
from schema.admin import AdminMutations, AdminQueries
from schema.audit import AuditQueries
from schema.context import Context, IsAnalyst
from schema.detectors import DetectorMutations, DetectorQueries
from schema.erasure import ErasureMutations
from schema.limits import CostLimiter, ErrorPolicy, StuckpointSchema
from schema.pages import PageQueries
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


def extensions_for(settings: Settings | None) -> list[Any]:
    """Extension classes or factories: Strawberry builds fresh instances for every operation."""
    max_depth = settings.graphql_max_depth if settings else 10
    extensions: list[type[SchemaExtension] | Any] = [
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
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
    )


class StuckpointGraphQL(GraphQL[Context, None]):
    """The ASGI view: HTTP POST/GET and graphql-transport-ws on the same path."""

    def __init__(self, schema: strawberry.Schema, settings: Settings, store: Store) -> None:
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
        self.key_cache = KeyCache()

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(
            store=self.store,
            settings=self.settings,
            authorization=request.headers.get("authorization"),
            key_cache=self.key_cache,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate when the connection opens: ``{"authorization": "Bearer <key>"}``."""
        try:
            await context.require(Role.ANALYST)
        except StuckpointError as err:
            logger.info("WebSocket connection refused: %s", err.code)
            raise ConnectionRejectionError({"code": err.code}) from err
        return UNSET


def graphql_app(settings: Settings, store: Store) -> StuckpointGraphQL:
    return StuckpointGraphQL(build_schema(settings), settings, store)
