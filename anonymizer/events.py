"""Redaction of analytics events (the contract in ingest/model.py), field by field."""

from __future__ import annotations

from typing import Any

from anonymizer.attributes import label_text, redact_attr
from anonymizer.dom import DomRedactor, is_user_input
from anonymizer.inputs import FieldInfo
from anonymizer.slots import Slots

URL_KEYS = frozenset({"url", "href", "source", "referrer", "filename"})
ERROR_KEYS = frozenset({"message", "stack"})
# Data keys that hold numbers, flags or rrweb bookkeeping, never free text.
PLAIN_KEYS = frozenset(
    {"width", "height", "x", "y", "visible", "status", "masked", "length", "nodes"}
)
# A request's method is kept only as one of these tokens; anything else is dropped.
HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)


class EventRedactor:
    """Redacts analytics events; shares the DOM state gathered from the batch's rrweb events."""

    def __init__(self, dom: DomRedactor, slots: Slots) -> None:
        self.dom = dom
        self.slots = slots
        self.audit = dom.audit
        self.texts = dom.texts
        self.urls = dom.texts.urls

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        """A redacted copy of one analytics event."""
        out = dict(event)
        target = event.get("target")
        if isinstance(target, dict):
            out["target"] = self.target(target)
        data = event.get("data")
        if isinstance(data, dict):
            if event.get("kind") == "input":
                out["data"] = self.input_data(event, data)
            else:
                out["data"] = self.data(data, "error" if event.get("kind") == "error" else "")
        return out

    def target(self, target: dict[str, Any]) -> dict[str, Any]:
        out = dict(target)
        tag = str(target.get("tag", ""))
        if isinstance(target.get("text"), str):
            self.slots.add(out, "text", target["text"], "text")
        if isinstance(target.get("selector"), str):
            self.slots.add(out, "selector", target["selector"], "selector")
        if isinstance(target.get("attrs"), dict):
            out["attrs"] = self.attrs(tag, target["attrs"])
        interactive = target.get("interactive")
        if isinstance(interactive, dict):
            inner = dict(interactive)
            if isinstance(interactive.get("attrs"), dict):
                inner["attrs"] = self.attrs(str(interactive.get("tag", "")), interactive["attrs"])
            out["interactive"] = inner
        return out

    def attrs(self, tag: str, attrs: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        info = FieldInfo(tag=tag, attrs={k: v for k, v in attrs.items() if isinstance(v, str)})
        for name, value in attrs.items():
            if name.lower() == "value" and isinstance(value, str) and is_user_input(info):
                out[name] = "*" * len(value)
                self.audit.count("INPUT_VALUE", "target_attribute", "input_rule", "mask")
            elif name.lower() == "value" and isinstance(value, str):
                out[name] = value
                self.slots.add(out, name, value, "text")
            else:
                redact_attr(tag, name, value, out, self.slots, self.texts, self.audit, "target")
        return out

    def input_data(self, event: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """The input rule: masked and length by default; a value only for allow-listed fields."""
        value = data.get("value")
        length = data.get("length")
        if not isinstance(length, int):
            length = len(value) if isinstance(value, str) else 0
        out: dict[str, Any] = {"masked": True, "length": length}
        if not isinstance(value, str) or not value:
            return out

        target = event.get("target") or {}
        known = self.dom.state.fields.get(event.get("node", -1)) if event.get("node") else None
        attrs = {k: v for k, v in (target.get("attrs") or {}).items() if isinstance(v, str)}
        info: FieldInfo | None = FieldInfo(
            tag=str(target.get("tag", "") or (known.tag if known else "")),
            attrs={**(known.attrs if known else {}), **attrs},
            ever_password=bool(known and known.ever_password),
        )
        if not target and known is None:
            info = None
        redacted = self.dom.input_value(info, value, "input")
        if redacted != "*" * len(value):
            out["value"] = redacted
            out["masked"] = redacted != value
        return out

    def data(self, data: dict[str, Any], kind: str) -> dict[str, Any]:
        """URLs get the URL rule, error text the error rule, a request method the method list,
        a custom event's tag the label-text rule, any other string the patterns."""
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key == "method":
                out[key] = self.method(value)
            elif key == "tag" and isinstance(value, str):
                label_text(out, key, value, self.slots, self.texts, self.audit, "event_data")
            elif isinstance(value, str) and key in URL_KEYS:
                out[key] = self.urls.redact(value, self.audit)
            elif isinstance(value, str) and (key in ERROR_KEYS or kind == "error"):
                out[key] = value
                self.slots.add(out, key, value, "error")
            elif key in PLAIN_KEYS and not isinstance(value, str):
                out[key] = value
            else:
                out[key] = self.dom.strings(value, "pattern")
                if isinstance(value, str):
                    self.slots.add(out, key, value, "pattern")
        return out

    def method(self, value: Any) -> str | None:
        """An HTTP method token from the fixed list; anything else is dropped."""
        if value is None:
            return None
        token = value.strip().upper() if isinstance(value, str) else ""
        if token in HTTP_METHODS:
            return token
        self.audit.count("HTTP_METHOD", "event_data", "method_rule", "drop")
        return None
