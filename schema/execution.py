"""graphql-core's execution, with a shortcut for plain leaf fields.

A page of 50 sessions with their page views and signals is some 1,500 fields; graphql-core
builds a resolve info, a path and a completion for each, which took most of the request
(pyinstrument: three quarters of it in graphql-core and Strawberry, against a tenth in our
resolvers). Most of those fields are plain leaves: attributes of an object we built, of a
scalar or enum type.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class LeafShortcutExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, reading plain leaf fields directly.

    A field Strawberry resolves by attribute (no resolver, arguments, permission or extension:
    Strawberry marks its resolver ``_is_default``) of a scalar or enum type is read and
    coerced here, as ``complete_leaf_value`` would. Anything else, and any value that would be
    an error (null for a non-null type, a value the scalar refuses, an exception), goes
    through graphql-core's own ``execute_field``, which resolves it again and reports it.

    Relies on ``execute_field``'s signature and on ``field_details_list[0].node`` (graphql-core
    3.3); ``tests/schema/test_execution.py`` compares answers with and without the shortcut.
    """

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        *rest: Any,
    ) -> Any:
        field_def = parent_type.fields.get(field_details_list[0].node.name.value)
        if field_def is not None and getattr(field_def.resolve, "_is_default", False):
            kind = field_def.type
            required = isinstance(kind, GraphQLNonNull)
            if required:
                kind = kind.of_type
            if isinstance(kind, GraphQLScalarType | GraphQLEnumType):
                try:
                    value = field_def.resolve(source, None)  # type: ignore[misc]
                    if value is None and not required:
                        return None
                    coerced = None if value is None else kind.coerce_output_value(value)
                except Exception:  # noqa: BLE001 - graphql-core's path reports it
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
        return super().execute_field(parent_type, source, field_details_list, *rest)
