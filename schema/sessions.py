"""Session queries: the paginated list and one session with its page views and timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from api.errors import InvalidInput
from schema.context import Context, IsAnalyst
from schema.pagination import Connection, Edge, PageInfo, after_condition, encode_cursor
from schema.types import Event, PageView, ms_to_datetime


@strawberry.type(description="A resident's visit to one site, possibly across several tabs.")
class Session:
    id: strawberry.ID
    site_id: str
    started_at: datetime
    ended_at: datetime
    event_count: int
    page_view_count: int
    device: str | None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Session:
        return cls(
            id=strawberry.ID(doc["_id"]),
            site_id=doc["site_id"],
            started_at=ms_to_datetime(doc["started_at"]),  # type: ignore[arg-type]
            ended_at=ms_to_datetime(doc["ended_at"]),  # type: ignore[arg-type]
            event_count=doc.get("event_count", 0),
            page_view_count=doc.get("page_view_count", 0),
            device=doc.get("device"),
        )

    @strawberry.field(description="The session's page views, in order.")
    async def page_views(self, info: Info[Context, Any]) -> list[PageView]:
        cursor = info.context.store.page_views.find({"session_id": str(self.id)})
        docs = await cursor.sort([("started_at", 1), ("_id", 1)]).to_list(None)
        return [PageView.from_doc(d) for d in docs]

    @strawberry.field(description="The redacted event timeline, in order.")
    async def events(
        self, info: Info[Context, Any], first: int = 500, kinds: list[str] | None = None
    ) -> list[Event]:
        if not 0 < first <= 5000:
            raise InvalidInput("first must be between 1 and 5000", field="first")
        chunks = info.context.store.event_chunks.find(
            {"session_id": str(self.id)}, projection={"events": 1, "window_id": 1, "seq": 1}
        )
        events: list[dict[str, Any]] = []
        for chunk in await chunks.to_list(None):
            events.extend(chunk.get("events", []))
        # Stored order within a chunk is arrival order; sorting is stable, so equal
        # timestamps keep it.
        events.sort(key=lambda e: e["ts"])
        if kinds:
            wanted = set(kinds)
            events = [e for e in events if e["kind"] in wanted]
        return [Event.from_doc(e) for e in events[:first]]


@strawberry.type
class SessionQueries:
    @strawberry.field(permission_classes=[IsAnalyst], description="Sessions, newest first.")
    async def sessions(
        self,
        info: Info[Context, Any],
        site_id: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Session]:
        settings = info.context.settings
        if not 0 < first <= settings.graphql_max_page_size:
            raise InvalidInput(
                f"first must be between 1 and {settings.graphql_max_page_size}", field="first"
            )
        query: dict[str, Any] = await info.context.site_filter(site_id)
        keyset = after_condition("started_at", after)
        if keyset:
            query = {"$and": [query, keyset]} if query else keyset

        docs = (
            await info.context.store.sessions.find(query)
            .sort([("started_at", -1), ("_id", -1)])
            .limit(first + 1)
            .to_list(None)
        )
        edges = [
            Edge(cursor=encode_cursor([d["started_at"], d["_id"]]), node=Session.from_doc(d))
            for d in docs[:first]
        ]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(docs) > first,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(permission_classes=[IsAnalyst], description="One session by id.")
    async def session(self, info: Info[Context, Any], id: strawberry.ID) -> Session | None:
        doc = await info.context.store.sessions.find_one({"_id": str(id)})
        if doc is None:
            return None
        principal = await info.context.principal()
        if not principal.sees_site(doc["site_id"]):
            return None
        return Session.from_doc(doc)
