"""Sizes measured without re-serialising every event, and integers too wide for storage."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.body import json_size, nesting_depth, outside_strings
from ingest.envelope import Limits, parse_body
from ingest.numbers import may_hold_wide_int, wide_int_path

IDS = {"site_key": "city-web", "session_id": "s-1", "window_id": "w-1", "seq": 3}
META = {
    "type": 4,
    "timestamp": 1,
    "data": {"href": "https://city.example/", "width": 1, "height": 1},
}

# Strings full of what could be mistaken for structure: quotes, escapes, separators, brackets.
tricky_text = st.text(alphabet='"\\,:[]{}aé€\n\u2028', max_size=12)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    # Floats below 1e-4 are written with other exponents by orjson (see `json_size`).
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f == 0 or abs(f) >= 1e-4)
    | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=25,
)


def body(events: list[Any]) -> bytes:
    return json.dumps({**IDS, "events": events}, ensure_ascii=False).encode()


def test_outside_strings_drops_strings_with_escaped_quotes_and_backslashes() -> None:
    raw = rb'{"a\"b":[1,"\\"],"c\\\\":"x\\\"y","d":"unterminated'

    assert outside_strings(raw) == b"{:[1,],:,:"


def test_brackets_in_strings_with_escapes_do_not_count_as_depth() -> None:
    assert nesting_depth(rb'[{"k\\":"[[[\"{{"}, [[]]]') == 3


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_json_size_is_the_stdlib_size_in_utf8(value: Any) -> None:
    assert json_size(value) == len(json.dumps(value, ensure_ascii=False).encode())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fixed_dictionaries({"type": st.just(5), "data": json_values}), max_size=6))
def test_batch_size_is_the_stdlib_size_of_the_events_array(events: list[Any]) -> None:
    events = [{**e, "timestamp": 2} for e in events]

    batch = parse_body(body([META, *events]), "application/json", None)

    assert batch.size_bytes == len(json.dumps([META, *events], ensure_ascii=False).encode())


def test_only_the_event_over_its_limit_is_rejected_when_the_batch_is_over_it_too() -> None:
    large = {"type": 5, "timestamp": 2, "data": {"tag": "t", "payload": "€" * 400}}
    limits = Limits(max_event_bytes=1_000)

    batch = parse_body(body([META, large, META]), "application/json", None, limits)

    assert batch.indexes == [0, 2]
    assert batch.rejected == [{"index": 1, "field": "event", "reason": "event_too_large"}]
    size = len(json.dumps(large, ensure_ascii=False).encode())
    assert batch.warnings == [{"code": "event_too_large", "index": 1, "bytes": size}]


def test_an_integer_past_int64_rejects_its_event_naming_the_path() -> None:
    wide = {"type": 3, "timestamp": 2, "data": {"source": 1, "positions": [{"x": 1}, {"x": 2**63}]}}
    at_edge = {"type": 3, "timestamp": 3, "data": {"source": 1, "x": 2**63 - 1, "y": -(2**63)}}

    batch = parse_body(body([META, wide, at_edge]), "application/json", None)

    assert batch.indexes == [0, 2]
    assert batch.rejected == [
        {"index": 1, "field": "data.positions[1].x", "reason": "integer_out_of_range"}
    ]


def test_long_digit_runs_in_strings_are_not_wide_integers() -> None:
    event = {"type": 5, "timestamp": 2, "data": {"tag": "t", "payload": {"id": "9" * 30}}}

    batch = parse_body(body([event]), "application/json", None)

    assert batch.indexes == [0] and batch.rejected == []


def test_keys_that_are_not_plain_names_are_not_echoed_in_the_path() -> None:
    assert wide_int_path({"attributes": {"data-mail=a@b.example": [2**64 - 1]}}) == (
        "attributes.?[0]"
    )


def test_the_cheap_gate_sees_every_wide_integer_orjson_can_write() -> None:
    assert may_hold_wide_int(b"[1,9223372036854775808]")
    assert may_hold_wide_int(b'{"a":-9223372036854775809}')
    # orjson writes floats with at most 17 significant digits.
    assert not may_hold_wide_int(b"[1.1805916207174113e21,123456789012345678]")
