"""Map rrweb events to analytics events (see docs/ingest.md for the table)."""

from __future__ import annotations

from typing import Any

from ingest.cut import cut_redacted
from ingest.dom import DomMirror
from ingest.model import Event, Target

# rrweb event types.
DOM_CONTENT_LOADED, LOAD, FULL_SNAPSHOT, INCREMENTAL, META, CUSTOM, PLUGIN = range(7)

# Incremental sources.
MUTATION, MOUSE_MOVE, MOUSE_INTERACTION, SCROLL, VIEWPORT_RESIZE, INPUT, TOUCH_MOVE = range(7)
SELECTION = 14

MOUSE_INTERACTIONS = {
    0: "mouseup",
    1: "mousedown",
    2: "click",
    3: "contextmenu",
    4: "dblclick",
    5: "focus",
    6: "blur",
    7: "touchstart",
    9: "touchend",
    10: "touchend",  # TouchCancel: the touch ended without a tap
}
POINTER_TYPES = {0: "mouse", 1: "pen", 2: "touch"}
CONSOLE_PLUGIN = "rrweb/console@1"
NETWORK_PLUGINS = frozenset({"rrweb/network@1", "posthog/network@1"})
MESSAGE_LIMIT = 500
# Epoch ms beyond year 5000 are garbage, and would overflow 64-bit integers downstream.
MAX_TIMESTAMP_MS = 100_000_000_000_000


def validate_event(event: Any) -> tuple[str, str] | None:
    """Return (field, reason) for the first problem of an rrweb event, or None when usable."""
    if not isinstance(event, dict):
        return ("event", "not an object")
    kind = event.get("type")
    if not isinstance(kind, int) or isinstance(kind, bool):
        return ("type", "missing or not an integer")
    if "data" in event and not isinstance(event["data"], dict):
        return ("data", "not an object")
    ts = event.get("timestamp")
    if ts is not None and (isinstance(ts, bool) or not isinstance(ts, (int, float))):
        return ("timestamp", "not a number")
    if ts is not None and not 0 <= ts < MAX_TIMESTAMP_MS:
        return ("timestamp", "out of range")
    return None


def to_events(
    rrweb_events: list[dict[str, Any]],
    mirror: DomMirror | None = None,
    fallback_ts_ms: int = 0,
) -> list[Event]:
    """Map rrweb events, in the order given, to analytics events.

    `mirror` carries the page view's DOM across calls (a fresh one is used when omitted). Each
    analytics event gets `source_index`, the position of the rrweb event it came from. Events
    without a timestamp take the last timestamp seen (or `fallback_ts_ms`) and the flag
    `ts_missing`, so arrival order is kept.
    """
    dom = mirror if mirror is not None else DomMirror()
    out: list[Event] = []
    last_ts = fallback_ts_ms

    for index, raw in enumerate(rrweb_events):
        if not isinstance(raw, dict):
            continue
        ts = raw.get("timestamp")
        flags: list[str] = []
        if isinstance(ts, (int, float)) and not isinstance(ts, bool):
            last_ts = int(ts)
        else:
            flags.append("ts_missing")

        for event in _map_one(raw, dom, last_ts):
            event["source_index"] = index
            event["flags"] = flags + event.get("flags", [])
            out.append(event)

    if not dom.has_pending:
        # Early mutations found their nodes once the snapshot came: they are not orphans.
        for event in out:
            if event["kind"] == "mutation" and "orphaned" in event["flags"]:
                event["flags"].remove("orphaned")
    return out


def _event(kind: str, ts: int, **fields: Any) -> Event:
    event: Event = {"ts": ts, "kind": kind, "node": None, "target": None, "x": None, "y": None}
    event.update(fields)  # type: ignore[typeddict-item]
    event.setdefault("data", {})
    return event


def _map_one(raw: dict[str, Any], dom: DomMirror, ts: int) -> list[Event]:
    kind = raw.get("type")
    data = _dict(raw.get("data"))

    if kind == META:
        # A Meta event opens a page view: node ids of the previous one mean nothing any more.
        dom.reset()
        return [
            _event(
                "load",
                ts,
                data={
                    "url": _str(data.get("href")),
                    "width": _num(data.get("width")),
                    "height": _num(data.get("height")),
                },
            )
        ]
    if kind == FULL_SNAPSHOT:
        node = data.get("node")
        if isinstance(node, dict):
            dom.apply_snapshot(node)
        return [_event("snapshot", ts)]
    if kind == INCREMENTAL:
        return _map_incremental(data, dom, ts)
    if kind == CUSTOM:
        return [_map_custom(data, ts)]
    if kind == PLUGIN:
        return _map_plugin(data, ts)
    return [_event("other", ts, data={"rrweb_type": _int(kind), "source": None})]


