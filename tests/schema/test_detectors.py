"""Detector thresholds over HTTP: site and template overrides, checked the way the worker uses."""

from __future__ import annotations

import httpx

from api.resources import Resources
from signals.thresholds import DEFAULT_THRESHOLDS, RULES_VERSION, resolve_thresholds
from tests.helpers import graphql
from tests.schema.seed import new_site

SET = """
mutation Set($site: String!, $overrides: JSON!, $template: String) {
  setDetectorThresholds(siteId: $site, overrides: $overrides, template: $template) {
    version siteOverrides
    templates { template overrides version effective }
  }
}
"""
READ = """
query Read($site: String!) {
  detectorSettings(siteId: $site) {
    rulesVersion defaults siteOverrides effective version
    templates { template overrides effective version }
  }
}
"""


async def test_site_and_template_overrides_apply_in_order_and_are_readable_by_analysts(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)

    await graphql(
        client, keys["admin"], SET, {"site": site_id, "overrides": {"rage_min_clicks": 4}}
    )
    await graphql(
        client,
        keys["admin"],
        SET,
        {"site": site_id, "template": "/water/pay", "overrides": {"dead_click_ms": 4000.0}},
    )
    result = await graphql(client, keys["analyst"], READ, {"site": site_id})

    settings = result["data"]["detectorSettings"]
    site_level = resolve_thresholds({"rage_min_clicks": 4})
    page_level = resolve_thresholds({"rage_min_clicks": 4}, {"dead_click_ms": 4000})
    assert settings["rulesVersion"] == RULES_VERSION
    assert settings["defaults"] == DEFAULT_THRESHOLDS.to_dict()
    assert settings["siteOverrides"] == {"rage_min_clicks": 4}
    assert settings["effective"] == site_level.to_dict()
    assert settings["version"] == site_level.version != RULES_VERSION
    [template] = settings["templates"]
    # Stored as checked values: 4000.0 becomes the whole number the detector expects.
    assert template["overrides"] == {"dead_click_ms": 4000}
    assert template["effective"]["rage_min_clicks"] == 4
    assert template["effective"]["dead_click_ms"] == 4000
    assert template["version"] == page_level.version


async def test_unknown_or_inconsistent_thresholds_are_refused_naming_only_known_ones(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)
    await graphql(
        client,
        keys["admin"],
        SET,
        {"site": site_id, "template": "/apply", "overrides": {"slow_click_ms": 5000}},
    )

    unknown = await graphql(
        client, keys["admin"], SET, {"site": site_id, "overrides": {"jane_roe_example_com": 3}}
    )
    negative = await graphql(
        client, keys["admin"], SET, {"site": site_id, "overrides": {"rage_radius_px": -1}}
    )
    # Fine for the site alone, but the /apply page's slow click (5000) would not exceed it.
    crossing = await graphql(
        client, keys["admin"], SET, {"site": site_id, "overrides": {"dead_click_ms": 6000}}
    )

    # An unknown name is the client's input: not quoted back.
    assert unknown["errors"][0]["message"] == (
        "an unknown threshold name; detectorSettings.defaults lists the names"
    )
    assert negative["errors"][0]["message"] == "threshold rage_radius_px: must not be negative"
    assert crossing["errors"][0]["message"] == (
        "threshold slow_click_ms: must be greater than dead_click_ms"
    )
    stored = await resources.store.db["detector_settings"].find({"site_id": site_id}).to_list(None)
    assert [d["template"] for d in stored] == ["/apply"]


async def test_empty_overrides_remove_them(
    client: httpx.AsyncClient, resources: Resources, keys: dict[str, str]
) -> None:
    site_id = await new_site(resources.store)
    await graphql(
        client, keys["admin"], SET, {"site": site_id, "overrides": {"rage_min_clicks": 5}}
    )

    result = await graphql(client, keys["admin"], SET, {"site": site_id, "overrides": {}})

    assert result["data"]["setDetectorThresholds"]["version"] == RULES_VERSION
    assert result["data"]["setDetectorThresholds"]["siteOverrides"] == {}
    assert await resources.store.db["detector_settings"].count_documents({"site_id": site_id}) == 0


async def test_thresholds_for_a_missing_site_are_not_found(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    result = await graphql(
        client, keys["admin"], SET, {"site": "no-such-site", "overrides": {"rage_min_clicks": 4}}
    )

    assert result["errors"][0]["extensions"] == {"code": "not_found", "field": "siteId"}
