"""GraphQL object types, built from stored (already redacted) documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON


def ms_to_datetime(ms: int | float | None) -> datetime | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@strawberry.type(description="One event of a session's redacted timeline.")
class Event:
    ts: datetime
    kind: str
    node: int | None
    selector: str | None
    text: str | None
    x: float | None
    y: float | None
    data: JSON | None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Event:
        target = doc.get("target") or {}
        return cls(
            ts=ms_to_datetime(doc["ts"]),  # type: ignore[arg-type]
            kind=doc["kind"],
            node=doc.get("node"),
            selector=target.get("selector"),
            text=target.get("text"),
            x=doc.get("x"),
            y=doc.get("y"),
            data=doc.get("data") or None,
        )


@strawberry.type(description="One page load in one window (tab) of a session.")
class PageView:
    id: strawberry.ID
    url: str
    path: str
    template: str
    window_id: str
    started_at: datetime
    ended_at: datetime | None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> PageView:
        return cls(
            id=strawberry.ID(doc["_id"]),
            url=doc.get("url", ""),
            path=doc.get("path", ""),
            template=doc.get("template", ""),
            window_id=doc.get("window_id", ""),
            started_at=ms_to_datetime(doc["started_at"]),  # type: ignore[arg-type]
            ended_at=ms_to_datetime(doc.get("ended_at")),
        )