def _map_incremental(data: dict[str, Any], dom: DomMirror, ts: int) -> list[Event]:
    source = data.get("source")
    node_id = _int(data.get("id"))

    if source == MUTATION:
        touched = dom.apply_mutation(data)
        counts = {key: len(v) if isinstance(v := data.get(key), list) else 0 for key in _MUT_KEYS}
        event = _event("mutation", ts, data={"nodes": _unique(touched), **counts})
        if dom.has_pending:
            # Some change waits for a node that never arrived (yet): a snapshot may be missing.
            event["flags"] = ["orphaned"]
        return [event]

    if source in (MOUSE_MOVE, TOUCH_MOVE):
        kind = "move" if source == MOUSE_MOVE else "touchmove"
        positions = _list(data.get("positions"))
        return [
            _event(
                kind,
                ts + int(_num(p.get("timeOffset")) or 0),
                node=_int(p.get("id")),
                x=_num(p.get("x")),
                y=_num(p.get("y")),
            )
            for p in positions
            if isinstance(p, dict)
        ]

    if source == MOUSE_INTERACTION and data.get("type") in MOUSE_INTERACTIONS:
        extra: dict[str, Any] = {}
        if data.get("type") == 10:
            extra["cancelled"] = True
        if data.get("pointerType") in POINTER_TYPES:
            extra["pointer"] = POINTER_TYPES[data["pointerType"]]
        return [
            _targeted(
                MOUSE_INTERACTIONS[data["type"]],
                ts,
                dom,
                node_id,
                x=_num(data.get("x")),
                y=_num(data.get("y")),
                data=extra,
            )
        ]

    if source == SCROLL:
        scroll = {
            "x": _num(data.get("x")),
            "y": _num(data.get("y")),
            "document": node_id is not None and dom.is_document(node_id),
        }
        return [_targeted("scroll", ts, dom, node_id, data=scroll, describe=False)]

    if source == VIEWPORT_RESIZE:
        size = {"width": _num(data.get("width")), "height": _num(data.get("height"))}
        return [_event("resize", ts, data=size)]

    if source == INPUT:
        text = data.get("text")
        text = text if isinstance(text, str) else ""
        field: dict[str, Any] = {"masked": bool(text) and set(text) == {"*"}, "length": len(text)}
        if isinstance(data.get("isChecked"), bool):
            field["checked"] = data["isChecked"]
        return [_targeted("input", ts, dom, node_id, data=field)]

    if source == SELECTION:
        ranges = _list(data.get("ranges"))
        first = ranges[0] if ranges and isinstance(ranges[0], dict) else {}
        start = _int(first.get("start"))
        return [_targeted("selection", ts, dom, start, data={"ranges": len(ranges)})]

    return [_event("other", ts, node=node_id, data={"rrweb_type": INCREMENTAL, "source": source})]


_MUT_KEYS = ("adds", "removes", "texts", "attributes")


def _targeted(
    kind: str, ts: int, dom: DomMirror, node_id: int | None, describe: bool = True, **fields: Any
) -> Event:
    """An event on a node; flagged `orphaned` when the node is not in the mirror."""
    target: Target | None = dom.describe(node_id) if describe else None
    event = _event(kind, ts, node=node_id, target=target, **fields)
    if node_id is not None and dom.get(node_id) is None:
        event["flags"] = ["orphaned"]
    return event


def _map_custom(data: dict[str, Any], ts: int) -> Event:
    tag = _str(data.get("tag"))
    payload = _dict(data.get("payload"))

    if tag == "visibility" and isinstance(payload.get("visible"), bool):
        return _event("visibility", ts, data={"visible": payload["visible"]})
    if tag == "navigation" and isinstance(payload.get("href") or payload.get("url"), str):
        return _event("navigation", ts, data={"url": payload.get("href") or payload.get("url")})
    # The payload of other custom events is the site's own data: only the tag is kept.
    return _event("custom", ts, data={"tag": tag[:100]})


def _map_plugin(data: dict[str, Any], ts: int) -> list[Event]:
    plugin = _str(data.get("plugin"))
    payload = _dict(data.get("payload"))

    if plugin == CONSOLE_PLUGIN and payload.get("level") == "error":
        parts = _list(payload.get("payload"))
        trace = _list(payload.get("trace"))
        # Stored rrweb events are redacted before they are mapped: the cut leaves no label open.
        message = cut_redacted(
            " ".join(_unquote(p) for p in parts if isinstance(p, str)), MESSAGE_LIMIT
        )
        error: dict[str, Any] = {"message": message}
        if trace and isinstance(trace[0], str):
            error["source"] = cut_redacted(trace[0], MESSAGE_LIMIT)
        return [_event("error", ts, data=error)]

    if plugin in NETWORK_PLUGINS:
        requests = _list(payload.get("requests"))
        failed = [_request(r, ts) for r in requests if isinstance(r, dict) and _failed(r)]
        if failed:
            return failed

    return [_event("other", ts, data={"rrweb_type": PLUGIN, "source": plugin[:100]})]


def _request(request: dict[str, Any], ts: int) -> Event:
    status = _int(request.get("responseStatus", request.get("status")))
    started = _num(request.get("startTime") or request.get("timestamp"))
    url = _str(request.get("name") or request.get("url"))
    method = _str(request.get("method")).upper() or None
    # Browsers give startTime relative to page start; only epoch-like values replace ts.
    when = int(started) if started is not None and started > 1e12 else ts
    return _event("request", when, data={"url": url, "status": status, "method": method})


def _failed(request: dict[str, Any]) -> bool:
    status = _int(request.get("responseStatus", request.get("status")))
    # Status 0 is what fetch/XHR report for a network failure or a blocked request.
    return status is not None and (status == 0 or status >= 400)


def _unquote(text: str) -> str:
    # The console plugin stringifies each argument, so strings arrive wrapped in quotes.
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def _unique(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
