"""The attribute rule: which analyzer each HTML attribute gets, shared by DOM and event targets."""

from __future__ import annotations

import re
from typing import Any

from anonymizer.audit import Audit
from anonymizer.slots import Slots
from anonymizer.urls import UrlRedactor

TEXT_ATTRS = frozenset(
    {
        "title",
        "alt",
        "placeholder",
        "aria-label",
        "aria-description",
        "aria-valuetext",
        "aria-placeholder",
        "aria-roledescription",
        "label",
        "summary",
        "content",
        "srcdoc",
        "download",
    }
)
URL_ATTRS = frozenset(
    {"href", "src", "action", "formaction", "poster", "cite", "data", "background", "xlink:href"}
)
IDENT_ATTRS = frozenset({"id", "name", "for"})
DROPPED_ATTRS = frozenset({"rr_dataurl"})
INPUT_TAGS = frozenset({"input", "textarea", "select"})
CSS_DATA_URL_RE = re.compile(r"url\(\s*(['\"]?)data:[^)'\"]*\1\s*\)", re.IGNORECASE)


def strip_css_data_urls(css: str, audit: Audit, field_kind: str) -> str:
    """Replace `url(data:...)` in CSS with an empty data URL."""
    css, n = CSS_DATA_URL_RE.subn("url(data:,)", css)
    if n:
        audit.count("DATA_URL", field_kind, "url_rule", "drop", n)
    return css


def redact_attr(
    tag: str,
    name: str,
    value: Any,
    out: dict[str, Any],
    slots: Slots,
    urls: UrlRedactor,
    audit: Audit,
    field_kind: str,
) -> None:
    """Put the redacted attribute into `out` (now, or later through `slots`).

    `value` on form fields is not handled here: the caller applies the input rule.
    """
    key = name.lower()
    if key in DROPPED_ATTRS:
        audit.count("CANVAS", field_kind, "attribute_rule", "drop")
        return
    if not isinstance(value, str) or not value:
        out[name] = value
        return
    if key in URL_ATTRS:
        out[name] = urls.redact(value, audit)
    elif key == "srcset":
        out[name] = ", ".join(
            " ".join([urls.redact(part.split()[0], audit), *part.split()[1:]])
            for part in value.split(",")
            if part.split()
        )
    elif key == "style":
        out[name] = strip_css_data_urls(value, audit, field_kind)
    elif key in TEXT_ATTRS or key.startswith("data-") or (key == "value" and tag not in INPUT_TAGS):
        out[name] = value
        slots.add(out, name, value, "text")
    elif key in IDENT_ATTRS or any(c.isdigit() or c == "@" for c in value):
        out[name] = value
        slots.add(out, name, value, "selector")
    else:
        out[name] = value
