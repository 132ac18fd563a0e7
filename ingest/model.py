"""The analytics event: the one shape ingest, anonymizer, signals and storage agree on.

See ``docs/architecture.md`` for the meaning of each key and of each kind's ``data``.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Interactive(TypedDict):
    tag: str
    attrs: dict[str, str]


class Target(TypedDict, total=False):
    tag: str
    selector: str
    text: str
    attrs: dict[str, str]
    interactive: Interactive | None


class Event(TypedDict, total=False):
    ts: int
    kind: str
    node: int | None
    target: Target | None
    x: float | None
    y: float | None
    data: dict[str, Any]
    flags: list[str]
    source_index: int
    session_part: int
    page_life: int
    page_view: int


POINTER_KINDS = frozenset(
    {"click", "dblclick", "mousedown", "mouseup", "contextmenu", "touchstart", "touchend"}
)

KINDS = frozenset(
    {
        "load",
        "snapshot",
        "mutation",
        "move",
        "touchmove",
        "scroll",
        "resize",
        "input",
        "selection",
        "visibility",
        "focus",
        "blur",
        "error",
        "request",
        "navigation",
        "submit",
        "custom",
        "other",
    }
    | POINTER_KINDS
)
