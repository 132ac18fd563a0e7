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
    """The filter that continues a ``(field, _id)`` ordering after ``cursor``.

    For cursors made by ``encode_cursor([value, _id])`` on a field every document has.
    """
    if cursor is None:
        return {}
    value, doc_id = decode_cursor(cursor, 2)
    if not _is_number(value) or not isinstance(doc_id, str):
        raise InvalidInput("malformed cursor", field="after")
    op = "$lt" if descending else "$gt"
    return {"$or": [{field: {op: value}}, {field: value, "_id": {op: doc_id}}]}


def sorted_after(field: str, cursor: str | None, descending: bool = True) -> dict[str, Any]:
    """The filter that continues a ``(field, _id)`` ordering after a ``cursor_for`` cursor.

    The cursor carries the sort field's name, so a cursor of one ordering is refused by another.
    A ``None`` sort value stands for documents without the field, which sort last when
    descending: after a number come the greater/smaller numbers and then every missing value.
    """
    if cursor is None:
        return {}
    name, value, doc_id = decode_cursor(cursor, 3)
    if name != field or not isinstance(doc_id, str):
        raise InvalidInput("this cursor belongs to another ordering", field="after")
    op = "$lt" if descending else "$gt"
    if value is None:
        missing = {field: None, "_id": {op: doc_id}}
        return missing if descending else {"$or": [missing, {field: {"$ne": None}}]}
    if not isinstance(value, int | float | str):
        raise InvalidInput("malformed cursor", field="after")
    branches: list[dict[str, Any]] = [
        {field: {op: value}},
        {field: value, "_id": {op: doc_id}},
    ]
    if descending:
        branches.append({field: None})
    return {"$or": branches}


def keyset_key(field: str, doc: dict[str, Any]) -> tuple[bool, Any, str]:
    """The ``(field, _id)`` ordering as a Python sort key; documents without the field sort
    lowest, so they come last in a descending order, as in the store."""
    value = doc.get(field)
    return (value is not None, 0 if value is None else value, doc["_id"])


def after_key(field: str, cursor: str | None) -> tuple[bool, Any, str] | None:
    """The ``keyset_key`` of the document a ``cursor_for`` cursor points at."""
    if cursor is None:
        return None
    name, value, doc_id = decode_cursor(cursor, 3)
    if name != field or not isinstance(doc_id, str):
        raise InvalidInput("this cursor belongs to another ordering", field="after")
    if value is not None and not _is_number(value):
        # Both orderings (score, started_at) are by numbers.
        raise InvalidInput("malformed cursor", field="after")
    return keyset_key(field, {field: value, "_id": doc_id})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cursor_for(field: str, doc: dict[str, Any]) -> str:
    return encode_cursor([field, doc.get(field), doc["_id"]])


def page_of(
    docs: list[dict[str, Any]], first: int, field: str, build: Any
) -> tuple[list[Edge[Any]], PageInfo]:
    """Edges and page info from ``first + 1`` fetched documents."""
    edges = [Edge(cursor=cursor_for(field, d), node=build(d)) for d in docs[:first]]
    info = PageInfo(has_next_page=len(docs) > first, end_cursor=edges[-1].cursor if edges else None)
    return edges, info


def and_all(*conditions: dict[str, Any]) -> dict[str, Any]:
    """Combine store filters; empty ones drop out."""
    parts = [c for c in conditions if c]
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}
