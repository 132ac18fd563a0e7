"""Property: whatever bytes arrive, parse_body returns a Batch or raises InvalidBatch (4xx),
and every Batch it returns goes through prepare_batch without an error."""

from __future__ import annotations

import gzip
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_case_files import load_case

from ingest.envelope import Batch, Limits, parse_body
from ingest.errors import InvalidBatch
from ingest.numbers import wide_int_path
from ingest.prepare import prepare_batch

LIMITS = Limits(max_request_bytes=200_000, max_event_bytes=20_000, max_depth=64)
QUERY = {"site_key": "city-web", "session_id": "s", "window_id": "w", "seq": "1"}
SEED = json.dumps(
    {
        "site_key": "c",
        "session_id": "s",
        "window_id": "w",
        "seq": 1,
        "events": load_case("bugs/20")["events"],
    }
).encode()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)
envelope_like = st.fixed_dictionaries(
    {},
    optional={
        "site_key": json_values,
        "session_id": json_values,
        "window_id": json_values,
        "seq": json_values,
        "sent_at": json_values,
        "format": st.sampled_from(["rrweb", "native", 1]),
        "events": st.lists(
            json_values
            | st.fixed_dictionaries(
                {
                    "type": st.integers(-1, 7) | st.text(max_size=10),
                    "data": json_values,
                    "timestamp": json_values,
                }
            ),
            max_size=6,
        ),
    },
)


def _mutate(seed: bytes, cuts: list[tuple[int, bytes]]) -> bytes:
    out = bytearray(seed)
    for position, junk in cuts:
        position %= len(out) + 1
        out[position : position + len(junk)] = junk
    return bytes(out)


def _check(body: bytes, content_type: str | None, encoding: str | None) -> None:
    try:
        result = parse_body(body, content_type, encoding, LIMITS, QUERY)
    except InvalidBatch as err:
        assert 400 <= err.status < 500
        return
    assert isinstance(result, Batch)
    assert len(result.events) == len(result.indexes)
    # Nothing accepted holds an integer that 64-bit storage (BSON) could not.
    assert wide_int_path(result.events) is None
    prepared = prepare_batch(result, 1_700_000_000_000)
    assert all(isinstance(e["ts"], int) for e in prepared.events)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=400),
    st.sampled_from([None, "application/json", "text/plain", "x/y"]),
    st.sampled_from([None, "gzip", "identity", "br"]),
)
def test_random_bytes_only_raise_invalid_batch(
    body: bytes, ctype: str | None, encoding: str | None
) -> None:
    _check(body, ctype, encoding)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(SEED)), st.binary(min_size=1, max_size=6)),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
)
def test_mutated_real_bodies_only_raise_invalid_batch(
    cuts: list[tuple[int, bytes]], packed: bool
) -> None:
    body = _mutate(SEED, cuts)
    if packed:
        body = (
            gzip.compress(body)[: max(10, len(body) // 2)]
            if cuts[0][0] % 2
            else gzip.compress(body)
        )
    _check(body, "application/json", "gzip" if packed else None)


@settings(max_examples=150, deadline=None)
@given(json_values | envelope_like | st.lists(json_values, max_size=5))
def test_random_json_documents_only_raise_invalid_batch(value: Any) -> None:
    _check(json.dumps(value).encode(), "application/json", None)


node_ids = st.integers(-2, 12)
small_dicts = st.dictionaries(
    st.sampled_from(["level", "payload", "visible", "requests", "href", "style"]),
    st.none()
    | st.booleans()
    | st.integers(0, 600)
    | st.text(max_size=5)
    | st.lists(
        st.text(max_size=5) | st.fixed_dictionaries({"responseStatus": st.integers(0, 600)})
    ),
    max_size=4,
)
serialized_nodes = st.recursive(
    st.fixed_dictionaries(
        {"type": st.integers(0, 5), "id": node_ids},
        optional={
            "tagName": st.sampled_from(["a", "BUTTON", "div", "input", "iframe"]),
            "textContent": st.text(max_size=5),
            "attributes": st.dictionaries(
                st.sampled_from(["id", "class", "role", "type"]), st.text(max_size=6) | st.none()
            ),
        },
    ),
    lambda inner: st.fixed_dictionaries(
        {"type": st.integers(0, 2), "id": node_ids, "childNodes": st.lists(inner, max_size=3)}
    ),
    max_leaves=8,
)
rrweb_data = st.fixed_dictionaries(
    {"source": st.integers(0, 16)},
    optional={
        "type": st.integers(-1, 11),
        "id": node_ids,
        "x": st.integers(-5, 5) | st.floats(-1e6, 1e6),
        "positions": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "x": st.integers(),
                    "id": node_ids,
                    "timeOffset": st.integers(-(10**6), 10**6),
                },
            )
        ),
        "adds": st.lists(
            st.fixed_dictionaries(
                {"parentId": node_ids, "node": serialized_nodes},
                optional={"nextId": node_ids | st.none()},
            )
        ),
        "removes": st.lists(st.fixed_dictionaries({"parentId": node_ids, "id": node_ids})),
        "texts": st.lists(st.fixed_dictionaries({"id": node_ids, "value": st.text(max_size=4)})),
        "attributes": st.lists(st.fixed_dictionaries({"id": node_ids, "attributes": small_dicts})),
        "node": serialized_nodes,
        "tag": st.sampled_from(["visibility", "navigation", "x"]),
        "payload": small_dicts,
        "plugin": st.sampled_from(["rrweb/console@1", "rrweb/network@1", "other"]),
    },
)
rrweb_events = st.fixed_dictionaries(
    {"type": st.integers(0, 7), "data": rrweb_data},
    optional={"timestamp": st.integers(0, 5_000_000_000_000) | st.floats(0, 2e12)},
)


@settings(max_examples=120, deadline=None)
@given(st.lists(rrweb_events, max_size=12))
def test_random_rrweb_streams_are_accepted_and_prepared_without_errors(events: list) -> None:
    body = {"site_key": "c", "session_id": "s", "window_id": "w", "seq": 1, "events": events}

    _check(json.dumps(body).encode(), "application/json", None)
