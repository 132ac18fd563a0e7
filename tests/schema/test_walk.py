"""The whole schema, field by field and role by role: each root field refuses every role that
must not use it, over HTTP (queries, mutations) and WebSocket (subscriptions).

The roles come from the permission classes on the fields themselves, so a new field is walked
without touching this file, and a field without a role check fails here.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from graphql.type import get_named_type

from api.auth import ROLE_GRANTS, Role
from schema.app import build_schema
from schema.context import required_role
from tests.schema.ws import close_code_after_init, next_payload, subscribed

SCHEMA = build_schema()
GRAPHQL = SCHEMA._schema
ROOTS = {
    "query": GRAPHQL.query_type,
    "mutation": GRAPHQL.mutation_type,
    "subscription": GRAPHQL.subscription_type,
}
DENIED = {"unauthorized", "forbidden"}
SCALARS = {
    "String": '"walk"',
    "ID": '"walk"',
    "Int": "1",
    "Float": "1.5",
    "Boolean": "true",
    "JSON": "{}",
    "Date": '"2024-01-01"',
    "DateTime": '"2024-01-01T00:00:00Z"',
}


def role_of(field: GraphQLField) -> Role | None:
    definition = field.extensions["strawberry-definition"]
    return required_role(definition.permission_classes)


def root_fields(operation: str) -> list[tuple[str, str]]:
    root = ROOTS[operation]
    return [(operation, name) for name in sorted(root.fields)] if root else []


def literal(kind: GraphQLInputType) -> str:
    """A valid GraphQL literal for an input type, filling only what is required."""
    if isinstance(kind, GraphQLNonNull):
        return literal(kind.of_type)
    if isinstance(kind, GraphQLList):
        return f"[{literal(kind.of_type)}]"
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        required = [
            f"{name}: {literal(f.type)}"
            for name, f in kind.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        ]
        return "{" + ", ".join(required) + "}"
    assert isinstance(kind, GraphQLScalarType)
    return SCALARS[kind.name]


def operation_text(operation: str, name: str) -> str:
    field = ROOTS[operation].fields[name]  # type: ignore[union-attr]
    args = [
        f"{arg_name}: {literal(arg.type)}"
        for arg_name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    ]
    call = f"{name}({', '.join(args)})" if args else name
    if isinstance(get_named_type(field.type), GraphQLObjectType):
        call += " { __typename }"
    return f"{operation} {{ {call} }}"


def allowed(role: str, required: Role) -> bool:
    return role in {r.value for r in Role} and required in ROLE_GRANTS[Role(role)]


@pytest.fixture(scope="module")
def callers(keys: dict[str, str], ingest_key: str) -> dict[str, str | None]:
    """Every kind of caller: no key, a key nobody issued, and one key of each role."""
    return {
        "anonymous": None,
        "unknown": "sp_never-issued",
        "ingest": ingest_key,
        "analyst": keys["analyst"],
        "privacy_officer": keys["privacy_officer"],
        "admin": keys["admin"],
    }


def test_every_root_field_demands_a_role_and_no_nested_field_has_its_own() -> None:
    unguarded = [
        f"{op}.{name}"
        for op, root in ROOTS.items()
        if root is not None
        for name, field in root.fields.items()
        if role_of(field) is None
    ]
    roots = {root.name for root in ROOTS.values() if root is not None}
    nested_checks = [
        f"{type_.name}.{name}"
        for type_ in GRAPHQL.type_map.values()
        if isinstance(type_, GraphQLObjectType)
        and type_.name not in roots
        and not type_.name.startswith("__")
        for name, field in type_.fields.items()
        if "strawberry-definition" in (field.extensions or {})
        and field.extensions["strawberry-definition"].permission_classes
    ]

    assert unguarded == []
    # Role checks live on root fields only, so walking the roots covers the whole schema.
    assert nested_checks == []
    assert len(root_fields("query")) >= 12 and len(root_fields("mutation")) >= 8


@pytest.mark.parametrize(("operation", "name"), root_fields("query") + root_fields("mutation"))
async def test_root_field_refuses_every_role_below_its_own(
    client: httpx.AsyncClient, callers: dict[str, str | None], operation: str, name: str
) -> None:
    required = role_of(ROOTS[operation].fields[name])  # type: ignore[union-attr]
    assert required is not None
    text = operation_text(operation, name)

    for caller, key in callers.items():
        headers = {"authorization": f"Bearer {key}"} if key else {}
        response = await client.post("/graphql", json={"query": text}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        errors = body.get("errors") or []
        assert not [e for e in errors if "locations" in e and "path" not in e], (text, errors)
        codes = {(e.get("extensions") or {}).get("code") for e in errors if e.get("path") == [name]}
        if allowed(caller, required):
            assert not codes & DENIED, (caller, text, errors)
        else:
            assert codes & DENIED, (caller, text, body)
            assert (body.get("data") or {}).get(name) is None, (caller, text, body)


@pytest.mark.parametrize(("operation", "name"), root_fields("subscription"))
async def test_subscription_refuses_every_role_below_its_own(
    api_url: str, callers: dict[str, str | None], operation: str, name: str
) -> None:
    required = role_of(ROOTS[operation].fields[name])  # type: ignore[union-attr]
    assert required is not None
    text = operation_text(operation, name).replace('"walk"', '"demo"')

    for caller, key in callers.items():
        if not allowed(caller, required):
            # Refused when the connection opens: no subscription can even start.
            assert await close_code_after_init(api_url, key) == 4403, caller
            continue
        assert key is not None
        async with subscribed(api_url, key, text) as ws:
            try:
                message = await next_payload(ws, timeout_s=1.5)
            except TimeoutError:
                continue  # running, nothing to report yet
        errors = (
            message["payload"]
            if message["type"] == "error"
            else message["payload"].get("errors", [])
        )
        codes = {(e.get("extensions") or {}).get("code") for e in errors or []}
        assert not codes & DENIED, (caller, text, message)
