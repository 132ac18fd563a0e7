"""Thresholds: defaults, per-site and per-template overrides, validation, version."""

from __future__ import annotations

import json

import pytest

from signals.errors import InvalidThresholds
from signals.thresholds import DEFAULT_THRESHOLDS, RULES_VERSION, resolve_thresholds


def test_defaults_are_the_documented_rules() -> None:
    t = DEFAULT_THRESHOLDS

    assert (t.rage_min_clicks, t.rage_radius_px, t.rage_interval_ms) == (3, 30.0, 1000)
    assert (t.dead_click_ms, t.slow_click_ms, t.instant_response_ms) == (2500, 7000, 100)
    assert t.error_click_ms == 1000
    assert (t.thrash_window_ms, t.thrash_min_reversals, t.thrash_merge_ms) == (225, 5, 1000)
    assert (t.scroll_min_distance_ratio, t.scroll_min_reversals) == (2.0, 3)
    assert (t.quick_back_dwell_ms, t.page_loop_min_views, t.page_loop_window_ms) == (7000, 3, 15000)
    assert t.version == RULES_VERSION


def test_template_overrides_win_over_site_overrides() -> None:
    merged = resolve_thresholds(
        {"rage_min_clicks": 4, "dead_click_ms": 3000}, {"rage_min_clicks": 5}
    )

    assert (merged.rage_min_clicks, merged.dead_click_ms) == (5, 3000)
    assert merged.rage_interval_ms == DEFAULT_THRESHOLDS.rage_interval_ms


def test_ints_given_for_float_fields_and_lists_for_selector_fields_are_accepted() -> None:
    merged = resolve_thresholds({"rage_radius_px": 40, "rage_ignore_selectors": [" .pager a "]})

    assert merged.rage_radius_px == 40.0
    assert merged.rage_ignore_selectors == (".pager a",)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rage_clicks_min": 3}, "rage_clicks_min"),
        ({"dead_click_ms": "2500"}, "dead_click_ms"),
        ({"dead_click_ms": True}, "dead_click_ms"),
        ({"rage_min_clicks": 2.5}, "rage_min_clicks"),
        ({"rage_radius_px": -1}, "rage_radius_px"),
        ({"page_loop_min_views": 1}, "page_loop_min_views"),
        ({"rage_ignore_selectors": "button"}, "rage_ignore_selectors"),
        ({"rage_ignore_selectors": ["ok", ""]}, "rage_ignore_selectors"),
        ({"slow_click_ms": 2000}, "slow_click_ms"),
    ],
)
def test_a_bad_override_raises_an_error_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidThresholds) as raised:
        resolve_thresholds(overrides)

    assert raised.value.field == field
    assert field in str(raised.value)


def test_the_version_of_overridden_values_is_stable_and_distinct() -> None:
    first = resolve_thresholds({"dead_click_ms": 3000})
    again = resolve_thresholds(template_overrides={"dead_click_ms": 3000})
    other = resolve_thresholds({"dead_click_ms": 3100})

    assert first.version == again.version
    assert first.version.startswith(f"{RULES_VERSION}+")
    assert first.version != other.version


def test_to_dict_is_json_data() -> None:
    values = json.loads(json.dumps(DEFAULT_THRESHOLDS.to_dict()))

    assert values["rage_ignore_selectors"] == []
    assert values["dead_click_ms"] == 2500
