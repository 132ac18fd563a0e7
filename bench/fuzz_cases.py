"""Hostile HTTP requests for /collect, the survey endpoints and /graphql, as hypothesis strategies.

Shared by the CI fuzz tests (tests/reliability/test_hostile_http.py, a few hundred cases) and the
long run (bench/fuzz_http.py, ten thousand and more). Every case is one request; the API must
answer it with something other than a 5xx, quickly, and keep its memory.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, build_schema
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
NATIVE_TYPES = (
    "pageview", "load", "mutation", "move", "touchmove", "click", "dblclick", "mousedown",
    "mouseup", "contextmenu", "touchstart", "touchend", "focus", "blur", "scroll", "resize",
    "input", "selection", "visibility", "error", "request", "navigation", "submit", "custom",
)  # fmt: skip
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "text/plain;charset=UTF-8",
    "application/json; charset=latin-1",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
)
# Strings that have made regex engines, URL parsers or NER models slow or unhappy elsewhere.
PATHOLOGICAL = (
    "." * 8000,
    "a@" * 4000,
    "@." * 4000,
    "1-" * 3000,
    "(555) " * 1000,
    "http://" * 1000,
    "https://a.b/?" + "a=b&" * 2000,
    "%" * 5000,
    "%25" * 3000,
    "\\" * 5000,
    "<" * 4000 + ">" * 4000,
    "a" * 50_000,
    "0" * 20_000,
    "é" * 10_000,
    "\u202e\u200b\ufeff" * 1000,
    "\x00\x01\x7f" * 1000,
    "🙂" * 3000,
    "Mr. " * 2000,
    "x.y" * 3000,
    "::" * 4000,
)


URL_VALUE_CHARS = 2000


@dataclass
class Case:
    """One request: what to send, and a short description for a failure report."""

    method: str
    path: str
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A URL is a few kilobytes at most in any client: longer query values are cut here.
        self.params = {k[:200]: v[:URL_VALUE_CHARS] for k, v in self.params.items()}

    def describe(self, limit: int = 300) -> str:
        body = (self.content or b"")[:limit]
        return (
            f"{self.method} {self.path[:limit]} params={str(self.params)[:limit]} "
            f"headers={str(self.headers)[:limit]} body={body!r}"
        )


@cache
def texts(max_size: int = 40) -> st.SearchStrategy[str]:
    """Mostly ordinary text; one draw in twenty is pathological (long and repetitive)."""
    repeated = st.builds(
        lambda unit, n: unit * n,
        st.sampled_from([".", "@", "a.", "1 ", "%", "<a>", "\\u", "?=", "-", "é", "\u0301"]),
        st.integers(1, 6000),
    )
    pathological = st.sampled_from(PATHOLOGICAL) | repeated
    return st.integers(0, 19).flatmap(
        lambda roll: pathological if roll == 0 else st.text(max_size=max_size)
    )


@cache
def header_texts(max_size: int = 60) -> st.SearchStrategy[str]:
    """What a client can put in a header value: visible ASCII, spaces inside only."""
    return st.from_regex(rf"[!-~](?:[ -~]{{0,{max_size}}}[!-~])?", fullmatch=True)


@cache
def numbers() -> st.SearchStrategy[Any]:
    return (
        st.integers(-(2**70), 2**70)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.sampled_from([0, -1, 2**53, 2**53 + 1, 2**63, 1e308, -1e308, 1e-308])
    )


@cache
def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | numbers() | texts()
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=5)
            | st.dictionaries(st.text(max_size=12), children, max_size=5)
        ),
        max_leaves=max_leaves,
    )


@cache
def ids() -> st.SearchStrategy[Any]:
    valid = st.from_regex(r"[A-Za-z0-9._:-]{1,128}", fullmatch=True)
    return valid | texts() | json_values(3)


@cache
def targets() -> st.SearchStrategy[Any]:
    element = st.fixed_dictionaries(
        {},
        optional={
            "selector": texts(),
            "tag": st.sampled_from(["a", "button", "input", "select", "div"]) | texts(),
            "text": texts(),
            "attrs": st.dictionaries(texts(20), texts() | json_values(3), max_size=6),
            "interactive": json_values(4),
        },
    )
    return element | json_values(4)


@cache
def native_events() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {
            "type": st.sampled_from(NATIVE_TYPES) | texts(10),
            "ts": st.integers(0, 2**53) | numbers(),
        },
        optional={
            "url": texts() | st.sampled_from(["https://city.example.test/a?b=c", "javascript:x"]),
            "x": numbers(),
            "y": numbers(),
            "width": numbers(),
            "height": numbers(),
            "target": targets(),
            "value": texts(),
            "masked": st.booleans() | json_values(2),
            "length": numbers(),
            "message": texts(),
            "source": texts(),
            "status": numbers(),
            "method": texts(10),
            "visible": st.booleans(),
            "tag": texts(),
            "count": numbers(),
        },
    )


@cache
def dom_nodes() -> st.SearchStrategy[Any]:
    text_node = st.fixed_dictionaries(
        {"id": st.integers(-5, 10_000), "type": st.just(3), "textContent": texts()}
    )
    return st.recursive(
        text_node,
        lambda children: st.fixed_dictionaries(
            {
                "id": st.integers(-5, 10_000),
                "type": st.sampled_from([0, 1, 2, 4, 5]),
                "tagName": st.sampled_from(["div", "input", "a", "script", "style", "iframe"])
                | texts(10),
                "attributes": st.dictionaries(texts(12), texts() | json_values(2), max_size=5),
                "childNodes": st.lists(children, max_size=4),
            }
        ),
        max_leaves=6,
    )


@cache
def rrweb_events() -> st.SearchStrategy[Any]:
    data = st.fixed_dictionaries(
        {},
        optional={
            "source": st.integers(0, 16),
            "type": st.integers(0, 10),
            "href": texts(),
            "node": dom_nodes(),
            "id": st.integers(-5, 10_000),
            "text": texts(),
            "x": numbers(),
            "y": numbers(),
            "positions": st.lists(json_values(4), max_size=5),
            "texts": st.lists(
                st.fixed_dictionaries({"id": st.integers(0, 99), "value": texts()}), max_size=4
            ),
            "adds": st.lists(
                st.fixed_dictionaries(
                    {"parentId": st.integers(-1, 99), "nextId": st.none(), "node": dom_nodes()}
                ),
                max_size=4,
            ),
            "removes": st.lists(json_values(3), max_size=3),
            "attributes": st.lists(json_values(4), max_size=3),
            "tag": texts(),
            "payload": json_values(6),
        },
    )
    return st.fixed_dictionaries(
        {
            "type": st.integers(0, 7) | json_values(2),
            "timestamp": st.integers(0, 2**53) | numbers(),
        },
        optional={"data": data | json_values(4)},
    )


@cache
def envelopes(site_key: str) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {
            "site_key": st.just(site_key) | ids(),
            "session_id": ids(),
            "window_id": ids(),
            "seq": st.integers(0, 2**53) | json_values(2),
            "format": st.sampled_from(["native", "rrweb"]) | texts(10),
            "events": st.lists(native_events() | rrweb_events() | json_values(4), max_size=8),
        },
        optional={
            "sent_at": st.integers(0, 2**53) | json_values(2),
            "visitor_id": ids(),
            "page_id": ids(),
        },
    )


def _recent(events: list[dict[str, Any]], offsets_ms: list[int]) -> list[dict[str, Any]]:
    """The events stamped within the last ten minutes, in place of their drawn timestamps."""
    now_ms = int(time.time() * 1000)
    key = "ts" if "ts" in events[0] else "timestamp"
    return [{**e, key: now_ms - o} for e, o in zip(events, offsets_ms, strict=False)]


def _stamped(events: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[list[Any]]:
    """Half the batches keep hostile timestamps; the others get recent ones, to go deeper."""
    recent = st.builds(_recent, events, st.lists(st.integers(0, 600_000), min_size=8, max_size=8))
    return events | recent


@cache
def valid_envelopes(site_key: str) -> st.SearchStrategy[Any]:
    """Envelopes the API accepts, with hostile events inside: these reach the worker."""
    ids = st.from_regex(r"[A-Za-z0-9]{8,32}", fullmatch=True)
    native = st.fixed_dictionaries(
        {
            "site_key": st.just(site_key),
            "session_id": ids,
            "window_id": st.sampled_from(["w1", "w2"]),
            "seq": st.integers(0, 50),
            "format": st.just("native"),
            "events": _stamped(st.lists(native_events(), min_size=1, max_size=8)),
        },
        optional={"visitor_id": ids},
    )
    rrweb = st.fixed_dictionaries(
        {
            "site_key": st.just(site_key),
            "session_id": ids,
            "window_id": st.just("w1"),
            "seq": st.integers(0, 50),
            "format": st.just("rrweb"),
            "events": _stamped(st.lists(rrweb_events(), min_size=1, max_size=8)),
        }
    )
    return native | rrweb


def encode(value: Any) -> bytes:
    """JSON as a browser would send it (big integers and lone surrogates included)."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


