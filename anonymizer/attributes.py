"""The attribute rule: which analyzer each HTML attribute gets, shared by DOM and event targets."""

from __future__ import annotations

import re
from typing import Any

from anonymizer.audit import Audit
from anonymizer.css import redact_css
from anonymizer.slots import Slots
from anonymizer.text import TextRedactor

# Words shown to people (descriptions, labels, tooltips): the label-text analysis.
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
        "download",
        "name",
    }
)
URL_ATTRS = frozenset(
    {"href", "src", "action", "formaction", "poster", "cite", "data", "background", "xlink:href"}
)
IDENT_ATTRS = frozenset({"id", "for", "class"})
# `rr_dataurl` is a canvas drawing; `srcdoc` is a whole HTML document that rrweb records anyway
# as the frame's own nodes, where each part gets its own rule.
DROPPED_ATTRS = {"rr_dataurl": "CANVAS", "srcdoc": "HTML_DOCUMENT"}
INPUT_TAGS = frozenset({"input", "textarea", "select"})
# Browsers ignore leading spaces and control characters and the scheme's case.
SCRIPT_URL_RE = re.compile(r"^[\x00-\x20]*(?:javascript|vbscript)\s*:", re.IGNORECASE)
# A whole identifier value that is one email address, SSN or phone number.
WHOLE_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WHOLE_SSN_RE = re.compile(r"\d{3}([- .])\d{2}\1\d{4}")
# 10 to 15 digits with phone punctuation ("(555) 010-4477", "+44 20 7946 0958").
WHOLE_PHONE_RE = re.compile(r"\+?[\d(][\d\s().-]{8,}\d")


def whole_value_entity(value: str) -> str | None:
    """The label of an identifier that is entirely an email, SSN or (punctuated) phone number."""
    value = value.strip()
    if WHOLE_EMAIL_RE.fullmatch(value):
        return "EMAIL_ADDRESS"
    if WHOLE_SSN_RE.fullmatch(value):
        return "US_SSN"
    # Bare digit runs are left to the recognizers: ids and timestamps look the same.
    digits = sum(c.isdigit() for c in value)
    if WHOLE_PHONE_RE.fullmatch(value) and not value.isdigit() and 10 <= digits <= 15:
        return "PHONE_NUMBER"
    return None


def lower_case_names(value: str, texts: TextRedactor, audit: Audit, field_kind: str) -> str:
    """`value` with names written in lower case ("photo of maria lopez") replaced by `<PERSON>`.

    The text rule's model and cues find names in title case; label text is short and often
    typed by site editors in lower case, so the lower-case name finder of survey text runs first
    (its PERSON findings only: places stay, as in all page text).
    """
    if not any(c.islower() for c in value):
        return value
    found = [r for r in texts.lower_names.analyze(value, {}) if r.entity_type == "PERSON"]
    for result in sorted(found, key=lambda r: r.start, reverse=True):
        value = value[: result.start] + "<PERSON>" + value[result.end :]
        audit.count("PERSON", field_kind, "LowerCaseNameRecognizer", "replace")
    return value


def redact_attr(
    tag: str,
    name: str,
    value: Any,
    out: dict[str, Any],
    slots: Slots,
    texts: TextRedactor,
    audit: Audit,
    field_kind: str,
) -> None:
    """Put the redacted attribute into `out` (now, or later through `slots`).

    `value` on form fields is not handled here: the caller applies the input rule.
    """
    key = name.lower()
    if key in DROPPED_ATTRS:
        audit.count(DROPPED_ATTRS[key], field_kind, "attribute_rule", "drop")
        return
    if key.startswith("on") and len(key) > 2:
        # Event handlers are script: `onclick="login('jane@x.org','hunter2')"`.
        audit.count("SCRIPT", field_kind, "attribute_rule", "drop")
        return
    if not isinstance(value, str) or not value:
        _not_text(key, name, value, out, texts, audit, field_kind)
        return
    if key in URL_ATTRS and SCRIPT_URL_RE.match(value):
        # `javascript:` is script like an `on*` handler: `href="javascript:login('a','pw')"`.
        out[name] = "javascript:"
        audit.count("SCRIPT", field_kind, "attribute_rule", "drop")
    elif key in URL_ATTRS:
        out[name] = texts.urls.redact(value, audit)
    elif key == "srcset":
        out[name] = ", ".join(
            " ".join([texts.urls.redact(part.split()[0], audit), *part.split()[1:]])
            for part in value.split(",")
            if part.split()
        )
    elif key == "style":
        out[name] = redact_css(value, texts, audit, field_kind)
    elif key in TEXT_ATTRS or key.startswith("data-") or (key == "value" and tag not in INPUT_TAGS):
        label_text(out, name, value, slots, texts, audit, field_kind)
    elif entity := whole_value_entity(value):
        out[name] = f"<{entity}>"
        audit.count(entity, field_kind, "attribute_rule", "replace")
    elif key in IDENT_ATTRS or any(c.isdigit() or c == "@" for c in value):
        out[name] = value
        slots.add(out, name, value, "selector")
    else:
        out[name] = value


def _not_text(
    key: str,
    name: str,
    value: Any,
    out: dict[str, Any],
    texts: TextRedactor,
    audit: Audit,
    field_kind: str,
) -> None:
    """An attribute value that is no text: an object-form style, a scalar, or dropped."""
    if key == "style" and isinstance(value, dict):
        # rrweb records a style attribute's changes as {property: value or [value, priority]}.
        out[name] = {
            prop: _style_value(part, texts, audit, field_kind) for prop, part in value.items()
        }
    elif isinstance(value, dict | list):
        # No attribute value has this shape in rrweb's records: nothing to check it by.
        audit.count("UNKNOWN_VALUE", field_kind, "attribute_rule", "drop")
    else:
        out[name] = value


def _style_value(part: Any, texts: TextRedactor, audit: Audit, field_kind: str) -> Any:
    """One property of an object-form style: its value through the CSS rule, its priority kept."""
    if isinstance(part, str):
        return redact_css(part, texts, audit, field_kind)
    if isinstance(part, list) and part and isinstance(part[0], str):
        return [redact_css(part[0], texts, audit, field_kind), *part[1:2]]
    return part if part is False or part is None else None


def label_text(
    out: dict[str, Any],
    key: Any,
    value: str,
    slots: Slots,
    texts: TextRedactor,
    audit: Audit,
    field_kind: str,
) -> None:
    """Label text (attributes shown to people, custom event tags): lower-case names, then the
    text rule."""
    value = lower_case_names(value, texts, audit, field_kind)
    out[key] = value
    slots.add(out, key, value, "text")
