"""Stuckpoint's native event format → analytics events.

A native event is a flat JSON object with a `type` (an analytics kind, or `pageview` for `load`),
`ts` in epoch ms and the fields of that kind; the tracker describes targets itself because it has
no DOM mirror on the server. The JSON Schema is `schema/native-batch.schema.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.cut import cut_raw, cut_redacted
from ingest.dom import is_interactive
from ingest.model import Event, Interactive, Target

TEXT_LIMIT = 200
ATTR_VALUE_LIMIT = 200
ATTRS_LIMIT = 30
MESSAGE_LIMIT = 500
CUSTOM_TAG_LIMIT = 100
# Epoch ms beyond year 5000 are garbage, and would overflow 64-bit integers downstream.
MAX_TIMESTAMP_MS = 100_000_000_000_000


@dataclass(frozen=True)
class TextLimits:
    """Characters kept of each free-text field of a native event."""

    text_chars: int = TEXT_LIMIT  # target text and selector
    attr_chars: int = ATTR_VALUE_LIMIT
    message_chars: int = MESSAGE_LIMIT  # error message and source
    tag_chars: int = CUSTOM_TAG_LIMIT


STORED = TextLimits()
"""What an analytics event keeps: ``to_events`` cuts to it, or ``cut_stored`` after redaction."""

ALIASES = {"pageview": "load"}
NATIVE_TYPES = frozenset(
    {
        "pageview",
        "load",
        "mutation",
        "move",
        "touchmove",
        "click",
        "dblclick",
        "mousedown",
        "mouseup",
        "contextmenu",
        "touchstart",
        "touchend",
        "focus",
        "blur",
        "scroll",
        "resize",
        "input",
        "selection",
        "visibility",
        "error",
        "request",
        "navigation",
        "submit",
        "custom",
    }
)
# Field → the JSON types it may have (bool is checked apart: it is not a number here).
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "x": (int, float),
    "y": (int, float),
    "width": (int, float),
    "height": (int, float),
    "length": (int,),
    "status": (int,),
    "url": (str,),
    "method": (str,),
    "message": (str,),
    "source": (str,),
    "tag": (str,),
    "value": (str,),
    "masked": (bool,),
    "visible": (bool,),
    "checked": (bool,),
    "target": (dict,),
}
_REQUIRED = {
    "pageview": ("url",),
    "load": ("url",),
    "navigation": ("url",),
    "visibility": ("visible",),
    "request": ("url", "status"),
    "error": ("message",),
    "custom": ("tag",),
}


def validate_event(event: Any) -> tuple[str, str] | None:
    """Return (field, reason) for the first problem of a native event, or None when valid."""
    if not isinstance(event, dict):
        return ("event", "not an object")
    kind = event.get("type")
    if not isinstance(kind, str) or kind not in NATIVE_TYPES:
        return ("type", "unknown or missing type")
    if not _is_number(event.get("ts")):
        return ("ts", "missing or not a number")
    if not 0 <= event["ts"] < MAX_TIMESTAMP_MS:
        return ("ts", "out of range")
    for field in _REQUIRED.get(kind, ()):
        if event.get(field) is None:
            return (field, "required for this type")
    return _field_problem(event) or _target_problem(event.get("target"))


def _field_problem(event: dict[str, Any]) -> tuple[str, str] | None:
    for field, types in _FIELD_TYPES.items():
        value = event.get(field)
        if value is None:
            continue
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            return (field, "wrong type")
    return None


def _target_problem(target: Any) -> tuple[str, str] | None:
    if not isinstance(target, dict):
        return None
    for key in ("selector", "text", "tag"):
        if key in target and not isinstance(target[key], str):
            return (f"target.{key}", "wrong type")
    if "attrs" in target and not isinstance(target["attrs"], dict):
        return ("target.attrs", "wrong type")
    return None


def to_events(native_events: list[dict[str, Any]], limits: TextLimits = STORED) -> list[Event]:
    """Map valid native events (see `validate_event`) to analytics events, one each.

    Free text is cut to ``limits`` with ``cut_raw``, which drops the token a cut falls in. The
    worker passes the redactor's own caps here and cuts to ``STORED`` after redaction
    (``cut_stored``), so a detail is replaced whole before any cut.
    """
    out: list[Event] = []
    for index, raw in enumerate(native_events):
        kind = ALIASES.get(raw["type"], raw["type"])
        event: Event = {
            "ts": int(raw["ts"]),
            "kind": kind,
            "node": None,
            "target": _target(raw.get("target"), limits),
            "x": _num(raw.get("x")) if kind != "scroll" else None,
            "y": _num(raw.get("y")) if kind != "scroll" else None,
            "data": _data(kind, raw, limits),
            "flags": [],
            "source_index": index,
        }
        out.append(event)
    return out


def cut_stored(event: dict[str, Any], limits: TextLimits = STORED) -> dict[str, Any]:
    """A copy of a redacted native analytics event with its free text cut to ``limits``."""
    out = dict(event)
    target = event.get("target")
    if isinstance(target, dict):
        out["target"] = _cut_fields(target, ("text", "selector"), limits.text_chars)
        out["target"]["attrs"] = _cut_fields(target.get("attrs"), None, limits.attr_chars)
        if isinstance(target.get("interactive"), dict):
            inner = dict(target["interactive"])
            inner["attrs"] = _cut_fields(inner.get("attrs"), None, limits.attr_chars)
            out["target"]["interactive"] = inner

    data = event.get("data")
    if isinstance(data, dict) and event.get("kind") == "error":
        out["data"] = _cut_fields(data, ("message", "source"), limits.message_chars)
    elif isinstance(data, dict) and event.get("kind") == "custom":
        out["data"] = _cut_fields(data, ("tag",), limits.tag_chars)
    return out


def _cut_fields(fields: Any, keys: tuple[str, ...] | None, limit: int) -> dict[str, Any]:
    """A copy of ``fields`` with the string values of ``keys`` (None: all) cut to ``limit``."""
    if not isinstance(fields, dict):
        return {}
    return {
        k: cut_redacted(v, limit) if isinstance(v, str) and (keys is None or k in keys) else v
        for k, v in fields.items()
    }


def _data(kind: str, raw: dict[str, Any], limits: TextLimits) -> dict[str, Any]:
    if kind == "load":
        return {
            "url": raw["url"],
            "width": _num(raw.get("width")),
            "height": _num(raw.get("height")),
        }
    if kind == "navigation":
        return {"url": raw["url"]}
    if kind == "scroll":
        return {"x": _num(raw.get("x")), "y": _num(raw.get("y")), "document": not raw.get("target")}
    if kind == "resize":
        return {"width": _num(raw.get("width")), "height": _num(raw.get("height"))}
    if kind == "input":
        return _input_data(raw)
    if kind == "visibility":
        return {"visible": raw["visible"]}
    if kind == "error":
        error = {"message": cut_raw(raw["message"], limits.message_chars)}
        if isinstance(raw.get("source"), str):
            error["source"] = cut_raw(raw["source"], limits.message_chars)
        return error
    if kind == "request":
        method = raw.get("method")
        return {"url": raw["url"], "status": raw["status"], "method": method and method.upper()}
    if kind == "custom":
        return {"tag": cut_raw(raw["tag"], limits.tag_chars)}
    if kind == "mutation":
        count = raw.get("count")
        return {"nodes": [], "count": count if isinstance(count, int) else 1}
    return {}


def _input_data(raw: dict[str, Any]) -> dict[str, Any]:
    # The value itself stays in the raw event: the anonymizer decides whether any of it is kept.
    value = raw.get("value") if isinstance(raw.get("value"), str) else None
    length = raw.get("length")
    if not isinstance(length, int) or isinstance(length, bool):
        length = len(value) if value is not None else 0
    masked = raw.get("masked")
    if not isinstance(masked, bool):
        masked = value is None or (bool(value) and set(value) == {"*"})
    data: dict[str, Any] = {"masked": masked, "length": length}
    if isinstance(raw.get("checked"), bool):
        data["checked"] = raw["checked"]
    return data


def _target(raw: Any, limits: TextLimits) -> Target | None:
    if not isinstance(raw, dict):
        return None
    # Whitespace is collapsed on a bounded piece: the text may be as long as the event.
    text = " ".join(_short(raw.get("text"), limits.text_chars * 4).split())
    target: Target = {
        "tag": _short(raw.get("tag")).lower(),
        "selector": _short(raw.get("selector"), limits.text_chars),
        "text": cut_raw(text, limits.text_chars),
        "attrs": _attrs(raw.get("attrs"), limits.attr_chars),
        "interactive": None,
    }
    interactive = raw.get("interactive")
    if isinstance(interactive, dict):
        found: Interactive = {
            "tag": _short(interactive.get("tag")).lower(),
            "attrs": _attrs(interactive.get("attrs"), limits.attr_chars),
        }
        target["interactive"] = found
    elif is_interactive(target["tag"], target["attrs"]):
        target["interactive"] = {"tag": target["tag"], "attrs": dict(target["attrs"])}
    return target


def _attrs(raw: Any, limit: int) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    items = [(str(k), v) for k, v in raw.items() if isinstance(v, (str, int, float))]
    return {k: cut_raw(str(v), limit) for k, v in items[:ATTRS_LIMIT] if k != "value"}


def _short(value: Any, limit: int = TEXT_LIMIT) -> str:
    return cut_raw(value, limit) if isinstance(value, str) else ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _num(value: Any) -> float | None:
    return float(value) if _is_number(value) else None