@st.composite
def bodies(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> tuple[bytes, dict[str, str]]:
    """A body and its headers: JSON, truncated JSON, raw bytes, or gzip (sometimes lying)."""
    shape = draw(st.sampled_from(["json", "json", "json", "truncated", "bytes", "gzip", "lie"]))
    headers = {"content-type": draw(st.sampled_from(CONTENT_TYPES))}
    if shape == "bytes":
        return draw(st.binary(max_size=2000)), headers
    raw = encode(draw(values))
    if shape == "truncated":
        raw = raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
    elif shape == "gzip":
        raw = gzip.compress(raw)
        headers["content-encoding"] = draw(st.sampled_from(["gzip", "x-gzip", ""]))
    elif shape == "lie":
        headers["content-encoding"] = draw(st.sampled_from(["gzip", "br", "deflate", "identity"]))
    return raw, headers


@st.composite
def collect_cases(draw: st.DrawFn, site_key: str) -> Case:
    content, headers = draw(
        bodies(
            valid_envelopes(site_key)
            | envelopes(site_key)
            | json_values()
            | st.lists(rrweb_events(), max_size=6)
        )
    )
    params = draw(
        st.dictionaries(
            st.sampled_from(["site_key", "session_id", "window_id", "seq", "format", "x"]),
            texts(20),
            max_size=4,
        )
    )
    if draw(st.booleans()):
        headers["origin"] = draw(
            st.sampled_from(["https://city.example.test", "null"]) | header_texts(30)
        )
    return Case("POST", "/collect", content, headers, params)


@st.composite
def survey_cases(draw: st.DrawFn, site_key: str, survey_id: str) -> Case:
    fields = st.fixed_dictionaries(
        {},
        optional={
            "site_key": st.just(site_key) | ids(),
            "session_id": ids(),
            "visitor_id": ids(),
            "window_id": ids(),
            "url": texts() | st.just("https://city.example.test/permits/1"),
            "lang": st.sampled_from(["en", "es-MX", "zz"]) | texts(12),
            "signal": st.sampled_from(["rage_click", "dead_click"]) | texts(12),
            "answers": st.fixed_dictionaries(
                {}, optional={"main": json_values(3), "follow_up": texts() | json_values(3)}
            )
            | json_values(5),
        },
    )
    if draw(st.booleans()):
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in draw(fields).items()}
        return Case("GET", "/surveys/eligible", params=params)
    target = draw(st.just(survey_id) | texts(30))
    action = draw(st.sampled_from(["shown", "dismissed", "responses", "x"]))
    content, headers = draw(bodies(fields | json_values()))
    return Case("POST", f"/surveys/{quote(target, safe='') or 'x'}/{action}", content, headers)


