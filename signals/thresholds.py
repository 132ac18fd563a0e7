"""The thresholds every detector uses, their defaults, and per-site/per-template overrides.

Each signal stores the thresholds in force and their version, so a number seen in a report can
always be traced back to the rule that produced it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from signals.errors import InvalidThresholds

RULES_VERSION = "1"
"""Version of the detector rules and their defaults; bump when a rule or a default changes."""

DOWNLOAD_EXTENSIONS = (
    "pdf", "zip", "gz", "7z", "rar", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods",
    "csv", "ics", "vcf", "txt", "rtf", "xml", "json", "mp3", "mp4", "wav", "dmg", "exe", "msi",
    "apk", "epub",
)  # fmt: skip


@dataclass(frozen=True)
class Thresholds:
    """All detector thresholds. Times are in ms, distances in CSS px."""

    # Rage click: a burst of quick clicks close together.
    rage_min_clicks: int = 3
    rage_radius_px: float = 30.0
    rage_interval_ms: int = 1000
    rage_ignore_selectors: tuple[str, ...] = ()
    # A click whose page reacts within this time "visibly works" (steppers, pagers).
    click_response_ms: int = 1000
    # A selection change up to this long after a burst still belongs to it (triple-click select).
    selection_slack_ms: int = 500

    # Dead and slow click.
    dead_click_ms: int = 2500
    slow_click_ms: int = 7000
    instant_response_ms: int = 100
    dead_click_ignore_selectors: tuple[str, ...] = ()
    download_extensions: tuple[str, ...] = DOWNLOAD_EXTENSIONS

    # Error click.
    error_click_ms: int = 1000
    failed_request_status: int = 400

    # Thrashed cursor.
    thrash_window_ms: int = 225
    thrash_min_reversals: int = 5
    thrash_min_accel_px_s2: float = 20000.0
    thrash_min_step_px: float = 3.0
    thrash_merge_ms: int = 1000

    # Excessive scrolling.
    scroll_min_distance_ratio: float = 2.0
    scroll_min_reversals: int = 3
    scroll_reversal_min_px: float = 50.0
    scroll_idle_ms: int = 3000
    inner_container_height_px: float = 400.0
    default_viewport_height_px: float = 800.0

    # Session level.
    quick_back_dwell_ms: int = 7000
    page_loop_min_views: int = 3
    page_loop_window_ms: int = 15000

    # Form abandonment: focus this soon after load without a pointer press is autofocus.
    autofocus_grace_ms: int = 1000
    # Leaving this soon after typing is taken as Enter submitting the form (rrweb has no submit).
    enter_submit_ms: int = 1500
    form_ignore_selectors: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The values as JSON-able data (tuples become lists), as stored with each signal."""
        values = {f.name: getattr(self, f.name) for f in _fields()}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}

    @property
    def version(self) -> str:
        """RULES_VERSION, plus a short hash of the values when they differ from the defaults."""
        if self == DEFAULT_THRESHOLDS:
            return RULES_VERSION
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
        return f"{RULES_VERSION}+{digest}"


def _fields() -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(Thresholds)


DEFAULT_THRESHOLDS = Thresholds()

_FIELD_TYPES: dict[str, type] = {
    f.name: type(getattr(DEFAULT_THRESHOLDS, f.name)) for f in _fields()
}


def resolve_thresholds(
    site_overrides: Mapping[str, Any] | None = None,
    template_overrides: Mapping[str, Any] | None = None,
    base: Thresholds = DEFAULT_THRESHOLDS,
) -> Thresholds:
    """Apply site overrides, then page-template overrides, on top of `base`.

    Raises InvalidThresholds naming the first field that is unknown or has a bad value.
    """
    values: dict[str, Any] = {}
    for overrides in (site_overrides or {}, template_overrides or {}):
        if not isinstance(overrides, Mapping):
            raise InvalidThresholds("<overrides>", "must be a mapping of field names to values")
        for name, raw in overrides.items():
            values[name] = _checked(name, raw)

    merged = dataclasses.replace(base, **values)
    if merged.slow_click_ms <= merged.dead_click_ms:
        raise InvalidThresholds("slow_click_ms", "must be greater than dead_click_ms")
    return merged


def _checked(name: str, raw: Any) -> Any:
    expected = _FIELD_TYPES.get(name)
    if expected is None:
        raise InvalidThresholds(str(name), "unknown threshold")

    if expected is tuple:
        if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
            raise InvalidThresholds(name, "must be a list of strings")
        if not all(isinstance(item, str) and item.strip() for item in raw):
            raise InvalidThresholds(name, "must be a list of non-empty strings")
        return tuple(item.strip() for item in raw)

    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise InvalidThresholds(name, f"must be a number, got {type(raw).__name__}")
    if expected is int and not float(raw).is_integer():
        raise InvalidThresholds(name, "must be a whole number")
    if raw < 0:
        raise InvalidThresholds(name, "must not be negative")
    if name.endswith(("_min_clicks", "_min_views")) and raw < 2:
        raise InvalidThresholds(name, "must be at least 2")
    return int(raw) if expected is int else float(raw)
