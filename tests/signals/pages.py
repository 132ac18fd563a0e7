"""Turn a one-window rrweb recording into page views, the way the worker hands them to signals."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from ingest.model import Event
from ingest.rrweb import to_events
from ingest.sessions import page_views, path_template
from signals.model import PageView, Signal


def page_views_of(
    rrweb_events: list[dict[str, Any]], *, session_id: str = "s1", ended: bool = False
) -> list[PageView]:
    """Page views numbered by ingest (a load or navigation starts one), templated by ingest.

    The last page view ends with the recording only if `ended`.
    """
    events = sorted(to_events(rrweb_events), key=lambda e: e["ts"])
    groups: dict[int, list[Event]] = {}
    for event, number in zip(events, page_views(events), strict=True):
        groups.setdefault(number, []).append(event)

    return _views(list(groups.values()), session_id, ended)


def _views(groups: list[list[Event]], session_id: str, ended: bool) -> list[PageView]:
    """PageView objects; each ends where the next begins."""
    views = []
    for index, group in enumerate(groups):
        first = group[0]
        url = str((first.get("data") or {}).get("url", "")) if first["kind"] != "snapshot" else ""
        path = urlsplit(url).path or "/"
        following = groups[index + 1][0]["ts"] if index + 1 < len(groups) else None
        end = following if following is not None else (group[-1]["ts"] if ended else None)
        views.append(
            PageView(
                id=f"{session_id}-pv{index + 1}",
                session_id=session_id,
                path=path,
                template=path_template(url),
                start_ts=group[0]["ts"],
                end_ts=end,
                events=tuple(group),
                site="city",
            )
        )
    return views


def counts(signals: list[Signal]) -> Counter[str]:
    """Signals per kind, false positives left out."""
    return Counter(s.kind for s in signals if not s.false_positive)
