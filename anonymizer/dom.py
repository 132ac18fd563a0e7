"""Redaction of raw rrweb events: snapshots, mutations, inputs, meta, custom and plugin events.

Walks the structures itself and keeps an id → field map so input decisions know a field's type,
name and autocomplete, and remember a password field after a reveal toggle changes its type.
"""

from __future__ import annotations

from typing import Any

from anonymizer.attributes import INPUT_TAGS, lower_case_names, redact_attr
from anonymizer.audit import Audit
from anonymizer.css import redact_css
from anonymizer.inputs import FieldInfo, InputDecision, decide
from anonymizer.policy import PolicyConfig, SitePolicy
from anonymizer.slots import Slots
from anonymizer.text import TextRedactor

# rrweb event types and incremental sources (rrweb's EventType and IncrementalSource enums).
DOM_CONTENT_LOADED, LOAD, FULL_SNAPSHOT, INCREMENTAL, META, CUSTOM, PLUGIN = range(7)
MUTATION, INPUT, CANVAS, LOG = 0, 5, 9, 11
STYLE_SHEET_RULE, FONT, STYLE_DECLARATION, ADOPTED_STYLE_SHEET, CUSTOM_ELEMENT = 8, 10, 13, 15, 16
# Sources whose data is ids, coordinates, flags and numbers: MouseMove, MouseInteraction, Scroll,
# ViewportResize, TouchMove, MediaInteraction, Drag, Selection.
NUMERIC_SOURCES = frozenset({1, 2, 3, 4, 6, 7, 12, 14})
# The keys rrweb's `eventWithTime` defines; anything else a recorder adds (a session id, the
# user's email) is dropped.
EVENT_KEYS = ("type", "data", "timestamp", "delay")
SNAPSHOT_KEYS = frozenset({"node", "initialOffset"})
META_KEYS = frozenset({"href", "width", "height"})
MUTATION_KEYS = frozenset({"source", "adds", "removes", "texts", "attributes", "isAttachIframe"})
# The `data` keys rrweb (2.x, `IncrementalSource`) defines per incremental source; a recorder's
# own extra keys (`data.userName`) are dropped.
INCREMENTAL_KEYS: dict[int, frozenset[str]] = {
    source: frozenset({"source", *keys})
    for source, keys in {
        1: ("positions",),
        2: ("type", "id", "x", "y", "pointerType"),
        3: ("id", "x", "y"),
        4: ("width", "height"),
        5: ("text", "isChecked", "id", "userTriggered"),
        6: ("positions",),
        7: ("type", "id", "currentTime", "volume", "muted", "loop", "playbackRate"),
        8: ("id", "styleId", "removes", "adds", "replace", "replaceSync"),
        9: ("id", "type", "commands", "property", "args", "setter"),
        10: ("family", "fontSource", "buffer", "descriptors"),
        11: ("level", "trace", "payload"),
        12: ("positions",),
        13: ("id", "styleId", "index", "set", "remove"),
        14: ("ranges",),
        15: ("id", "styleIds", "styles"),
        16: ("define",),
    }.items()
}
# Plugins whose payload we know: the console (error text), network (URLs, error text) and
# sequential-id (a number) plugins. Other plugins' payloads are dropped: see `plugin`.
KNOWN_PLUGINS = frozenset(
    {"rrweb/console@1", "rrweb/network@1", "posthog/network@1", "rrweb/sequential-id@1"}
)
ELEMENT, TEXT = 2, 3
LABEL_INPUT_TYPES = frozenset({"submit", "button", "reset", "image", "checkbox", "radio"})


CDATA_NODE, COMMENT_NODE = 4, 5  # rrweb serialized node types


