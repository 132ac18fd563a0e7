"""graphql-core's execution, with a shortcut for plain leaf fields.

A page of 50 sessions with their page views and signals is some 1,500 fields; graphql-core
builds a resolve info, a path and a completion for each, which took most of the request
(pyinstrument: three quarters of it in graphql-core and Strawberry, against a tenth in our
resolvers). Most of those fields are plain leaves: attributes of an object we built, of a
scalar or enum type.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_MISS = object()


class LeafShortcutExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, reading plain leaf fields directly.

    A field Strawberry resolves by attribute (no resolver, arguments, permission or extension:
    Strawberry marks its resolver ``_is_default``) of a scalar or enum type is read and
    coerced here, as ``complete_leaf_value`` would. An object whose selected fields are all
    such leaves (a page view's template, a signal's kind and time) is answered as one dict.
    Anything else, and any value that would be an error (null for a non-null type, a value the
    scalar refuses, an exception), goes through graphql-core's own ``execute_field``, which
    resolves it again and reports it.

    Relies on the signatures of ``execute_fields`` and ``execute_field`` and on
    ``field_details_list[0].node`` (graphql-core 3.3); ``tests/schema/test_execution.py``
    compares answers with and without the shortcut.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per selection (graphql-core keeps one object per selection for the whole operation):
        # its response names with their field definitions when all are plain leaves, else None.
        self._leaves: dict[int, list[tuple[str, GraphQLField]] | None] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        *rest: Any,
    ) -> Any:
        key = id(grouped_field_set)
        if key not in self._leaves:
            self._leaves[key] = _all_plain_leaves(parent_type, grouped_field_set)
        leaves = self._leaves[key]
        if leaves is not None:
            results = {}
            for response_name, field_def in leaves:
                value = _leaf_value(field_def, source_value)
                if value is _MISS:
                    break
                results[response_name] = value
            else:
                return results
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, *rest)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        *rest: Any,
    ) -> Any:
        field_def = _plain_leaf(parent_type, field_details_list)
        if field_def is not None:
            value = _leaf_value(field_def, source)
            if value is not _MISS:
                return value
        return super().execute_field(parent_type, source, field_details_list, *rest)


def _all_plain_leaves(
    parent_type: GraphQLObjectType, grouped_field_set: Any
) -> list[tuple[str, GraphQLField]] | None:
    """A selection's response names with their definitions, if every field is a plain leaf."""
    leaves = []
    for name, details in grouped_field_set.items():
        field_def = _plain_leaf(parent_type, details)
        if field_def is None:
            return None
        leaves.append((name, field_def))
    return leaves


def _plain_leaf(parent_type: GraphQLObjectType, field_details_list: Any) -> GraphQLField | None:
    """The field's definition if it is a plain leaf (read by attribute, scalar or enum)."""
    field_def = parent_type.fields.get(field_details_list[0].node.name.value)
    if field_def is None or not getattr(field_def.resolve, "_is_default", False):
        return None
    kind: Any = field_def.type
    kind = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    return field_def if isinstance(kind, GraphQLScalarType | GraphQLEnumType) else None


def _leaf_value(field_def: GraphQLField, source: Any) -> Any:
    """A plain leaf's coerced value, or ``_MISS`` for anything graphql-core must handle."""
    kind: Any = field_def.type
    required = isinstance(kind, GraphQLNonNull)
    if required:
        kind = kind.of_type
    try:
        value = field_def.resolve(source, None)  # type: ignore[misc]
        if value is None:
            return _MISS if required else None
        coerced = kind.coerce_output_value(value)
    except Exception:  # noqa: BLE001 - graphql-core's path reports it
        return _MISS
    return _MISS if coerced is None or coerced is Undefined else coerced
