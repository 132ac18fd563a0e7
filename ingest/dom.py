"""A DOM mirror for one page view of an rrweb recording: node id → tag, attributes, text, tree.

The mirror applies a FullSnapshot and incremental Mutation data the way a replayer would, but keeps
only what ingest needs to describe an event's target. Mutations that arrive before the node they
refer to (rrweb emits iframe content before the snapshot holding the iframe) are buffered and
applied as soon as that node appears, so no node is left orphaned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ingest.cut import cut_redacted
from ingest.model import Interactive, Target

# rrweb serialized node types.
DOCUMENT, DOCTYPE, ELEMENT, TEXT, CDATA, COMMENT = 0, 1, 2, 3, 4, 5

TEXT_LIMIT = 200
ATTR_VALUE_LIMIT = 200
SELECTOR_CLASSES = 2

# Attributes worth keeping on a target: what detectors and reports need to understand an element.
# `value` is left out on purpose: it holds what people typed or what a page hides in a field.
KEPT_ATTRS = frozenset(
    {
        "id",
        "class",
        "name",
        "type",
        "role",
        "href",
        "target",
        "download",
        "disabled",
        "title",
        "alt",
        "for",
        "rel",
        "placeholder",
        "tabindex",
        "contenteditable",
        "data-testid",
    }
)
KEPT_ATTR_PREFIXES = ("aria-",)
HIDDEN_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
INTERACTIVE_INPUT_TYPES = frozenset({"submit", "button", "reset", "checkbox", "radio", "image"})
INTERACTIVE_TAGS = frozenset({"a", "button", "select", "label", "summary"})
LABEL_INPUT_TYPES = frozenset({"submit", "button", "reset"})
_IDENT = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")
_SPACES = re.compile(r"\s+")


class Node:
    """One mirrored node. `tag` is lower-case for elements and empty for other node types."""

    __slots__ = ("id", "kind", "tag", "attrs", "text", "parent", "children")

    def __init__(self, node_id: int, kind: int, tag: str, attrs: dict[str, str], text: str):
        self.id = node_id
        self.kind = kind
        self.tag = tag
        self.attrs = attrs
        self.text = text
        self.parent: int | None = None
        self.children: list[int] = []


def _attrs_of(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): v if isinstance(v, str) else str(v) for k, v in raw.items() if v is not None}


def _as_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class DomMirror:
    """Mirror of one page view's DOM, fed with rrweb snapshot and mutation data."""

    def __init__(self) -> None:
        self.nodes: dict[int, Node] = {}
        self.has_snapshot = False
        # parent id → adds waiting for that parent; node id → texts/attributes waiting for it.
        self._pending_adds: dict[int, list[dict[str, Any]]] = {}
        self._pending_updates: dict[int, list[tuple[str, Any]]] = {}

    # -- feeding -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: a new page view starts."""
        self.nodes.clear()
        self.has_snapshot = False
        self._pending_adds.clear()
        self._pending_updates.clear()

    def apply_snapshot(self, root: dict[str, Any]) -> list[int]:
        """Replace the mirror with a FullSnapshot's node tree; return the ids now known."""
        if self.has_snapshot:
            # Buffered mutations belonged to the previous DOM; replaying them here would graft
            # nodes of one document onto another.
            self._pending_adds.clear()
            self._pending_updates.clear()
        self.nodes.clear()
        self.has_snapshot = True
        return self._insert_tree(root, parent_id=None, next_id=None)

    def apply_mutation(self, data: dict[str, Any]) -> list[int]:
        """Apply rrweb Mutation data (removes, adds, texts, attributes); return touched node ids."""
        touched: list[int] = []

        for remove in _dicts(data.get("removes")):
            node_id = _as_id(remove.get("id"))
            if node_id is not None:
                touched.append(node_id)
                self._remove(node_id)

        for add in _dicts(data.get("adds")):
            touched.extend(self._add(add))

        for change in _dicts(data.get("texts")):
            node_id = _as_id(change.get("id"))
            if node_id is not None:
                touched.append(node_id)
                self._update(node_id, "text", change.get("value"))

        for change in _dicts(data.get("attributes")):
            node_id = _as_id(change.get("id"))
            if node_id is not None:
                touched.append(node_id)
                self._update(node_id, "attributes", change.get("attributes"))

        return touched

    @property
    def has_pending(self) -> bool:
        """Whether some mutation still waits for a node that is not in the mirror."""
        return bool(self._pending_adds or self._pending_updates)

    @property
    def orphans(self) -> list[int]:
        """Ids of buffered nodes whose parent never appeared."""
        ids: list[int] = []
        for adds in self._pending_adds.values():
            ids.extend(i for a in adds if (i := _as_id(_node_of(a).get("id"))) is not None)
        return ids

    # -- reading -------------------------------------------------------------------------------

    def get(self, node_id: int | None) -> Node | None:
        return None if node_id is None else self.nodes.get(node_id)

    def is_text_node(self, node_id: int) -> bool:
        node = self.nodes.get(node_id)
        return node is not None and node.kind == TEXT

    def is_document(self, node_id: int) -> bool:
        node = self.nodes.get(node_id)
        return node is not None and node.kind == DOCUMENT

    def ancestors(self, node_id: int) -> list[int]:
        """Ids from the parent of `node_id` up to its root (empty when unknown or a root)."""
        chain: list[int] = []
        node = self.nodes.get(node_id)
        while node is not None and node.parent is not None and node.parent not in chain:
            chain.append(node.parent)
            node = self.nodes.get(node.parent)
        return chain

    def text_of(self, node_id: int, limit: int = TEXT_LIMIT) -> str:
        """Visible text under a node, whitespace collapsed, cut to `limit` characters."""
        parts: list[str] = []
        size = 0
        for node in self._walk(node_id, visible_only=True):
            if node.kind == TEXT:
                parts.append(node.text)
                size += len(node.text)
                if size > limit * 4:
                    break
        return cut_redacted(_SPACES.sub(" ", "".join(parts)).strip(), limit)

    def describe(self, node_id: int | None) -> Target | None:
        """Describe an event target, or None when the node is not (yet) known."""
        node = self.get(node_id)
        if node is None:
            return None
        if node.kind == DOCUMENT:
            # Clicks on the document itself land on the page background or its scrollbar.
            return {
                "tag": "#document",
                "selector": ":root",
                "text": "",
                "attrs": {},
                "interactive": None,
            }
        if node.kind != ELEMENT:
            # Text nodes and comments are described by the element holding them.
            parent = self.get(node.parent)
            if parent is None or parent.kind != ELEMENT:
                return {"tag": "", "selector": "", "text": "", "attrs": {}, "interactive": None}
            node = parent

        return {
            "tag": node.tag,
            "selector": selector_of(node.tag, node.attrs),
            "text": self._label(node),
            "attrs": kept_attrs(node.attrs),
            "interactive": self._interactive(node),
        }

    # -- state for callers that carry a page view across batches --------------------------------

    def to_state(self) -> dict[str, Any]:
        """A JSON-able copy of the mirror (raw page text inside: keep it out of the database)."""
        return {
            "has_snapshot": self.has_snapshot,
            "nodes": [
                [n.id, n.kind, n.tag, n.attrs, n.text, n.parent, n.children]
                for n in self.nodes.values()
            ],
            "pending_adds": {str(k): v for k, v in self._pending_adds.items()},
            "pending_updates": {str(k): v for k, v in self._pending_updates.items()},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DomMirror:
        mirror = cls()
        mirror.has_snapshot = bool(state.get("has_snapshot"))
        for node_id, kind, tag, attrs, text, parent, children in state.get("nodes", []):
            node = Node(node_id, kind, tag, attrs, text)
            node.parent = parent
            node.children = list(children)
            mirror.nodes[node_id] = node
        mirror._pending_adds = {int(k): v for k, v in state.get("pending_adds", {}).items()}
        mirror._pending_updates = {
            int(k): [tuple(u) for u in v]  # type: ignore[misc]
            for k, v in state.get("pending_updates", {}).items()
        }
        return mirror

    # -- internals -----------------------------------------------------------------------------

    def _add(self, add: dict[str, Any]) -> list[int]:
        parent_id = _as_id(add.get("parentId"))
        node = _node_of(add)
        if parent_id is None or not node:
            return []
        if parent_id not in self.nodes:
            self._pending_adds.setdefault(parent_id, []).append(add)
            return []
        return self._insert_tree(node, parent_id, _as_id(add.get("nextId")))

    def _insert_tree(
        self, root: dict[str, Any], parent_id: int | None, next_id: int | None
    ) -> list[int]:
        """Insert a serialized subtree (iteratively: deep documents must not hit recursion)."""
        added: list[int] = []
        stack: list[tuple[dict[str, Any], int | None, int | None]] = [(root, parent_id, next_id)]
        while stack:
            raw, parent, before = stack.pop()
            node_id = _as_id(raw.get("id"))
            if node_id is None:
                continue
            if node_id in self.nodes:
                self._remove(node_id)
            kind = _as_id(raw.get("type"))
            kind = ELEMENT if kind is None else kind
            tag = str(raw.get("tagName", "")).lower() if kind == ELEMENT else ""
            text = raw.get("textContent") if kind in (TEXT, CDATA, COMMENT) else ""
            node = Node(node_id, kind, tag, _attrs_of(raw.get("attributes")), str(text or ""))
            self.nodes[node_id] = node
            self._link(node, parent, before)
            added.append(node_id)

            children = _dicts(raw.get("childNodes"))
            stack.extend((child, node_id, None) for child in reversed(children))

        for node_id in list(added):
            self._flush_pending(node_id, added)
        return added

    def _link(self, node: Node, parent_id: int | None, next_id: int | None) -> None:
        parent = self.nodes.get(parent_id) if parent_id is not None else None
        if parent is None:
            return
        node.parent = parent.id
        if next_id is not None and next_id in parent.children:
            parent.children.insert(parent.children.index(next_id), node.id)
        else:
            parent.children.append(node.id)

    def _flush_pending(self, node_id: int, added: list[int]) -> None:
        for update in self._pending_updates.pop(node_id, []):
            self._update(node_id, *update)
        for add in self._pending_adds.pop(node_id, []):
            added.extend(self._add(add))

    def _remove(self, node_id: int) -> None:
        node = self.nodes.get(node_id)
        if node is None:
            return
        parent = self.nodes.get(node.parent) if node.parent is not None else None
        if parent is not None and node_id in parent.children:
            parent.children.remove(node_id)
        for sub in list(self._walk(node_id)):
            self.nodes.pop(sub.id, None)

    def _update(self, node_id: int, what: str, value: Any) -> None:
        node = self.nodes.get(node_id)
        if node is None:
            self._pending_updates.setdefault(node_id, []).append((what, value))
            return
        if what == "text":
            node.text = "" if value is None else str(value)
            return
        if isinstance(value, dict):
            for key, attr in value.items():
                if attr is None:
                    node.attrs.pop(str(key), None)
                elif isinstance(attr, str):
                    node.attrs[str(key)] = attr
                # rrweb sends style changes as an object; only the name matters to us.
                else:
                    node.attrs[str(key)] = ""

    def _walk(self, node_id: int, visible_only: bool = False) -> Iterator[Node]:
        """Depth-first walk of a subtree in document order."""
        stack = [node_id]
        while stack:
            node = self.nodes.get(stack.pop())
            if node is None:
                continue
            if visible_only and node.kind == ELEMENT and node.tag in HIDDEN_TEXT_TAGS:
                continue
            yield node
            stack.extend(reversed(node.children))

    def _label(self, node: Node) -> str:
        if node.tag == "input":
            if node.attrs.get("type", "").lower() in LABEL_INPUT_TYPES:
                return node.attrs.get("value", "")[:TEXT_LIMIT]
            return ""
        if node.tag in HIDDEN_TEXT_TAGS or node.tag in ("textarea", "select"):
            # A textarea's text is what someone typed; a select's text lists every option.
            return ""
        return self.text_of(node.id)

    def _interactive(self, node: Node) -> Interactive | None:
        current: Node | None = node
        seen = 0
        while current is not None and seen < 10_000:
            if current.kind == ELEMENT and is_interactive(current.tag, current.attrs):
                return {"tag": current.tag, "attrs": kept_attrs(current.attrs)}
            current = self.nodes.get(current.parent) if current.parent is not None else None
            seen += 1
        return None


def is_interactive(tag: str, attrs: dict[str, str]) -> bool:
    """A link, button, role=button, clickable input, select, label or summary."""
    if tag in INTERACTIVE_TAGS:
        return True
    if attrs.get("role", "").lower() == "button":
        return True
    return tag == "input" and attrs.get("type", "").lower() in INTERACTIVE_INPUT_TYPES


def kept_attrs(attrs: dict[str, str]) -> dict[str, str]:
    """The attributes worth keeping on a target, each cut to a bounded length."""
    return {
        key: value[:ATTR_VALUE_LIMIT]
        for key, value in attrs.items()
        if key in KEPT_ATTRS or key.startswith(KEPT_ATTR_PREFIXES)
    }


def selector_of(tag: str, attrs: dict[str, str]) -> str:
    """A short CSS selector: `#id`, `tag.class`, `tag[name="…"]`, `a[href]`, or the tag."""
    element_id = attrs.get("id", "")
    if _IDENT.match(element_id):
        return f"#{element_id}"

    classes = [c for c in attrs.get("class", "").split() if _IDENT.match(c)]
    if classes:
        return tag + "".join(f".{c}" for c in classes[:SELECTOR_CLASSES])

    name = attrs.get("name", "")
    if name and _IDENT.match(name):
        return f'{tag}[name="{name}"]'
    if tag == "input" and _IDENT.match(attrs.get("type", "")):
        return f'input[type="{attrs["type"].lower()}"]'
    if attrs.get("role") and _IDENT.match(attrs["role"]):
        return f'{tag}[role="{attrs["role"]}"]'
    if "href" in attrs:
        return f"{tag}[href]"
    return tag


def _dicts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _node_of(add: dict[str, Any]) -> dict[str, Any]:
    node = add.get("node")
    return node if isinstance(node, dict) else {}
