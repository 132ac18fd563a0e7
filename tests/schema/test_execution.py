"""The leaf shortcut of schema/execution.py answers exactly as graphql-core's own execution:
the same data, the same errors at the same paths."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.auth import KeyCache
from api.resources import Resources
from api.settings import Settings
from schema.app import build_schema
from schema.context import Context
from schema.execution import LeafShortcutExecutionContext
from tests.schema.test_dashboard_reads import DAY1, DAY2, DETAIL, PAGES, RANGE, SESSIONS, SHORTLIST
from tests.schema.test_dashboard_reads import site as site  # noqa: F401 - the seeded site
from workers.aggregate import DASHBOARD, recompute_day


async def both(
    settings: Settings, key: str, resources: Resources, query: str, variables: dict[str, Any]
) -> tuple[Any, Any]:
    """(data, errors) of one query with the shortcut and without it."""
    found = []
    for context_class in (LeafShortcutExecutionContext, StrawberryGraphQLCoreExecutionContext):
        schema = build_schema(settings)
        schema.execution_context_class = context_class
        context = Context(
            store=resources.store,
            settings=settings,
            authorization=f"Bearer {key}",
            key_cache=KeyCache(),
        )
        result = await schema.execute(query, variable_values=variables, context_value=context)
        errors = [e.formatted for e in result.errors or []]
        found.append((result.data, errors))
    return found[0], found[1]


async def test_dashboard_queries_answer_the_same_with_and_without_the_shortcut(
    settings: Settings,
    resources: Resources,
    keys: dict[str, str],
    site: str,  # noqa: F811
) -> None:
    key = keys["analyst"]
    one = {"from": DAY1, "to": DAY1}
    queries = [
        (SESSIONS, {"site": site, "order": "HIGHEST_SCORE", "filter": {}}),
        (SESSIONS, {"site": site, "order": "NEWEST", "filter": {"range": RANGE}}),
        (PAGES, {"site": site, "r": RANGE}),
        (DETAIL, {"site": site, "r": RANGE, "one": one}),
        (SHORTLIST, {"site": site, "r": RANGE}),
    ]
    try:
        for stage in ("stored documents", "dashboard documents"):
            for query, variables in queries:
                shortcut, plain = await both(settings, key, resources, query, variables)

                assert shortcut == plain, stage
                assert plain[1] == [] and plain[0] is not None
                if query is SESSIONS:
                    sessions = shortcut[0]["sessions"]
            for day in (DAY1, DAY2):
                await recompute_day(resources, site, day)
        # Leaves of every kind were answered: strings, floats, booleans, enums' names, times.
        node = sessions["edges"][0]["node"]
        assert isinstance(node["score"], float) and isinstance(node["hasResponse"], bool)
        assert node["signals"] and isinstance(node["signals"][0]["kind"], str)
    finally:
        await resources.store.db[DASHBOARD].delete_many({"site_id": site})


class Colour(Enum):
    RED = "red"


@strawberry.type
class Item:
    name: str
    rank: int | None
    colour: Colour


@strawberry.type
class Query:
    @strawberry.field
    def items(self, case: str) -> list[Item | None]:
        cases: dict[str, Any] = {
            "fine": Item(name="a", rank=None, colour=Colour.RED),
            "null for a non-null string": Item(name=None, rank=1, colour=Colour.RED),  # type: ignore[arg-type]
            "an Int past 32 bits": Item(name="b", rank=2**40, colour=Colour.RED),
            "not a member of the enum": Item(name="c", rank=3, colour="blue"),  # type: ignore[arg-type]
            "not a string": Item(name=object(), rank=4, colour=Colour.RED),  # type: ignore[arg-type]
        }
        return [cases["fine"], cases[case]]


async def test_values_that_are_errors_are_reported_as_graphql_core_reports_them() -> None:
    query = "query($case: String!) { items(case: $case) { name rank colour } }"
    cases = ["fine", "null for a non-null string", "an Int past 32 bits",
             "not a member of the enum", "not a string"]  # fmt: skip
    for case in cases:
        found = []
        for context_class in (LeafShortcutExecutionContext, StrawberryGraphQLCoreExecutionContext):
            schema = strawberry.Schema(Query, execution_context_class=context_class)
            result = await schema.execute(query, variable_values={"case": case})
            found.append((result.data, [e.formatted for e in result.errors or []]))

        assert found[0] == found[1], case
        data, errors = found[0]
        assert data is not None and data["items"][0] == {"name": "a", "rank": None, "colour": "RED"}
        if case == "fine":
            assert errors == []
        else:
            # The nullable rank is nulled, else the whole (nullable) item; the error names the
            # field's path.
            assert data["items"][1] in (None, {"name": "b", "rank": None, "colour": "RED"}), case
            assert len(errors) == 1 and errors[0]["path"][:2] == ["items", 1], case
