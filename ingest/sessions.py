"""Session parts, page lives (duplicated tabs) and page views with path templates."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from ingest.model import Event
from ingest.order import canonical_json

IDLE_MS = 30 * 60 * 1000
MAX_SESSION_MS = 4 * 60 * 60 * 1000
PAGE_VIEW_KINDS = frozenset({"load", "navigation"})

_ID_SEGMENTS = (
    re.compile(r"^\d+$"),
    re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I),
    re.compile(r"^(?=.*\d)[0-9a-f]{8,}$", re.I),  # hex ids and hashes
    re.compile(r"^[^@/\s]+@[^@/\s]+\.[^@/\s]+$"),  # e-mail addresses
    re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{16,}$"),  # long random tokens
    re.compile(r"^(?=.*\d)[A-Za-z]{0,4}[-_]?\d{3,}[A-Za-z0-9-]*$"),  # case numbers: PRM-2024-0042
)


# -- sessions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionState:
    """Where a session stands: its current part, when that part started and was last active."""

    part: int = 0
    started_ts: int | None = None
    last_ts: int | None = None


def split_session(
    state: SessionState,
    timestamps: list[int],
    idle_ms: int = IDLE_MS,
    max_ms: int = MAX_SESSION_MS,
) -> tuple[list[int], SessionState]:
    """Session part of each event (times in arrival order) and the state after them.

    A new part starts after `idle_ms` without events or once a part would last over `max_ms`.
    Events earlier than the part's last activity (late batches) stay in the current part.
    """
    parts: list[int] = []
    for ts in timestamps:
        last, started = state.last_ts, state.started_ts
        if last is None or started is None:
            state = SessionState(state.part, ts, ts)
        elif ts - last > idle_ms or ts - started > max_ms:
            state = SessionState(state.part + 1, ts, ts)
        elif ts > last:
            state = replace(state, last_ts=ts)
        parts.append(state.part)
    return parts, state


# -- page lives: a duplicated tab keeps the window id ------------------------------------------


@dataclass
class WindowState:
    """Page lives seen in one window: each with its fingerprint, page id and last seq."""

    lives: list[dict[str, Any]] = field(default_factory=list)
    conflicted: bool = False


def page_fingerprint(events: list[dict[str, Any]]) -> str | None:
    """Fingerprint of the page start (Meta/FullSnapshot or pageview) a batch carries, if any."""
    starts = [e for e in events if e.get("type") in (4, 2, "pageview", "load")]
    if not starts:
        return None
    return hashlib.blake2b(canonical_json(starts[:2]), digest_size=8).hexdigest()


def assign_page_life(
    state: WindowState, seq: int, fingerprint: str | None, page_id: str | None = None
) -> tuple[int, bool]:
    """Page life of a batch in its window, and whether it revealed a duplicated tab.

    With a `page_id` (made by the tracker at each page load) lives are told apart exactly.
    Without one, a batch whose seq does not move past its life's last seq but brings a different
    page start is another tab sharing the window id: it opens a new life. A batch without a page
    start goes to the oldest life it can follow (its seq is past that life's last seq); when two
    lives could take it the window is marked conflicted.
    """
    if page_id is not None:
        for number, life in enumerate(state.lives):
            if life.get("page_id") == page_id:
                life["last_seq"] = max(life["last_seq"], seq)
                return number, False
        state.lives.append({"page_id": page_id, "fingerprint": fingerprint, "last_seq": seq})
        return len(state.lives) - 1, len(state.lives) > 1

    if fingerprint is not None:
        for number, life in enumerate(state.lives):
            if life.get("fingerprint") == fingerprint:
                life["last_seq"] = max(life["last_seq"], seq)
                return number, False
        # Known shortcoming: a copied tab whose seq moves past the original's is taken for a
        # reload here; only `page_id` from the tracker tells them apart for sure.
        if state.lives and any(seq > life["last_seq"] for life in state.lives):
            # A later batch of the same tab that starts a new page (a reload or navigation).
            life = max(state.lives, key=lambda lv: lv["last_seq"])
            life.update(fingerprint=fingerprint, last_seq=seq)
            return state.lives.index(life), False
        state.lives.append({"page_id": None, "fingerprint": fingerprint, "last_seq": seq})
        conflict = len(state.lives) > 1
        state.conflicted = state.conflicted or conflict
        return len(state.lives) - 1, conflict

    if not state.lives:
        state.lives.append({"page_id": None, "fingerprint": None, "last_seq": seq})
        return 0, False
    candidates = [n for n, life in enumerate(state.lives) if seq > life["last_seq"]]
    if len(candidates) > 1:
        state.conflicted = True
    number = candidates[0] if candidates else len(state.lives) - 1
    life = state.lives[number]
    life["last_seq"] = max(life["last_seq"], seq)
    return number, False


# -- page views --------------------------------------------------------------------------------


def page_views(events: list[Event], current: int = -1) -> list[int]:
    """Page-view number of each analytics event, counting on from `current` (-1: none yet).

    A `load` or a `navigation` starts a new page view; the snapshot after a load belongs to it.
    Events before the first of them continue page view `current` (0 when there was none).
    """
    # Known shortcoming: an rrweb checkout (periodic Meta + FullSnapshot) looks like a reload and
    # starts a page view too; telling them apart needs a marker from the tracker.
    numbers: list[int] = []
    for event in events:
        if event.get("kind") in PAGE_VIEW_KINDS:
            current += 1
        numbers.append(max(current, 0))
    return numbers


def path_template(url: str) -> str:
    """The URL's path with id-like segments replaced: `/permits/12345/edit` → `/permits/:id/edit`.

    Query and fragment are dropped, except a hash route (`#/…` or `#!/…`), which is templated too.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "/"
    path = parts.path or "/"
    fragment = parts.fragment
    if fragment.startswith(("/", "!/")):
        path = path.rstrip("/") + "/#/" + fragment.lstrip("!/").split("?")[0]

    segments = [_template_segment(s) for s in path.split("/")]
    templated = "/".join(segments)
    if len(templated) > 1:
        templated = templated.rstrip("/")
    return templated if templated.startswith("/") else "/" + templated


def _template_segment(segment: str) -> str:
    decoded = unquote(segment)
    if decoded and any(p.match(decoded) for p in _ID_SEGMENTS):
        return ":id"
    return segment
