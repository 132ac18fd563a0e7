"""Hand-made analytics events (the shape ingest produces) for detector unit tests."""

from __future__ import annotations

from typing import Any

from ingest.model import Event, Target

T0 = 1_700_000_000_000


def target(
    tag: str,
    attrs: dict[str, str] | None = None,
    text: str = "",
    interactive: tuple[str, dict[str, str]] | None = None,
    selector: str | None = None,
) -> Target:
    """A target; `interactive` defaults to the element itself for buttons and links."""
    attrs = attrs or {}
    if interactive is None and (tag in ("button", "a") or attrs.get("role") == "button"):
        interactive = (tag, attrs)
    return {
        "tag": tag,
        "selector": selector or (f"#{attrs['id']}" if "id" in attrs else tag),
        "text": text,
        "attrs": attrs,
        "interactive": {"tag": interactive[0], "attrs": interactive[1]} if interactive else None,
    }


BUTTON = target("button", {"id": "save"}, "Save")


def ev(
    kind: str,
    ms: float,
    node: int | None = None,
    on: Target | None = None,
    x: float | None = None,
    y: float | None = None,
    **data: Any,
) -> Event:
    """An analytics event `ms` after T0."""
    return {
        "ts": T0 + int(ms),
        "kind": kind,
        "node": node,
        "target": on,
        "x": x,
        "y": y,
        "data": data,
        "flags": [],
    }


def load(ms: float = 0, width: int = 1280, height: int = 800, path: str = "/") -> Event:
    return ev("load", ms, url=f"https://city.example.test{path}", width=width, height=height)


def click(ms: float, node: int = 20, on: Target = BUTTON, x: float = 400, y: float = 300) -> Event:
    return ev("click", ms, node, on, x, y)


def press(
    ms: float, node: int = 20, on: Target = BUTTON, x: float = 400, y: float = 300
) -> list[Event]:
    """mousedown, mouseup and click, the click at `ms`."""
    return [
        ev("mousedown", ms - 60, node, on, x, y),
        ev("mouseup", ms - 2, node, on, x, y),
        click(ms, node, on, x, y),
    ]


def mutation(ms: float, *nodes: int) -> Event:
    touched = list(nodes) or [99]
    return ev("mutation", ms, nodes=touched, adds=0, removes=0, texts=len(touched), attributes=0)


def move(ms: float, x: float, y: float, node: int = 5) -> Event:
    return ev("move", ms, node, None, x, y)


def scroll(ms: float, y: float, node: int = 1, document: bool = True) -> Event:
    """A scroll of `node` to position `y` (the document unless `document` is False)."""
    event = ev("scroll", ms, node)
    event["data"] = {"x": 0.0, "y": float(y), "document": document}
    return event
