"""Event ids, dedupe, clock shift, outlier clamping and ordering."""

from __future__ import annotations

from ingest.order import (
    arrival_order,
    clock_shift_ms,
    correct_times,
    dedupe,
    event_id,
    order_key,
)

CLICK = {"type": 3, "data": {"source": 2, "type": 2, "id": 5, "x": 1, "y": 2}}


def test_event_id_ignores_wrapper_fields_and_key_order_but_not_content() -> None:
    a = event_id("site", "s", "w", {**CLICK, "timestamp": 10})
    b = event_id(
        "site",
        "s",
        "w",
        {
            "timestamp": 10,
            "sessionId": "x",
            "data": dict(reversed(list(CLICK["data"].items()))),
            "type": 3,
        },
    )

    assert a == b and len(a) == 32
    assert a != event_id("site", "s", "w", {**CLICK, "timestamp": 11})
    assert a != event_id("site", "s", "w2", {**CLICK, "timestamp": 10})


def test_event_id_of_untimed_event_depends_on_its_position() -> None:
    first = event_id("site", "s", "w", CLICK, seq=1, index=0)

    assert first == event_id("site", "s", "w", CLICK, seq=1, index=0)
    assert first != event_id("site", "s", "w", CLICK, seq=1, index=1)


def test_dedupe_drops_exact_repeats_but_keeps_untimed_repeats() -> None:
    events = [
        {**CLICK, "timestamp": 1},
        {**CLICK, "timestamp": 1},
        {**CLICK, "timestamp": 2},
        CLICK,
        CLICK,
    ]

    assert dedupe(events) == [0, 2, 3, 4]


def test_dedupe_drops_a_second_recorders_page_start_within_the_window() -> None:
    meta = {"type": 4, "data": {"href": "https://city.example/"}}
    events = [{**meta, "timestamp": 0}, {**meta, "timestamp": 40}, {**meta, "timestamp": 600_000}]

    assert dedupe(events) == [0, 2]
    assert dedupe(events, recorder_window_ms=10) == [0, 1, 2]


def test_clock_shift_ignores_latency_quantises_and_keeps_the_smallest_estimate() -> None:
    assert clock_shift_ms(1_000_000, 1_001_500) == 0
    assert clock_shift_ms(1_000_000, 1_000_000 + 3_600_400) == 3_600_000
    assert clock_shift_ms(1_000_000, 1_000_000 - 7_200_700) == -7_201_000
    # A retry sent long ago but received now must not move the session's clock.
    assert clock_shift_ms(1_000_000, 1_005_000, previous_shift_ms=0) == 0
    assert clock_shift_ms(None, 5, previous_shift_ms=2_000) == 2_000


def test_correct_times_shifts_and_clamps_outliers_to_the_previous_good_time() -> None:
    events = [
        {"ts": 1_000},
        {"ts": 2_000},
        {"ts": 1_000 - 3 * 86_400_000},
        {"ts": 3_000},
        {"ts": 4_102_444_800_000},
        {"type": "x"},
    ]

    fixed, flags = correct_times(events, received_at_ms=10_000, shift_ms=500)

    assert [e.get("ts") for e in fixed] == [1_500, 2_500, 2_500, 3_500, 3_500, None]
    assert flags == [[], [], ["ts_clamped"], [], ["ts_clamped"], []]
    assert events[0] == {"ts": 1_000}


def test_correct_times_clamps_a_leading_outlier_to_the_next_good_time() -> None:
    fixed, flags = correct_times(
        [{"timestamp": 5}, {"timestamp": 1_700_000_000_000}, {"timestamp": 1_700_000_000_100}],
        received_at_ms=1_700_000_001_000,
    )

    assert [e["timestamp"] for e in fixed] == [
        1_700_000_000_000,
        1_700_000_000_000,
        1_700_000_000_100,
    ]
    assert flags[0] == ["ts_clamped"]


def test_arrival_order_is_stable_for_equal_times_and_keeps_untimed_in_place() -> None:
    events = [{"ts": 30}, {"ts": 10}, {"ts": 30}, {"x": 1}, {"ts": 20}]

    assert arrival_order(events) == [1, 4, 0, 2, 3]


def test_order_key_sorts_by_window_then_seq_then_time_then_arrival() -> None:
    keys = [
        order_key("w2", 1, 0, 0),
        order_key("w1", 2, 0, 0),
        order_key("w1", 1, 9, 1),
        order_key("w1", 1, 9, 0),
    ]

    assert sorted(keys) == [("w1", 1, 9, 0), ("w1", 1, 9, 1), ("w1", 2, 0, 0), ("w2", 1, 0, 0)]


def test_ids_and_dedupe_work_for_events_nested_deeper_than_orjson_writes() -> None:
    node: dict = {"type": 3, "id": 400, "textContent": "deep"}
    for node_id in range(399, 0, -1):
        node = {"type": 2, "tagName": "div", "id": node_id, "childNodes": [node]}
    snapshot = {"type": 2, "timestamp": 1, "data": {"node": node}}

    assert dedupe([snapshot, dict(snapshot)]) == [0]
    assert event_id("s", "s", "w", snapshot) == event_id("s", "s", "w", dict(snapshot))


def test_two_event_batch_keeps_the_event_near_receipt_and_clamps_the_other() -> None:
    received = 1_700_000_010_000
    events = [{"ts": received - 3 * 86_400_000}, {"ts": received - 5_000}]

    fixed, flags = correct_times(events, received_at_ms=received)

    assert flags == [["ts_clamped"], []]
    assert [e["ts"] for e in fixed] == [received - 5_000, received - 5_000]
