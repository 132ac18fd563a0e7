"""Builds the Strawberry schema and its ASGI app."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import MaskErrors, QueryDepthLimiter

from api.auth import KeyCache
from api.errors import StuckpointError
from api.settings import Settings
from schema.context import Context
from schema.sessions import SessionQueries
from storage.mongo import Store

logger = logging.getLogger(__name__)


@strawberry.type
class Query(SessionQueries):
    @strawberry.field(description="The API's version.")
    def version(self) -> str:
        return "0.1.0"


def _is_ours(error: GraphQLError) -> bool:
    """Our typed errors and GraphQL's own validation errors reach the client unmasked."""
    original = error.original_error
    return original is None or isinstance(original, StuckpointError)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    max_depth = settings.graphql_max_depth if settings else 10
    return strawberry.Schema(
        query=Query,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaskErrors(should_mask_error=lambda e: not _is_ours(e)),
        ],
    )


class StuckpointGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: strawberry.Schema, settings: Settings, store: Store) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None)
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

    async def process_result(self, request: Request, result: Any) -> Any:  # type: ignore[override]
        for error in result.errors or []:
            if not _is_ours(error):
                logger.error("unexpected GraphQL error", exc_info=error.original_error)
        return await super().process_result(request, result)


def graphql_app(settings: Settings, store: Store) -> StuckpointGraphQL:
    return StuckpointGraphQL(build_schema(settings), settings, store)
