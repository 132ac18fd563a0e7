"""Build small rrweb recordings (one window) for detector tests and the accuracy bench."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

T0 = 1_700_000_000_000

RRWeb = dict[str, Any]


def el(node_id: int, tag: str, attrs: dict[str, str] | None = None, *children: RRWeb) -> RRWeb:
    """A serialized element node."""
    return {
        "type": 2,
        "tagName": tag,
        "attributes": attrs or {},
        "childNodes": list(children),
        "id": node_id,
    }


def txt(node_id: int, content: str) -> RRWeb:
    return {"type": 3, "textContent": content, "id": node_id}


class Recording:
    """rrweb events of one window; times are ms after T0."""

    def __init__(self) -> None:
        self.events: list[RRWeb] = []

    def _at(self, ms: float, kind: int, data: RRWeb) -> Recording:
        self.events.append({"type": kind, "data": data, "timestamp": T0 + int(ms)})
        return self

    def _incremental(self, ms: float, source: int, **data: Any) -> Recording:
        return self._at(ms, 3, {"source": source, **data})

    def page(
        self, ms: float, path: str, *body: RRWeb, width: int = 1280, height: int = 800
    ) -> Recording:
        """A page load: Meta plus a FullSnapshot of html/head/body (ids 1–5) holding `body`."""
        self._at(
            ms, 4, {"href": f"https://city.example.test{path}", "width": width, "height": height}
        )
        html = el(3, "html", {"lang": "en"}, el(4, "head"), el(5, "body", {}, *body))
        root = {
            "type": 0,
            "childNodes": [
                {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 2},
                html,
            ],
            "id": 1,
        }
        return self._at(ms + 5, 2, {"node": root, "initialOffset": {"left": 0, "top": 0}})

    def mouse(self, ms: float, kind: int, node: int, x: float, y: float) -> Recording:
        return self._incremental(ms, 2, type=kind, id=node, x=x, y=y)

    def click(self, ms: float, node: int, x: float, y: float) -> Recording:
        """MouseDown, MouseUp and Click, the click at `ms`."""
        self.mouse(ms - 60, 1, node, x, y)
        self.mouse(ms - 2, 0, node, x, y)
        return self.mouse(ms, 2, node, x, y)

    def dblclick(self, ms: float, node: int, x: float, y: float) -> Recording:
        return self.mouse(ms, 4, node, x, y)

    def focus(self, ms: float, node: int) -> Recording:
        return self._incremental(ms, 2, type=5, id=node)

    def touch(self, ms: float, kind: int, node: int, x: float, y: float) -> Recording:
        return self.mouse(ms, kind, node, x, y)

    def text_changed(self, ms: float, node: int, value: str) -> Recording:
        return self._incremental(
            ms, 0, texts=[{"id": node, "value": value}], attributes=[], removes=[], adds=[]
        )

    def attributes_changed(self, ms: float, node: int, attributes: dict[str, Any]) -> Recording:
        return self._incremental(
            ms,
            0,
            texts=[],
            attributes=[{"id": node, "attributes": attributes}],
            removes=[],
            adds=[],
        )

    def added(self, ms: float, parent: int, node: RRWeb) -> Recording:
        add = {"parentId": parent, "nextId": None, "node": node}
        return self._incremental(ms, 0, texts=[], attributes=[], removes=[], adds=[add])

    def removed(self, ms: float, parent: int, node: int) -> Recording:
        remove = {"parentId": parent, "id": node}
        return self._incremental(ms, 0, texts=[], attributes=[], removes=[remove], adds=[])

    def scroll(self, ms: float, node: int, y: float, x: float = 0) -> Recording:
        return self._incremental(ms, 3, id=node, x=x, y=y)

    def moves(
        self, ms: float, points: Sequence[tuple[float, float, float]], node: int = 5
    ) -> Recording:
        """One MouseMove event emitted at `ms` carrying (x, y, ms) points (times absolute)."""
        positions = [
            {"x": x, "y": y, "id": node, "timeOffset": int(at - ms)} for x, y, at in points
        ]
        return self._incremental(ms, 1, positions=positions)

    def typed(self, ms: float, node: int, length: int) -> Recording:
        return self._incremental(ms, 5, text="*" * length, isChecked=False, id=node)

    def selected(self, ms: float, node: int, length: int) -> Recording:
        ranges = [{"start": node, "startOffset": 0, "end": node, "endOffset": length}]
        return self._incremental(ms, 14, ranges=ranges)

    def visibility(self, ms: float, visible: bool) -> Recording:
        return self._at(ms, 5, {"tag": "visibility", "payload": {"visible": visible}})

    def js_error(self, ms: float, message: str) -> Recording:
        payload = {"level": "error", "trace": ["at handler (app.js:1:1)"], "payload": [message]}
        return self._at(ms, 6, {"plugin": "rrweb/console@1", "payload": payload})

    def failed_request(self, ms: float, path: str, status: int) -> Recording:
        request = {
            "name": f"https://city.example.test{path}",
            "method": "POST",
            "status": status,
            "startTime": T0 + int(ms),
        }
        return self._at(ms, 6, {"plugin": "rrweb/network@1", "payload": {"requests": [request]}})
