"""Canary values planted in every kind of field, and a search for them everywhere afterwards.

Each canary is personal data the policy redacts by type (email, phone, card, SSN, a secret
token); `FRAGMENTS` are pieces of them that must never be found, whole or reformatted.
"""

from __future__ import annotations

import time
import zlib
from typing import Any

import orjson

EMAIL = "zq.canary.7731@example.org"
PHONE = "(555) 019-7731"
CARD = "4111 1111 1111 1111"
SSN = "123-45-7731"
TOKEN = "Zq7731aB9xYz00Lm"

FRAGMENTS = (
    "zq.canary.7731",
    "019-7731",
    "0197731",
    "4111 1111 1111 1111",
    "4111111111111111",
    "4111-1111-1111-1111",
    "45-7731",
    TOKEN,
)

PAGE = f"https://city.example.test/water/pay?token={TOKEN}&email={EMAIL}"
SENTENCE = f"Contact {EMAIL} or {PHONE}, card {CARD}, SSN {SSN}"


def found_in(text: str) -> list[str]:
    """The canary fragments present in ``text``."""
    return [f for f in FRAGMENTS if f in text]


def native_canary_batch(site_key: str, session_id: str, seq: int = 1) -> dict[str, Any]:
    """Canaries in click text and attributes, input values, URLs, errors and requests."""
    now = int(time.time() * 1000)
    base = now - 20_000
    target = {
        "selector": "a.contact",
        "tag": "a",
        "text": SENTENCE,
        "attrs": {"title": f"Mail {EMAIL}", "href": f"mailto:{EMAIL}?subject={SSN}"},
    }
    field = {"selector": "input#email", "tag": "input", "attrs": {"placeholder": f"e.g. {EMAIL}"}}
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": seq,
        "sent_at": now,
        "format": "native",
        "events": [
            {"type": "pageview", "ts": base, "url": PAGE, "width": 1280, "height": 800},
            {"type": "click", "ts": base + 500, "x": 10, "y": 20, "target": target},
            {"type": "input", "ts": base + 900, "value": EMAIL, "masked": False, "target": field},
            {"type": "input", "ts": base + 1200, "value": CARD, "masked": False, "target": field},
            {
                "type": "error",
                "ts": base + 1500,
                "message": f"TypeError: no user {SENTENCE}",
                "source": f"https://city.example.test/app.js?token={TOKEN}",
            },
            {
                "type": "request",
                "ts": base + 1800,
                "method": "get",
                "status": 500,
                "url": f"https://city.example.test/api/lookup?ssn={SSN}&token={TOKEN}",
            },
            {"type": "navigation", "ts": base + 2100, "url": PAGE + "&step=2"},
            {"type": "custom", "ts": base + 2400, "tag": f"signup {EMAIL}"},
        ],
    }


def _element(node_id: int, tag: str, attrs: dict[str, str], children: list[Any]) -> dict[str, Any]:
    return {"id": node_id, "type": 2, "tagName": tag, "attributes": attrs, "childNodes": children}


def _text(node_id: int, text: str) -> dict[str, Any]:
    return {"id": node_id, "type": 3, "textContent": text}


def rrweb_canary_batch(site_key: str, session_id: str, seq: int = 1) -> dict[str, Any]:
    """Canaries in an rrweb recording: snapshot text and attributes, typed input, mutations."""
    now = int(time.time() * 1000)
    base = now - 10_000
    body = _element(
        5,
        "body",
        {},
        [
            _element(6, "p", {"title": SENTENCE}, [_text(7, SENTENCE)]),
            _element(8, "input", {"type": "text", "name": "email", "value": EMAIL}, []),
            _element(9, "a", {"href": PAGE}, [_text(10, f"Mail {EMAIL}")]),
        ],
    )
    html = _element(3, "html", {"lang": "en"}, [_element(4, "head", {}, []), body])
    snapshot = {
        "node": {"id": 1, "type": 0, "childNodes": [html]},
        "initialOffset": {"top": 0, "left": 0},
    }
    added = {"parentId": 5, "nextId": None, "node": _element(11, "div", {"data-user": EMAIL}, [])}
    added_text = {"parentId": 11, "nextId": None, "node": _text(12, f"Signed in as {EMAIL}")}
    events = [
        {"type": 4, "data": {"href": PAGE, "width": 1280, "height": 800}, "timestamp": base},
        {"type": 2, "data": snapshot, "timestamp": base + 10},
        {
            "type": 3,
            "data": {"source": 2, "type": 2, "id": 8, "x": 40, "y": 60},
            "timestamp": base + 500,
        },
        {
            "type": 3,
            "data": {"source": 5, "text": CARD, "isChecked": False, "id": 8},
            "timestamp": base + 900,
        },
        {
            "type": 3,
            "data": {
                "source": 0,
                "texts": [{"id": 10, "value": SENTENCE}],
                "attributes": [{"id": 9, "attributes": {"href": PAGE}}],
                "removes": [],
                "adds": [added, added_text],
            },
            "timestamp": base + 1200,
        },
    ]
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": "w1",
        "seq": seq,
        "sent_at": now,
        "format": "rrweb",
        "events": events,
    }


def readable(value: Any) -> str:
    """A value as text to search, with compressed binaries (event chunks) inflated."""
    if isinstance(value, bytes):
        try:
            return zlib.decompress(value).decode("utf-8", "replace")
        except zlib.error:
            return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return " ".join(f"{readable(k)} {readable(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return " ".join(readable(v) for v in value)
    return str(value)


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()
