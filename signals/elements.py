"""What a clicked element is: something pressable, a text field, a link that acts elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ingest.model import Target

TEXT_INPUT_TYPES = frozenset(
    {"", "text", "search", "email", "tel", "url", "password", "number", "date", "datetime-local",
     "month", "week", "time"}
)  # fmt: skip
PRESS_INPUT_TYPES = frozenset({"submit", "button", "image", "reset"})
# Inputs whose click opens the browser's own picker: its effect is outside the DOM.
NATIVE_PICKER_TYPES = frozenset(
    {"file", "date", "datetime-local", "month", "week", "time", "color"}
)
# Schemes whose link hands over to another program: nothing changes on the page.
EXTERNAL_SCHEMES = ("mailto:", "tel:", "sms:", "callto:", "facetime:", "geo:", "webcal:")
SAME_WINDOW_TARGETS = frozenset({"", "_self", "_parent", "_top"})

_COMPOUND = re.compile(
    r"""(?P<tag>^[A-Za-z][A-Za-z0-9-]*|^\*)
      |\#(?P<id>[A-Za-z0-9_-]+)
      |\.(?P<cls>[A-Za-z0-9_-]+)
      |\[\s*(?P<attr>[A-Za-z_:][-A-Za-z0-9_:.]*)\s*
         (?:(?P<op>[~^$*|]?=)\s*(?P<quote>["']?)(?P<value>.*?)(?P=quote)\s*)?\]""",
    re.VERBOSE,
)


def _elements(target: Target | None) -> list[tuple[str, Mapping[str, str]]]:
    """The clicked element and its nearest interactive ancestor-or-self, as (tag, attrs)."""
    if not target:
        return []
    found: list[tuple[str, Mapping[str, str]]] = [
        (str(target.get("tag", "")).lower(), target.get("attrs") or {})
    ]
    interactive = target.get("interactive")
    if interactive:
        found.append((str(interactive.get("tag", "")).lower(), interactive.get("attrs") or {}))
    return found


def pressable(target: Target | None) -> bool:
    """A button, link, role=button or submit-like input: a click on it should visibly do something.

    Labels, selects, checkboxes and summaries act natively (focus, open a list, tick) and are left
    out.
    """
    if not target or not target.get("interactive"):
        return False
    interactive = target["interactive"] or {"tag": "", "attrs": {}}
    tag = str(interactive.get("tag", "")).lower()
    attrs = interactive.get("attrs") or {}
    if attrs.get("role", "").lower() == "button" or tag in ("button", "a"):
        return True
    return tag == "input" and attrs.get("type", "").lower() in PRESS_INPUT_TYPES


def is_text_field(target: Target | None) -> bool:
    """A textarea, a text-like input or an editable element: clicks there place the caret."""
    for tag, attrs in _elements(target)[:1]:
        if tag == "textarea":
            return True
        if tag == "input" and attrs.get("type", "").lower() in TEXT_INPUT_TYPES:
            return True
        if attrs.get("contenteditable", "false").lower() in ("", "true", "plaintext-only"):
            return True
    return False


def acts_elsewhere(target: Target | None, download_extensions: Iterable[str]) -> str | None:
    """Why a click on this element legitimately leaves the page unchanged, or None.

    Reasons: `new_window` (target=_blank or a named target), `download` (download attribute or a
    link to a file type), `external_app` (mailto:, tel:, …).
    """
    extensions = tuple(f".{ext.lower().lstrip('.')}" for ext in download_extensions)
    for _tag, attrs in _elements(target):
        if attrs.get("target", "").lower() not in SAME_WINDOW_TARGETS:
            return "new_window"
        if "download" in attrs:
            return "download"
        href = attrs.get("href", "").strip().lower()
        if href.startswith(EXTERNAL_SCHEMES):
            return "external_app"
        path = href.split("#", 1)[0].split("?", 1)[0]
        if extensions and path.endswith(extensions):
            return "download"
    return None


def opens_native_ui(target: Target | None) -> bool:
    """A select or a picker input (file, date, colour…): the browser answers outside the page."""
    for tag, attrs in _elements(target):
        if tag in ("select", "option", "datalist"):
            return True
        if tag == "input" and attrs.get("type", "").lower() in NATIVE_PICKER_TYPES:
            return True
    return False


def matches_any(target: Target | None, selectors: Iterable[str]) -> bool:
    """Whether the element or its interactive ancestor matches one of `selectors`.

    Supported: compound selectors (`button.plus`, `#next`, `[aria-label="increase"]`,
    `a[href$=".pdf"]`) and exact equality with the target's recorded selector.
    """
    if not target:
        return False
    recorded = str(target.get("selector", ""))
    elements = _elements(target)
    for raw in selectors:
        for selector in (part.strip() for part in raw.split(",")):
            if not selector:
                continue
            if selector == recorded:
                return True
            # Selectors with combinators need the ancestors, which a target does not carry.
            if any(_compound_matches(selector, tag, attrs) for tag, attrs in elements):
                return True
    return False


def _compound_matches(selector: str, tag: str, attrs: Mapping[str, str]) -> bool:
    position = 0
    while position < len(selector):
        match = _COMPOUND.match(selector, position)
        if match is None or match.end() == position:
            return False
        if not _part_matches(match.groupdict(), tag, attrs):
            return False
        position = match.end()
    return True


def _part_matches(part: dict[str, Any], tag: str, attrs: Mapping[str, str]) -> bool:
    if part["tag"]:
        return part["tag"] == "*" or part["tag"].lower() == tag
    if part["id"]:
        return attrs.get("id") == part["id"]
    if part["cls"]:
        return part["cls"] in attrs.get("class", "").split()

    name = part["attr"]
    if name not in attrs:
        return False
    op, wanted, actual = part["op"], part["value"] or "", attrs[name]
    if op is None:
        return True
    checks = {
        "=": actual == wanted,
        "~=": wanted in actual.split(),
        "^=": bool(wanted) and actual.startswith(wanted),
        "$=": bool(wanted) and actual.endswith(wanted),
        "*=": bool(wanted) and wanted in actual,
        "|=": actual == wanted or actual.startswith(f"{wanted}-"),
    }
    return checks[op]