@cache
def graphql_fields() -> tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]:
    """(operation, field, its argument names, its scalar subfields) for every root field."""
    schema = build_schema((ROOT / "schema" / "schema.graphql").read_text())
    found = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, definition in (root.fields if root else {}).items():
            kind = definition.type
            while isinstance(kind, GraphQLNonNull | GraphQLList):
                kind = kind.of_type
            scalars: tuple[str, ...] = ()
            if isinstance(kind, GraphQLObjectType):
                scalars = tuple(
                    n
                    for n, f in kind.fields.items()
                    if not isinstance(_named(f.type), GraphQLObjectType)
                )
            found.append((operation, name, tuple(definition.args), scalars))
    return tuple(found)


def _named(kind: Any) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def literal(value: Any, depth: int = 0) -> str:
    """A JSON-ish value as a GraphQL literal."""
    if depth > 4:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, depth + 1) for v in value) + "]"
    pairs = [f"{_name(k)}: {literal(v, depth + 1)}" for k, v in value.items()]
    return "{" + ", ".join(pairs) + "}"


def _name(key: str) -> str:
    cleaned = "".join(c for c in key if c.isalnum() or c == "_")
    return cleaned if cleaned and not cleaned[0].isdigit() else "f" + cleaned


@st.composite
def graphql_documents(draw: st.DrawFn) -> str:
    """An operation on a real root field, with hostile arguments and a real selection."""
    operation, name, args, scalars = draw(st.sampled_from(graphql_fields()))
    chosen = draw(st.lists(st.sampled_from(args), unique=True)) if args else []
    arguments = ", ".join(f"{a}: {literal(draw(json_values(6)))}" for a in chosen)
    selection = draw(st.lists(st.sampled_from(scalars), unique=True, min_size=1)) if scalars else []
    text = f"{operation} {{ {name}{f'({arguments})' if arguments else ''}"
    text += f" {{ {' '.join(selection)} }}" if selection else ""
    return text + " }"


