"""Fixtures: one shared redactor (the network guard is installed by tests/conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from anonymizer import Redactor, SitePolicy


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    """The default redactor, built once, under the network guard."""
    from anonymizer import Redactor

    return Redactor()


@pytest.fixture(scope="session")
def site() -> SitePolicy:
    """A site that allow-lists a few fields for analysis."""
    from anonymizer import SitePolicy

    return SitePolicy(
        site="city.example.gov",
        analyze_input_fields=frozenset({"ssn", "dob", "search", "comments", "password"}),
    )