class DomState:
    """id → field info and parent, across one batch.

    Known gap: the state lives for one batch, so a password field whose reveal toggle came in an
    earlier batch is not known as one here (its value is still dropped by the default input rule
    and by its name, but not by its history). Fix: keep the ever-password node ids per window
    between batches (worker state or ingest's DOM mirror) and pass them in.
    """

    def __init__(self) -> None:
        self.fields: dict[int, FieldInfo] = {}
        self.tags: dict[int, str] = {}
        self.parents: dict[int, int] = {}

    def element(self, node_id: int, tag: str, attrs: dict[str, Any]) -> FieldInfo:
        """Record an element; a field that is or was `type=password` stays a password."""
        info = self.fields.get(node_id) or FieldInfo()
        info.tag = tag
        info.attrs = {k: v for k, v in attrs.items() if isinstance(v, str)}
        if info.attrs.get("type", "").lower() == "password":
            info.ever_password = True
        self.fields[node_id] = info
        self.tags[node_id] = tag
        return info

    def update(self, node_id: int, changes: dict[str, Any]) -> FieldInfo:
        """Apply an attribute mutation to a known (or new) element."""
        info = self.fields.get(node_id) or FieldInfo(tag=self.tags.get(node_id, ""))
        for key, value in changes.items():
            if isinstance(value, str):
                info.attrs[key] = value
            else:
                info.attrs.pop(key, None)
        if info.attrs.get("type", "").lower() == "password":
            info.ever_password = True
        self.fields[node_id] = info
        return info


def is_user_input(info: FieldInfo) -> bool:
    """The `value` of this element is typed or chosen by the user (not a button label)."""
    if info.tag.lower() not in INPUT_TAGS:
        return False
    return info.attrs.get("type", "text").lower() not in LABEL_INPUT_TYPES or info.ever_password


