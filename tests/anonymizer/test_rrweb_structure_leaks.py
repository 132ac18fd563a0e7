"""Leaks through the shape of rrweb events: extra keys, unknown event types and plugins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from anonymizer import Redactor

EMAIL = "jane.roe@example.com"
OTHER_EMAIL = "megan@gmail.com"
CARD = "4111 1111 1111 1111"
RECORDING = Path(__file__).parents[1] / "data/cases/rrweb/rrweb-player-demoit-react.json"


def stored(redactor: Redactor, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return redactor.redact_batch([], events).rrweb_events


def test_extra_top_level_keys_are_dropped_and_rrweb_keys_kept(redactor: Redactor) -> None:
    scroll = {"source": 3, "id": 1, "x": 0, "y": 240}
    event = {
        "type": 3,
        "data": scroll,
        "timestamp": 1700000000000,
        "delay": 12,
        "sessionId": EMAIL,
        "userEmail": OTHER_EMAIL,
    }

    [out] = stored(redactor, [event])

    assert out == {"type": 3, "data": scroll, "timestamp": 1700000000000, "delay": 12}


def test_a_real_recording_keeps_every_event_but_not_its_session_id_field(
    redactor: Redactor,
) -> None:
    events = json.loads(RECORDING.read_text())
    assert all("sessionId" in e for e in events)

    out = redactor.redact_batch([], events).rrweb_events

    assert [set(e) for e in out] == [{"type", "data", "timestamp"}] * len(events)
    assert [(e["type"], e["timestamp"]) for e in out] == [
        (e["type"], e["timestamp"]) for e in events
    ]
    assert [e["data"].get("source") for e in out] == [e["data"].get("source") for e in events]


def test_extra_keys_inside_meta_and_snapshot_data_are_dropped(redactor: Redactor) -> None:
    meta = {
        "type": 4,
        "data": {
            "href": "https://city.example.gov/permits",
            "width": 1280,
            "height": 800,
            "user": EMAIL,
        },
        "timestamp": 1,
    }
    node = {"type": 0, "id": 1, "childNodes": []}
    snapshot = {
        "type": 2,
        "data": {"node": node, "initialOffset": {"top": 0, "left": 0}, "account": EMAIL},
        "timestamp": 2,
    }

    out = stored(redactor, [meta, snapshot])

    assert out[0]["data"] == {
        "href": "https://city.example.gov/permits",
        "width": 1280,
        "height": 800,
    }
    assert out[1]["data"] == {"node": node, "initialOffset": {"top": 0, "left": 0}}


def test_unknown_event_types_keep_type_and_time_but_no_data(redactor: Redactor) -> None:
    unknown = {"type": 7, "data": {"email": EMAIL, "card": CARD}, "timestamp": 5}
    loaded = {"type": 1, "data": {"note": EMAIL}, "timestamp": 6}

    out = stored(redactor, [unknown, loaded])

    assert out == [{"type": 7, "data": {}, "timestamp": 5}, {"type": 1, "data": {}, "timestamp": 6}]


def test_unknown_incremental_sources_keep_only_their_source(redactor: Redactor) -> None:
    event = {"type": 3, "data": {"source": 42, "label": EMAIL}, "timestamp": 5}
    assert stored(redactor, [event])[0]["data"] == {"source": 42}


def test_unknown_plugins_keep_their_name_but_not_their_payload(redactor: Redactor) -> None:
    payload = {"name": "megan parker", "email": OTHER_EMAIL}
    plugin = {"type": 6, "data": {"plugin": "acme/identify@1", "payload": payload}, "timestamp": 5}

    out = stored(redactor, [plugin])[0]

    assert out["data"] == {"plugin": "acme/identify@1", "payload": {}}
    assert "megan" not in json.dumps(out)


def test_known_console_plugin_payload_keeps_its_error_text(redactor: Redactor) -> None:
    payload = {"level": "error", "payload": [f'"TypeError: no user {EMAIL}"'], "trace": []}
    plugin = {"type": 6, "data": {"plugin": "rrweb/console@1", "payload": payload}, "timestamp": 5}

    out = stored(redactor, [plugin])[0]["data"]["payload"]

    assert out["level"] == "error"
    assert out["payload"] == ['"TypeError: no user <EMAIL_ADDRESS>"']


def test_extra_keys_inside_incremental_data_are_dropped_and_rrweb_keys_kept(
    redactor: Redactor,
) -> None:
    click = {"source": 2, "type": 2, "id": 230, "x": 10, "y": 20, "pointerType": 0}
    extra = {"userName": "maria lopez", "note": f"tyler brooks {EMAIL}", "user": {"e": EMAIL}}
    events = [
        {"type": 3, "data": {**click, **extra}, "timestamp": 1700000000000},
        {"type": 3, "data": {"source": 4, "width": 800, "height": 600, **extra}, "timestamp": 2},
        {"type": 3, "data": {"source": 11, "level": "log", "trace": [], "payload": ["x"], **extra},
         "timestamp": 3},
    ]  # fmt: skip

    outs = stored(redactor, events)

    assert outs[0]["data"] == click
    assert outs[1]["data"] == {"source": 4, "width": 800, "height": 600}
    assert set(outs[2]["data"]) == {"source", "level", "trace", "payload"}
    assert "maria" not in str(outs) and "tyler" not in str(outs) and EMAIL not in str(outs)


def test_every_incremental_event_of_the_real_recordings_keeps_all_its_data_keys(
    redactor: Redactor,
) -> None:
    folder = RECORDING.parent
    events = [
        e
        for path in sorted(folder.glob("*.json"))
        for e in _events_of(json.loads(path.read_text(encoding="utf-8")))
        if isinstance(e, dict) and e.get("type") == 3 and e["data"].get("source") != 0
    ]

    outs = stored(redactor, events)

    assert len(events) > 100
    assert [sorted(o["data"]) for o in outs] == [sorted(e["data"]) for e in events]


def _events_of(recording: Any) -> list[Any]:
    if isinstance(recording, dict):
        return list(recording.get("events") or [])
    return list(recording)


def test_custom_event_tags_and_payloads_lose_lower_case_names(redactor: Redactor) -> None:
    data = {"tag": f"identify maria lopez {EMAIL}", "payload": {"who": "signed in as tyler brooks"}}
    custom = {"type": 5, "timestamp": 1, "data": data}

    [out] = stored(redactor, [custom])

    assert out["data"]["tag"] == "identify <PERSON> <EMAIL_ADDRESS>"
    assert out["data"]["payload"] == {"who": "signed in as <PERSON>"}
