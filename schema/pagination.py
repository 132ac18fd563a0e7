"""Relay-style keyset pagination: cursors encode the sort key, never an offset."""

from __future__ import annotations

import base64
from typing import Any, Generic, TypeVar

import orjson
import strawberry

from api.errors import InvalidInput

NodeT = TypeVar("NodeT")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode()


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, orjson.JSONDecodeError) as err:
        raise InvalidInput("malformed cursor", field="after") from err
    if not isinstance(key, list) or len(key) != arity:
        raise InvalidInput("malformed cursor", field="after")
    return key


def after_condition(field: str, cursor: str | None, descending: bool = True) -> dict[str, Any]:
    """The filter that continues a ``(field, _id)`` ordering after ``cursor``."""
    if cursor is None:
        return {}
    value, doc_id = decode_cursor(cursor, 2)
    op = "$lt" if descending else "$gt"
    return {"$or": [{field: {op: value}}, {field: value, "_id": {op: doc_id}}]}
