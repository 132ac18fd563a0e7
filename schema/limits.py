"""Safety for the GraphQL API: a cost limit on list sizes, error masking with our error codes,
and logging each unexpected error once without values."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast,
)
from graphql.type import get_named_type
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types import ExecutionContext

from api.errors import StuckpointError

logger = logging.getLogger(__name__)

MAX_COST = 50_000
"""Estimated fields resolved by one operation: each field counts once per item of every list
around it. A list's size is its ``first``/``perGroup`` argument, or ``UNSIZED_LIST``."""
UNSIZED_LIST = 10
SIZE_ARGUMENTS = ("first", "perGroup")
MAX_FRAGMENT_DEPTH = 20


def is_unexpected(error: GraphQLError) -> bool:
    """An error raised while resolving a field that is not one of our typed errors.

    Errors without a path (syntax, validation, variable coercion) are the client's and pass.
    """
    original = error.original_error
    return (
        error.path is not None
        and original is not None
        and not isinstance(original, StuckpointError)
        and not isinstance(original, GraphQLError)
    )


class StuckpointSchema(strawberry.Schema):
    """Logs each unexpected error once, by type and stack, never with its message or values."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_unexpected(error):
                original = error.original_error
                stack = "".join(traceback.format_tb(original.__traceback__))  # type: ignore[union-attr]
                logger.error(
                    "unexpected %s resolving %s\n%s",
                    type(original).__name__,
                    ".".join(str(p) for p in error.path or []),
                    stack,
                )


class ErrorPolicy(MaskErrors):
    """Masks unexpected errors; gives ours their ``code`` (and ``field``) in ``extensions``."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Unexpected error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in errors:
            original = error.original_error
            if is_unexpected(error):
                error = self.anonymise_error(error)
                error.extensions = {"code": "internal"}
            elif isinstance(original, StuckpointError):
                extra = {"field": original.field} if original.field else {}
                error.extensions = {**(error.extensions or {}), "code": original.code, **extra}
            processed.append(error)
        return processed


def _list_size(field: GraphQLField, node: FieldNode, variables: dict[str, Any]) -> int:
    for name in SIZE_ARGUMENTS:
        if name not in field.args:
            continue
        given = next((a for a in node.arguments or () if a.name.value == name), None)
        value = value_from_ast(given.value, field.args[name].type, variables) if given else None
        if value is None:
            value = field.args[name].default_value
        if isinstance(value, int):
            return max(value, 1)
    return UNSIZED_LIST


def _is_list(field: GraphQLField) -> bool:
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(kind, GraphQLList) or get_named_type(kind).name.endswith("Connection")


class _Estimator:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, Any], variables: Any) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables or {}

    def cost(self, selections: SelectionSetNode | None, parent: Any, depth: int = 0) -> int:
        if selections is None or depth > MAX_FRAGMENT_DEPTH:
            return 0
        total = 0
        for node in selections.selections:
            if isinstance(node, FieldNode):
                total += self._field(node, parent, depth)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                kind = self.schema.get_type(condition.name.value) if condition else parent
                total += self.cost(node.selection_set, kind, depth + 1)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    kind = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.cost(fragment.selection_set, kind, depth + 1)
        return total

    def _field(self, node: FieldNode, parent: Any, depth: int) -> int:
        fields = (
            parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        )
        field = fields.get(node.name.value)
        if field is None:  # __typename and introspection
            return 1
        items = _list_size(field, node, self.variables) if _is_list(field) else 1
        if parent.name.endswith("Connection") and node.name.value == "edges":
            items = 1  # the connection's own size already counts its edges
        child = self.cost(node.selection_set, get_named_type(field.type), depth)
        return items * (1 + child)


def estimate_cost(context: ExecutionContext, schema: GraphQLSchema) -> int:
    document = context.graphql_document
    if document is None:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    total = 0
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if (
            context.operation_name
            and definition.name
            and definition.name.value != context.operation_name
        ):
            continue
        root = schema.get_root_type(definition.operation)
        total += _Estimator(schema, fragments, context.variables).cost(
            definition.selection_set, root
        )
    return total


class CostLimiter(SchemaExtension):
    """Refuses operations whose estimated cost exceeds ``max_cost``, before they run."""

    def __init__(self, max_cost: int = MAX_COST) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        try:
            cost = estimate_cost(context, context.schema._schema)
        except (GraphQLError, TypeError, ValueError):
            cost = 0  # malformed variables: graphql-core reports them during execution
        if cost > self.max_cost:
            error = GraphQLError(
                f"query too costly: estimated {cost} fields, the limit is {self.max_cost}; "
                "ask for fewer items",
                extensions={"code": "too_costly"},
            )
            context.result = ExecutionResult(data=None, errors=[error])
        yield
