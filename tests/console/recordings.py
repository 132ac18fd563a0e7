"""Sessions for the console test, built from the shared rrweb recording and scripted native
batches, to be posted through /collect like a browser would."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.conftest import DATA

FORM_RECORDING = DATA / "cases" / "rrweb" / "rrweb-integration-form-interactions.json"
ORIGIN = "https://city.example.test"
PERMIT_URL = f"{ORIGIN}/permits/apply"

# Node ids in the recording: the label of its text field (rage-clicked here) and the label of
# its checkbox (clicked right before a script error).
TEXT_LABEL_NODE = 20
CHECKBOX_LABEL_NODE = 35
STEP_MS = 250
CONTACT_EMAIL = "jane.roe@example.com"
RAGE_CLICKS = 4


def _click(ts: int, node: int, x: float, y: float) -> dict[str, Any]:
    return {
        "type": 3,
        "timestamp": ts,
        "data": {"source": 2, "type": 2, "id": node, "x": x, "y": y},
    }


def _console_error(ts: int, message: str) -> dict[str, Any]:
    payload = {"level": "error", "payload": [json.dumps(message)], "trace": ["permit.js:12:5"]}
    return {"type": 6, "timestamp": ts, "data": {"plugin": "rrweb/console@1", "payload": payload}}


def permit_recording(start_ms: int) -> list[dict[str, Any]]:
    """The shared form recording on the permit page, one event every 250 ms from `start_ms`,
    then a rage click on the text field's label and a click followed by a script error."""
    # Its DomContentLoaded and Load events come before the Meta event; ingest would make them a
    # page view of their own, without a URL. A browser recording starts with Meta.
    events = [e for e in json.loads(FORM_RECORDING.read_text()) if e["type"] not in (0, 1)]
    timed = []
    for i, event in enumerate(events):
        event = {**event, "timestamp": start_ms + i * STEP_MS}
        if event["type"] == 4:
            event["data"] = {"href": PERMIT_URL, "width": 1280, "height": 800}
        timed.append(event)

    ts = timed[-1]["timestamp"] + 2000
    for i in range(RAGE_CLICKS):
        timed.append(_click(ts + i * STEP_MS, TEXT_LABEL_NODE, 120 + i, 86))
    ts += 4000
    timed.append(_click(ts, CHECKBOX_LABEL_NODE, 64, 190))
    timed.append(_console_error(ts + 300, "TypeError: permit form state is undefined"))
    return timed


def rrweb_batch(site_key: str, session_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": 1,
        "sent_at": int(time.time() * 1000),
        "format": "rrweb",
        "events": events,
    }


def _native_click(ts: int, selector: str, text: str, x: float, y: float) -> dict[str, Any]:
    target = {"selector": selector, "tag": "button", "text": text}
    return {"type": "click", "ts": ts, "x": x, "y": y, "target": target}


def native_sessions(start_ms: int) -> list[list[dict[str, Any]]]:
    """Residents on other pages: one rage-clicks the water bill's pay button, one hits a script
    error on the pothole form, three read pages without trouble."""
    t = start_ms
    payer = [{"type": "pageview", "ts": t, "url": f"{ORIGIN}/water/pay"}] + [
        _native_click(t + 1000 + i * 300, "button.pay", "Pay now", 400 + i, 520) for i in range(4)
    ]
    pothole = [
        {"type": "pageview", "ts": t, "url": f"{ORIGIN}/streets/pothole"},
        # Contact details in a link text: the audit counts them, the store never sees them.
        _native_click(t + 1000, "a.help", f"Write to {CONTACT_EMAIL}", 90, 700),
        _native_click(t + 2000, "#error-submit", "Report pothole", 300, 450),
        {"type": "error", "ts": t + 2200, "message": "TypeError: cannot read properties of null"},
    ]
    readers = [
        [
            {"type": "pageview", "ts": t, "url": f"{ORIGIN}{path}"},
            {"type": "scroll", "ts": t + 3000, "x": 0, "y": 400},
        ]
        for path in ("/water/pay", "/streets/pothole", "/permits/apply")
    ]
    return [payer, pothole, *readers]


def native_batch(site_key: str, session_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": 1,
        "sent_at": int(time.time() * 1000),
        "format": "native",
        "events": events,
    }
