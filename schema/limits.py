"""Safety for the GraphQL API: checks of the request body, a cost limit on list sizes, error
masking with our error codes, messages that never quote a submitted value, and logging each
unexpected error once without values."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable, Iterator
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
from strawberry.types import ExecutionResult as StrawberryResult
from strawberry.types.graphql import OperationType

from api.errors import InvalidInput, StuckpointError

logger = logging.getLogger(__name__)

MAX_COST = 50_000
"""Estimated fields resolved by one operation: each field counts once per item of every list
around it. A list's size is its ``first``/``perGroup`` argument, or ``UNSIZED_LIST``."""
UNSIZED_LIST = 10
SIZE_ARGUMENTS = ("first", "perGroup")
MAX_FRAGMENT_DEPTH = 20
MAX_JSON_DEPTH = 64
"""Nesting of the request body, variables included (api.bodylimit refuses deeper bodies too)."""
MAX_QUERY_CHARS = 100_000
"""A document's length; the token limit bounds its tokens, this bounds one huge token."""

# graphql-core quotes the offending value after these words ("ID cannot represent value: ...",
# "found: ...") and after a literal token's kind ("found String 'text'"). Messages are cut there.
_VALUE_AT_RE = re.compile(
    r"(?P<keep>\b(?:value|found)):(?: |$)|(?P<token> (?:String|BlockString|Int|Float)) '"
)
# "Variable '$id' has invalid value.path: <what is wrong with it>": the rest is a message.
_INVALID_AT_RE = re.compile(r"\bhas invalid value(?:\.[_A-Za-z]\w*|\[\d+\])*: ")
# A quoted GraphQL name or type reference ('$id', 'Int!', 'Query.pages(range:)', '[String!]').
_QUOTED_NAME_RE = re.compile(
    r"'\[*\$?[_A-Za-z]\w*(?:\.[_A-Za-z]\w*)?(?:\([_A-Za-z]\w*:\))?!?\]*!?'"
)


_ENUM_VALUE_RE = re.compile(r"Value '[^']*' does not exist in")


_VARIABLE_RE = re.compile(r"^Variable '\$(\w+)'")


_UNKNOWN_FIELD_RE = re.compile(r"\bunknown field '[^']*'")
# Strawberry's refusal of an operation name the document does not hold quotes the name.
_OPERATION_NAMED_RE = re.compile(r'Unknown operation named "[^"]*"')
_FOUND_NOTHING_RE = re.compile(r",? found\.$")
_LONG_NUMBER_RE = re.compile(r"\d{6}")


def public_message(message: str) -> str:
    """A graphql-core message without the submitted values it quotes; names and types stay."""
    # An enum value is shaped like a name but is the client's input (it could be anything);
    # so are the keys of a variable's object and an operation name asked for.
    message = _ENUM_VALUE_RE.sub("The value does not exist in", message)
    message = _UNKNOWN_FIELD_RE.sub("an unknown field", message)
    message = _OPERATION_NAMED_RE.sub("No operation of that name", message)
    invalid = _INVALID_AT_RE.search(message)
    if invalid is not None:
        return message[: invalid.end()] + public_message(message[invalid.end() :])
    cut = _VALUE_AT_RE.search(message)
    if cut is not None:
        message = message[: cut.start()] + (cut.group("keep") or cut.group("token")) + "."
    # Whatever quote is left that is not around a name starts a value: cut there.
    # A name is the client's to choose: one holding a long number (a card, an account) goes.
    message = _QUOTED_NAME_RE.sub(
        lambda m: "a name" if _LONG_NUMBER_RE.search(m.group()) else m.group(), message
    )
    names_hidden = _QUOTED_NAME_RE.sub(lambda m: "_" * len(m.group()), message)
    stray = re.search(r"['\"]", names_hidden)
    if stray is not None:
        message = message[: stray.start()].rstrip(" ,;:") + "."
    # "..., found." once the value after it is cut.
    return _FOUND_NOTHING_RE.sub(".", message)


def json_depth_and_nul(data: object) -> tuple[int, bool]:
    """The nesting depth of decoded JSON and whether any key or string holds a NUL."""
    deepest, nul = 0, False
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            deepest = max(deepest, depth)
            nul = nul or any("\x00" in key for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            deepest = max(deepest, depth)
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            nul = nul or "\x00" in value
    return deepest, nul


def check_request_body(data: object) -> None:
    """Raise ``InvalidInput`` unless ``data`` is one GraphQL request this API takes."""
    if isinstance(data, list):
        message = "send one operation as a JSON object; batches are not supported"
        raise InvalidInput(message, field="body")
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object with a `query`", field="body")
    depth, nul = json_depth_and_nul(data)
    if depth > MAX_JSON_DEPTH:
        raise InvalidInput(f"JSON nested deeper than {MAX_JSON_DEPTH}", field="body")
    if nul:
        raise InvalidInput("the body holds a NUL character (U+0000)", field="body")
    query = data.get("query")
    if isinstance(query, str) and len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"query is longer than {MAX_QUERY_CHARS} characters", field="query")


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
    """Logs each unexpected error once, by type and stack, never with its message or values.

    ``execute`` never runs subscriptions: they stream over graphql-transport-ws. Over HTTP one
    would end in an internal error; refused, it is a 400 naming the operation type.
    """

    async def execute(  # noqa: PLR0917 - the signature of strawberry.Schema.execute
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> StrawberryResult:
        allowed = set(allowed_operation_types or (OperationType.QUERY, OperationType.MUTATION))
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )

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
    """Masks unexpected errors; gives ours their ``code`` (and ``field``) in ``extensions``;
    cuts submitted values out of the rest (syntax, validation and coercion errors)."""

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
            else:
                # graphql-core's own: the syntax, the schema's rules, or a variable's value.
                variable = _VARIABLE_RE.match(error.message)
                code = {"code": "invalid_input", "field": variable[1]} if variable else {}
                error.message = public_message(error.message)
                # Our limit rules (too_costly...) set their own code already.
                error.extensions = {"code": "invalid_query", **code, **(error.extensions or {})}
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
        # Past GraphQL's 32-bit Int it is not a size: variable coercion refuses it by type.
        if isinstance(value, int) and value < 2**31:
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


class OneOperation(SchemaExtension):
    """Refuses a document of several operations sent without ``operationName``: Strawberry
    ran the first of them, where the GraphQL spec asks for an error."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        named = getattr(context, "_provided_operation_name", None)
        operations = [
            d for d in (document.definitions if document else ())
            if isinstance(d, OperationDefinitionNode)
        ]  # fmt: skip
        if named is None and len(operations) > 1:
            error = GraphQLError(
                "the document holds several operations: name one in operationName",
                extensions={"code": "invalid_query", "field": "operationName"},
            )
            context.result = ExecutionResult(data=None, errors=[error])
        yield


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
