"""The committed SDL matches the schema the code builds."""

from __future__ import annotations

from schema.export import SDL_PATH, current_sdl, main


def test_committed_schema_graphql_matches_the_code() -> None:
    committed = SDL_PATH.read_text()

    assert committed == current_sdl(), "schema/schema.graphql is stale: run python -m schema.export"


def test_export_check_exits_zero_when_current() -> None:
    assert main(["--check"]) == 0