@st.composite
def graphql_cases(draw: st.DrawFn, keys: list[str]) -> Case:
    query = draw(graphql_documents() | texts(200) | st.sampled_from(["{ version }", "{", "}"]))
    payload = draw(
        st.fixed_dictionaries(
            {"query": st.just(query) | json_values(3)},
            optional={"variables": json_values(8), "operationName": texts(20) | json_values(2)},
        )
    )
    headers = {}
    key = draw(st.sampled_from([*keys, "", "garbage"]) | header_texts(60))
    if key:
        headers["authorization"] = f"Bearer {key}"
    if draw(st.integers(0, 4)) == 0:
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
        return Case("GET", "/graphql", headers=headers, params=params)
    content, body_headers = draw(bodies(st.just(payload) | json_values()))
    return Case("POST", "/graphql", content, {**headers, **body_headers})


@st.composite
def deep_cases(draw: st.DrawFn, survey_id: str) -> Case:
    """Deeply nested JSON, or a body far over every limit, to any endpoint that reads a body."""
    path = draw(st.sampled_from(["/collect", f"/surveys/{survey_id}/responses", "/graphql"]))
    depth = draw(st.integers(50, 200_000))
    shape = draw(st.sampled_from(["arrays", "objects", "huge"]))
    if shape == "arrays":
        content = b"[" * depth + b"]" * depth
    elif shape == "objects":
        content = b'{"a":' * depth + b"1" + b"}" * depth
    else:
        content = b'{"events": ["' + b"a" * (depth * 40) + b'"]}'
    return Case("POST", path, content, {"content-type": "application/json"})


def any_case(site_key: str, survey_id: str, keys: list[str]) -> st.SearchStrategy[Case]:
    """All kinds, /collect twice as often; one case in nine is deep or huge."""
    return st.one_of(
        collect_cases(site_key),
        collect_cases(site_key),
        collect_cases(site_key),
        survey_cases(site_key, survey_id),
        survey_cases(site_key, survey_id),
        graphql_cases(keys),
        graphql_cases(keys),
        graphql_cases(keys),
        deep_cases(survey_id),
    )