class DomRedactor:
    """Redacts rrweb events in order, keeping DOM state between them."""

    def __init__(
        self,
        texts: TextRedactor,
        config: PolicyConfig,
        site: SitePolicy | None,
        slots: Slots,
        audit: Audit,
    ) -> None:
        self.texts = texts
        self.config = config
        self.site = site
        self.slots = slots
        self.audit = audit
        self.state = DomState()

    def input_value(self, info: FieldInfo | None, value: str, field_kind: str) -> str:
        """The input rule for a value seen in the DOM or an Input event."""
        decision: InputDecision = decide(info, self.config, self.site)
        if not value:
            return value
        if decision.action == "analyze":
            return self.texts.redact(value, "survey", self.audit, decision.context)
        if decision.action == "entity":
            self.audit.count(decision.entity, field_kind, "input_rule", "replace")
            return f"<{decision.entity}>"
        self.audit.count("INPUT_VALUE", field_kind, "input_rule", "mask")
        return "*" * len(value)

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        """A redacted copy of one rrweb event, with rrweb's own keys only."""
        out = {key: event[key] for key in EVENT_KEYS if key in event}
        if not _is_number(out.get("delay", 0)):
            del out["delay"]
        if len(out) < len(event):
            self.audit.count("EXTRA_FIELD", "rrweb_event", "structure_rule", "drop")
        data = event.get("data")
        if not isinstance(data, dict):
            return out
        kind = event.get("type")
        if kind not in range(7) or isinstance(kind, bool) or kind in (DOM_CONTENT_LOADED, LOAD):
            # Unknown types are not replayed; DomContentLoaded and Load carry no data in rrweb.
            if data:
                self.audit.count("UNKNOWN_DATA", "rrweb_event", "structure_rule", "drop")
            out["data"] = {}
        elif kind == FULL_SNAPSHOT:
            snapshot = self.known_keys(data, SNAPSHOT_KEYS)
            out["data"] = {**snapshot, "node": self.node(data.get("node"), None)}
        elif kind == INCREMENTAL:
            out["data"] = self.incremental(data)
        elif kind == META:
            out["data"] = self.meta(data)
        elif kind == CUSTOM:
            # A tag and payload the site's own code writes ("login:tyler brooks"): label text.
            out["data"] = self.strings(self.lower_names(data), "text")
        elif kind == PLUGIN:
            out["data"] = self.plugin(data)
        return out

    def meta(self, data: dict[str, Any]) -> dict[str, Any]:
        """A Meta event: its page address by the URL rule (emptied when not a string)."""
        meta = self.known_keys(data, META_KEYS)
        href = data.get("href")
        if isinstance(href, str) and href:
            meta["href"] = self.texts.urls.redact(href, self.audit)
        elif "href" in data:
            meta["href"] = ""
        return meta

    def known_keys(self, data: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
        """`data` with the keys rrweb defines for it; extra keys (a recorder's own) dropped."""
        kept = {key: value for key, value in data.items() if key in keys}
        if len(kept) < len(data):
            self.audit.count("EXTRA_FIELD", "rrweb_event", "structure_rule", "drop")
        return kept

    def plugin(self, data: dict[str, Any]) -> dict[str, Any]:
        """A known plugin's strings get the error rule; an unknown plugin keeps its name only.

        An unknown plugin's payload is the site's own data in a shape we do not know; the player
        shows nothing of it without the site's replay plugin, and analytics keep only the plugin
        name (ingest/rrweb.py), so dropping it loses nothing, and spares the full analyzer.
        """
        name = data.get("plugin")
        if isinstance(name, str) and name in KNOWN_PLUGINS:
            return self.strings(data, "error")
        self.audit.count("UNKNOWN_DATA", "rrweb_plugin", "structure_rule", "drop")
        out: dict[str, Any] = {"plugin": name if isinstance(name, str) else "", "payload": {}}
        self.slots.add(out, "plugin", out["plugin"], "pattern")
        return out

    def incremental(self, data: dict[str, Any]) -> dict[str, Any]:
        source = data.get("source")
        if isinstance(source, int) and source in INCREMENTAL_KEYS:
            data = self.known_keys(data, INCREMENTAL_KEYS[source])
        if source == MUTATION:
            return self.mutation(data)
        if source == INPUT and isinstance(data.get("text"), str):
            info = self.state.fields.get(data.get("id", -1))
            return {**data, "text": self.input_value(info, data["text"], "rrweb_input")}
        if source == CANVAS:
            self.audit.count("CANVAS", "rrweb_canvas", "dom_rule", "drop")
            return {**data, "commands": []} if "commands" in data else {**data, "args": []}
        if source == LOG:
            return self.strings(data, "error")
        if source in (STYLE_SHEET_RULE, STYLE_DECLARATION, ADOPTED_STYLE_SHEET):
            return self.css_strings(data)
        if source == FONT:
            return self.font(data)
        if source in NUMERIC_SOURCES or source in (INPUT, CUSTOM_ELEMENT):
            # No text is expected here; a string that turns up gets the patterns.
            return self.strings(data, "pattern")
        self.audit.count("UNKNOWN_DATA", "rrweb_incremental", "structure_rule", "drop")
        return {"source": source}

    def css_strings(self, value: Any) -> Any:
        """Every string in a style sheet or style declaration event, by the CSS rule: rules
        (`adds[].rule`, `replace`, `replaceSync`, `styles[].rules[].rule`) and values."""
        if isinstance(value, dict):
            return {key: self.css_strings(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.css_strings(item) for item in value]
        if isinstance(value, str):
            return redact_css(value, self.texts, self.audit, "css")
        return value

    def font(self, data: dict[str, Any]) -> dict[str, Any]:
        """A web font: its source by the CSS rule (unless it is the font file itself)."""
        out = self.strings({k: v for k, v in data.items() if k != "fontSource"}, "pattern")
        source = data.get("fontSource")
        if isinstance(source, str) and not data.get("buffer"):
            out["fontSource"] = redact_css(source, self.texts, self.audit, "css")
        elif "fontSource" in data:
            out["fontSource"] = source
        return out

    def mutation(self, data: dict[str, Any]) -> dict[str, Any]:
        """A mutation's adds, texts and attributes; removes (ids) kept, other keys dropped."""
        out = self.known_keys(data, MUTATION_KEYS)
        if isinstance(data.get("adds"), list):
            out["adds"] = [
                {**add, "node": self.node(add.get("node"), add.get("parentId"))}
                if isinstance(add, dict)
                else add
                for add in data["adds"]
            ]
        if isinstance(data.get("texts"), list):
            out["texts"] = self.mutation_texts(data["texts"])
        if isinstance(data.get("attributes"), list):
            out["attributes"] = self.mutation_attributes(data["attributes"])
        return out

    def mutation_texts(self, items: list[Any]) -> list[Any]:
        texts = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("value"), str):
                parent = self.state.parents.get(item.get("id", -1))
                new = dict(item)
                self.text_value(new, "value", item["value"], parent)
                texts.append(new)
            else:
                texts.append(item)
        return texts

    def mutation_attributes(self, items: list[Any]) -> list[Any]:
        attributes = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("attributes"), dict):
                attributes.append(item)
                continue
            node_id = item.get("id", -1)
            info = self.state.update(node_id, item["attributes"])
            attributes.append({**item, "attributes": self.attrs(info, item["attributes"])})
        return attributes

    def node(self, node: Any, parent_id: int | None) -> Any:
        """A redacted copy of a serialized node tree."""
        if not isinstance(node, dict):
            return node
        out = dict(node)
        node_id = node.get("id", -1)
        if parent_id is not None:
            self.state.parents[node_id] = parent_id
        if node.get("type") == ELEMENT:
            raw = node.get("attributes")
            attrs: dict[str, Any] = raw if isinstance(raw, dict) else {}
            info = self.state.element(node_id, str(node.get("tagName", "")), attrs)
            out["attributes"] = self.attrs(info, attrs)
        elif node.get("type") in (CDATA_NODE, COMMENT_NODE) and node.get("textContent"):
            # Comments and CDATA are never shown; they can hold anything (a template's debug
            # output, say), so their text is dropped.
            out["textContent"] = ""
            self.audit.count("COMMENT", "dom_text", "dom_rule", "drop")
        elif node.get("type") == TEXT and isinstance(node.get("textContent"), str):
            if node.get("isStyle"):
                out["textContent"] = redact_css(node["textContent"], self.texts, self.audit, "css")
            else:
                self.text_value(out, "textContent", node["textContent"], parent_id)
        if isinstance(node.get("childNodes"), list):
            out["childNodes"] = [self.node(child, node_id) for child in node["childNodes"]]
        return out

    def text_value(self, out: dict[str, Any], key: str, value: str, parent_id: int | None) -> None:
        """A text node by its parent: script dropped, style kept, form fields masked, else text."""
        parent_tag = self.state.tags.get(parent_id, "").lower() if parent_id is not None else ""
        if parent_tag == "script":
            if value:
                self.audit.count("SCRIPT", "rrweb_text", "dom_rule", "drop")
            out[key] = ""
        elif parent_tag == "style":
            out[key] = redact_css(value, self.texts, self.audit, "css")
        # Known gap: text typed into a contenteditable element arrives as ordinary text nodes and
        # gets the page-text rule, not the input rule. Fix: track `contenteditable` ancestors.
        elif parent_tag in ("textarea", "input") and parent_id is not None:
            out[key] = self.input_value(self.state.fields.get(parent_id), value, "rrweb_text")
        else:
            out[key] = value
            self.slots.add(out, key, value, "text")

    def attrs(self, info: FieldInfo, attrs: dict[str, Any]) -> dict[str, Any]:
        """Redacted attributes of one element (or one attribute mutation)."""
        out: dict[str, Any] = {}
        tag = info.tag.lower()
        for name, value in attrs.items():
            if name.lower() == "value" and isinstance(value, str) and is_user_input(info):
                out[name] = self.input_value(info, value, "rrweb_attribute")
            elif name.lower() == "value" and isinstance(value, str):
                out[name] = value
                self.slots.add(out, name, value, "text")
            else:
                redact_attr(tag, name, value, out, self.slots, self.texts, self.audit, "rrweb")
        return out

    def string_slot(self, container: Any, key: Any, item: str, kind: str) -> None:
        """A URL-like string (custom payloads carry paths and links, often percent-encoded)
        gets the URL rule; any other string is queued for its text rule."""
        if item.lstrip().lower().startswith(("/", "http://", "https://", "www.")):
            container[key] = self.texts.urls.redact(item, self.audit)
        else:
            self.slots.add(container, key, item, kind)

    def lower_names(self, value: Any) -> Any:
        """Every string inside a JSON-like value with its lower-case names replaced.

        Known gap: a name glued to a word by a colon ("login:tyler brooks") is not found;
        splitting such tokens before the lower-case finder runs would fix it.
        """
        if isinstance(value, dict):
            return {key: self.lower_names(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.lower_names(item) for item in value]
        if isinstance(value, str):
            return lower_case_names(value, self.texts, self.audit, "rrweb_custom")
        return value

    def strings(self, value: Any, kind: str) -> Any:
        """Every string inside a JSON-like value, queued for redaction as `kind`."""
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                out[key] = self.strings(item, kind)
                if isinstance(item, str):
                    self.string_slot(out, key, item, kind)
            return out
        if isinstance(value, list):
            items = [self.strings(item, kind) for item in value]
            for index, item in enumerate(value):
                if isinstance(item, str):
                    self.string_slot(items, index, item, kind)
            return items
        return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
