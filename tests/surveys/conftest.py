"""A fresh site per test, so surveys, caps and results of one test never meet another's."""

from __future__ import annotations

import uuid

import pytest

from api.auth import create_site
from api.resources import Resources
from tests.surveys.public import DEPARTMENTS, ORIGIN, Site


@pytest.fixture
async def site(resources: Resources, keys: dict[str, str], api_url: str) -> Site:
    site = Site(id="sv-test-" + uuid.uuid4().hex[:8], key="sk-" + uuid.uuid4().hex)
    await create_site(resources.store, site.id, "Survey test", site.key, [ORIGIN], DEPARTMENTS)
    return site
