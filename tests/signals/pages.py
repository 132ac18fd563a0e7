"""Turn a one-window rrweb recording into page views, the way the worker hands them to signals."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from ingest.model import Event
from ingest.rrweb import to_events
from ingest.sessions import page_views, path_template
from signals.model import PageView, Signal
from tests.signals.events import T0, click, ev, load, mutation, scroll


def page_views_of(
    rrweb_events: list[dict[str, Any]],
    *,
    session_id: str = "s1",
    ended: bool = False,
    raw_flags: list[list[str]] | None = None,
) -> list[PageView]:
    """Page views numbered by ingest (a load or navigation starts one), templated by ingest.

    The last page view ends with the recording only if `ended`. `raw_flags` are ingest's flags
    per rrweb event (such as `ts_clamped`), passed on to the events made from it.
    """
    events = sorted(to_events(rrweb_events), key=lambda e: e["ts"])
    for event in events:
        extra = raw_flags[event["source_index"]] if raw_flags is not None else []
        event["flags"] = [*event.get("flags", []), *extra]
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


def ordinary(n: int, rng: random.Random, template: str = "/pay") -> PageView:
    """A page view read for ~a minute with a few clicks that get answers."""
    events: list[Event] = [load()]
    for i in range(rng.randint(2, 5)):
        events += [click(5000 + i * 7000), mutation(5100 + i * 7000)]
    events += [scroll(3000 + i * 2000, 300 * i) for i in range(rng.randint(3, 8))]
    return PageView(
        f"pv{n}", f"s{n}", template, template, T0, T0 + rng.randint(40, 90) * 1000, tuple(events)
    )


def odd() -> PageView:
    """Forty clicks, a dozen errors and no scrolling in seven minutes."""
    events: list[Event] = [load()]
    events += [click(1000 + i * 300) for i in range(40)]
    events += [ev("error", 2000 + i * 900, message="x") for i in range(12)]
    return PageView("odd", "s-odd", "/pay", "/pay", T0, T0 + 420_000, tuple(events))
