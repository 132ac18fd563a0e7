"""Session queries: the filtered, keyset-paginated list and one session with all it holds."""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Awaitable, Iterator
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from api.errors import InvalidInput
from ingest.model import KINDS as EVENT_KINDS
from schema.context import Context, IsAnalyst
from schema.pagination import (
    Connection,
    after_key,
    and_all,
    page_of,
    sorted_after,
)
from schema.session_chunks import CHUNK_FIELDS, chunk_refs, read_chunks
from schema.types import (
    DateRange,
    Event,
    PageView,
    Signal,
    SignalCount,
    check_limit,
    day_condition,
    json_value,
    ms_to_datetime,
    signal_counts,
)
from signals.aggregates import HEAD_SESSIONS, column_entry
from signals.model import SIGNAL_KINDS
from storage.chunks import unpack
from workers.timeline import window_events

logger = logging.getLogger(__name__)

MAX_EVENTS = 5000
MAX_REPLAY_CHUNKS = 500
DAYS_PER_READ = 4
"""Session index days read at once while looking for the newest sessions."""
MAX_PAGE_FILTER_SESSIONS = 20_000
"""A page or department filter first finds the matching session ids; beyond this many, the
caller is asked to narrow the range. Missing: session documents listing their templates and
departments would make this one indexed query."""


@strawberry.type(description="A survey response given during a session (answers redacted).")
class SessionResponse:
    id: strawberry.ID
    survey_id: str
    submitted_at: datetime | None
    updated_at: datetime | None
    template: str | None
    negative: bool
    answers: JSON

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> SessionResponse:
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            survey_id=str(doc.get("survey_id", "")),
            submitted_at=ms_to_datetime(doc.get("ts")),
            updated_at=ms_to_datetime(doc.get("updated_at", doc.get("ts"))),
            template=doc.get("template"),
            negative=bool(doc.get("negative", False)),
            answers=json_value(doc.get("answers") or {}),
        )


@strawberry.type(description="The stored, redacted rrweb events of one batch of one window.")
class ReplayChunk:
    id: strawberry.ID
    window_id: str
    seq: int
    received_at: datetime | None
    events: JSON


@strawberry.type(description="A feature that makes a page view unusual for its page.")
class UnusualFeature:
    feature: str = strawberry.field(description="Such as clicks, errors, duration_s.")
    value: float
    typical: float = strawberry.field(description="The median over the page's page views.")
    percentile: float = strawberry.field(description="Share of the page's page views below.")


@strawberry.type(description="How unusual the session is for its page: its score's unusual part.")
class SessionUnusualness:
    value: float = strawberry.field(description="0 (ordinary) to 1; the score adds 3 times this.")
    rank: float = strawberry.field(description="Share of the page's page views less unusual.")
    page_view_id: str
    template: str
    model: str = strawberry.field(description="The page template rated by, or * for the site.")
    reason: str
    features: list[UnusualFeature]

    @classmethod
    def from_doc(cls, doc: Any) -> SessionUnusualness | None:
        """From `score_breakdown.unusual`; None when the session was not rated."""
        if not isinstance(doc, dict):
            return None
        return cls(
            value=float(doc.get("value", 0.0)),
            rank=float(doc.get("rank", 0.0)),
            page_view_id=str(doc.get("page_view_id", "")),
            template=str(doc.get("template", "")),
            model=str(doc.get("model", "")),
            reason=str(doc.get("reason", "")),
            features=[
                UnusualFeature(
                    feature=str(f.get("feature", "")),
                    value=float(f.get("value", 0.0)),
                    typical=float(f.get("typical", 0.0)),
                    percentile=float(f.get("percentile", 0.0)),
                )
                for f in doc.get("features") or []
                if isinstance(f, dict)
            ],
        )


async def _breakdown(root: Session, info: Info[Context, Any]) -> dict[str, Any]:
    """The session's stored score breakdown; a session index entry has none, so it is loaded
    from the day's bundles (only when asked for)."""
    if root.breakdown_known:
        return root.breakdown or {}
    return await info.context.loaders.breakdowns.load(str(root.id)) or {}


async def _score_breakdown(root: Session, info: Info[Context, Any]) -> JSON:
    return json_value(await _breakdown(root, info))


async def _unusual(root: Session, info: Info[Context, Any]) -> SessionUnusualness | None:
    return SessionUnusualness.from_doc((await _breakdown(root, info)).get("unusual"))


@strawberry.type(description="A resident's visit to one site, possibly across several tabs.")
class Session:
    id: strawberry.ID
    site_id: str
    day: str
    started_at: datetime
    ended_at: datetime
    event_count: int
    page_view_count: int
    window_count: int
    device: str | None
    browser: str | None
    os: str | None
    score: float | None
    score_breakdown: JSON = strawberry.field(resolver=_score_breakdown)
    unusual: SessionUnusualness | None = strawberry.field(resolver=_unusual)
    signal_counts: list[SignalCount]
    has_response: bool
    breakdown: strawberry.Private[dict[str, Any] | None] = None
    breakdown_known: strawberry.Private[bool] = True
    children: strawberry.Private[dict[str, list[dict[str, Any]]] | None] = None
    """Page views and signals loaded with the page of sessions, by kind: resolved at once."""

    @classmethod
    def from_doc(
        cls, doc: dict[str, Any], children: dict[str, list[dict[str, Any]]] | None = None
    ) -> Session:
        score = doc.get("score")
        return cls(
            id=strawberry.ID(doc["_id"]),
            site_id=doc["site_id"],
            day=doc.get("day", ""),
            started_at=ms_to_datetime(doc["started_at"]),  # type: ignore[arg-type]
            ended_at=ms_to_datetime(doc["ended_at"]),  # type: ignore[arg-type]
            event_count=doc.get("event_count", 0),
            page_view_count=doc.get("page_view_count", 0),
            window_count=doc.get("window_count", 1),
            device=doc.get("device"),
            browser=doc.get("browser"),
            os=doc.get("os"),
            score=float(score) if score is not None else None,
            breakdown=doc.get("score_breakdown"),
            breakdown_known="score_breakdown" in doc,
            signal_counts=signal_counts(doc.get("signal_counts")),
            has_response=bool(doc.get("has_response", False)),
            children=children,
        )

    # The children resolvers are not coroutines: with the page's children loaded up front
    # (``SessionQueries.sessions``) they answer at once, and graphql-core gathers no awaitable
    # per session (on a page of 50 those cost more than the values). Otherwise they hand
    # graphql-core the loader's awaitable.
    @strawberry.field(
        description="The session's page views, in order.", graphql_type=list[PageView]
    )
    def page_views(self, info: Info[Context, Any]) -> Any:
        if self.children is not None and "page_views" in self.children:
            return _page_views(self.children["page_views"])
        return _later(info.context.loaders.page_views.load(str(self.id)), _page_views)

    @strawberry.field(
        description="The session's signals in time order, with their thresholds.",
        graphql_type=list[Signal],
    )
    def signals(
        self,
        info: Info[Context, Any],
        kinds: list[str] | None = None,
        include_false_positives: bool = True,
    ) -> Any:
        wanted = set(checked_kinds(kinds)) if kinds else None

        def chosen(docs: list[dict[str, Any]]) -> list[Signal]:
            return [
                Signal.from_doc(d)
                for d in docs
                if (wanted is None or d["kind"] in wanted)
                and (include_false_positives or not d.get("false_positive"))
            ]

        if self.children is not None and "signals" in self.children:
            return chosen(self.children["signals"])
        return _later(info.context.loaders.signals.load(str(self.id)), chosen)

    @strawberry.field(description="Survey responses given during the session.")
    async def survey_responses(self, info: Info[Context, Any]) -> list[SessionResponse]:
        docs = await info.context.loaders.responses.load(str(self.id))
        return [SessionResponse.from_doc(d) for d in docs]

    @strawberry.field(description="The redacted analytics-event timeline, in time order.")
    async def events(
        self, info: Info[Context, Any], first: int = 500, kinds: list[str] | None = None
    ) -> list[Event]:
        check_limit(first, MAX_EVENTS, "first")
        if kinds is not None and not set(kinds) <= EVENT_KINDS:
            # The kind itself is the client's input: not quoted back.
            raise InvalidInput(
                "an unknown event kind; docs/ingest.md lists the kinds", field="kinds"
            )
        store = info.context.store
        refs = await chunk_refs(store, str(self.id))
        if refs is not None:
            chunks = await read_chunks(store, str(self.id), refs)
        else:
            # A session without the worker's chunk list (stored before it existed, or not by
            # the worker): found by `session_id`, which reads every chunk on FerretDB v1.
            chunks = await store.event_chunks.find(
                {"session_id": str(self.id)}, projection=dict.fromkeys(CHUNK_FIELDS, 1)
            ).to_list(None)
        by_window: dict[str, list[dict[str, Any]]] = {}
        for chunk in chunks:
            by_window.setdefault(chunk["window_id"], []).append(chunk)
        events = [e for window in by_window.values() for e in window_events(window)]
        # sort() is stable: equal timestamps keep each window's order.
        events.sort(key=lambda e: e["ts"])
        if kinds:
            wanted = set(kinds)
            events = [e for e in events if e["kind"] in wanted]
        return [Event.from_doc(e) for e in events[:first]]

    @strawberry.field(description="Stored redacted rrweb events per window and batch, for replay.")
    async def replay(
        self, info: Info[Context, Any], window_id: str | None = None, first: int = 100
    ) -> list[ReplayChunk]:
        check_limit(first, MAX_REPLAY_CHUNKS, "first")
        store = info.context.store
        refs = await chunk_refs(store, str(self.id))
        if refs is not None:
            wanted = sorted(
                (r for r in refs if r.format == "rrweb" and window_id in (None, r.window_id)),
                key=lambda r: (r.window_id, r.seq, r.id),
            )
            docs = await read_chunks(store, str(self.id), wanted, first)
        else:
            # A session without the worker's chunk list: found by `session_id` (a scan).
            query: dict[str, Any] = {"session_id": str(self.id), "format": "rrweb"}
            if window_id is not None:
                query["window_id"] = window_id
            docs = (
                await store.event_chunks.find(query, projection=dict.fromkeys(CHUNK_FIELDS, 1))
                .sort([("window_id", 1), ("seq", 1), ("_id", 1)])
                .limit(first)
                .to_list(None)
            )
        return [
            ReplayChunk(
                id=strawberry.ID(d["_id"]),
                window_id=d["window_id"],
                seq=d.get("seq", 0),
                received_at=ms_to_datetime(d.get("received_at_ms")),
                events=json_value(unpack(d.get("payload"))),
            )
            for d in docs
        ]


def _page_views(docs: list[dict[str, Any]]) -> list[PageView]:
    return [PageView.from_doc(d) for d in docs]


async def _later(loading: Awaitable[list[dict[str, Any]]], build: Any) -> Any:
    return build(await loading)


CHILD_FIELDS = {"pageViews": "page_views", "signals": "signals"}
"""Session fields whose documents a page of sessions loads up front when they are asked for."""


def requested(info: Info[Context, Any], names: set[str]) -> set[str]:
    """Which of ``names`` appear as fields anywhere below the current field (fragments
    included). Over-counts rather than misses: a name is found wherever it is asked for."""
    found: set[str] = set()
    pending: list[Selection] = list(info.selected_fields)
    while pending:
        selection = pending.pop()
        if isinstance(selection, SelectedField) and selection.name in names:
            found.add(selection.name)
        pending.extend(selection.selections)
    return found


DEVICES = ("desktop", "mobile", "tablet", "bot", "other")
"""The device classes sessions carry (``anonymizer.client.reduce_user_agent``)."""


def checked_device(device: str) -> str:
    """A device class as given, or ``InvalidInput`` naming ours (never the client's value)."""
    if device not in DEVICES:
        raise InvalidInput(f"device is one of {', '.join(DEVICES)}", field="device")
    return device


def checked_kinds(kinds: list[str], field: str = "kinds") -> list[str]:
    """Signal kinds as given, or ``InvalidInput`` naming ours (never the client's value)."""
    if set(kinds) - set(SIGNAL_KINDS):
        known = ", ".join(SIGNAL_KINDS)
        raise InvalidInput(f"an unknown signal kind; the kinds are {known}", field=field)
    return kinds


@strawberry.enum(description="How to order sessions.")
class SessionOrder(Enum):
    NEWEST = "started_at"
    HIGHEST_SCORE = "score"


@strawberry.input(description="Conditions a session must meet; all given ones apply.")
class SessionFilter:
    range: DateRange | None = None
    template: str | None = strawberry.field(default=None, description="Visited this page.")
    department: str | None = strawberry.field(default=None, description="Visited its pages.")
    signal_kinds: list[str] | None = strawberry.field(
        default=None, description="Has at least one signal of any of these kinds."
    )
    min_score: float | None = None
    has_response: bool | None = None
    device: str | None = strawberry.field(
        default=None, description="desktop, mobile, tablet, bot or other."
    )


async def session_condition(
    context: Context, site_id: str | None, f: SessionFilter | None
) -> dict[str, Any]:
    """The store filter for ``sessions`` from the site scope and the filter input."""
    f = f or SessionFilter()
    sites = await context.site_filter(site_id)
    days = day_condition(f.range)
    parts: list[dict[str, Any]] = [sites, days]
    if f.signal_kinds:
        kinds = checked_kinds(f.signal_kinds, "signalKinds")
        parts.append({"$or": [{f"signal_counts.{k}": {"$gt": 0}} for k in kinds]})
    if f.min_score is not None:
        parts.append({"score": {"$gte": f.min_score}})
    if f.has_response is not None:
        parts.append({"has_response": True} if f.has_response else {"has_response": {"$ne": True}})
    if f.device is not None:
        parts.append({"device": checked_device(f.device)})
    if f.template is not None or f.department is not None:
        visit = {k: v for k, v in (("template", f.template), ("department", f.department)) if v}
        ids = await context.store.page_views.distinct("session_id", and_all(sites, days, visit))
        if len(ids) > MAX_PAGE_FILTER_SESSIONS:
            raise InvalidInput(
                f"over {MAX_PAGE_FILTER_SESSIONS} sessions visited that page; narrow the range",
                field="filter",
            )
        parts.append({"_id": {"$in": sorted(ids)}})
    return and_all(*parts)


async def sessions_from_store(
    context: Context,
    site_id: str | None,
    f: SessionFilter | None,
    field: str,
    first: int,
    after: str | None,
) -> list[dict[str, Any]]:
    """A page of session documents read from ``sessions`` (a site never aggregated yet)."""
    query = and_all(await session_condition(context, site_id, f), sorted_after(field, after))
    return (
        await context.store.sessions.find(query)
        .sort([(field, -1), ("_id", -1)])
        .limit(first + 1)
        .to_list(None)
    )


async def index_entries(
    context: Context,
    site_id: str | None,
    f: SessionFilter | None,
    field: str = "started_at",
    after: tuple[bool, Any, str] | None = None,
    limit: int | None = None,
    children: bool = False,
) -> list[dict[str, Any]] | None:
    """The session index entries in scope that meet the filter and sort (by ``field``) after
    the ``after`` key, the first ``limit`` of them in order (all when None); None when a site
    in scope has no session index for some day of the range (the caller then reads the stored
    sessions). By time, days are read newest first until ``limit`` entries were found: a day's
    sessions all start after the sessions of the days before it. By score, the days' heads
    come first, and only days whose heads may not hold all their sessions in the answer are
    read in full; with ``children``, the heads' page views and signals are read with them.
    """
    f = f or SessionFilter()
    scope = await context.site_filter(site_id)
    if site_id is not None or scope:
        site_ids = [site_id] if site_id is not None else scope["site_id"]["$in"]
    else:
        sites = await context.store.sites.find({}, projection={"_id": 1}).to_list(None)
        site_ids = sorted(str(s["_id"]) for s in sites)
    first, last = f.range.checked() if f.range is not None else ("", "\uffff")
    if field == "started_at" and after is not None and after[0]:
        last = min(last, ms_to_datetime(after[1]).date().isoformat())  # type: ignore[union-attr]
    kinds = set(checked_kinds(f.signal_kinds, "signalKinds")) if f.signal_kinds else None
    if f.device is not None:
        checked_device(f.device)

    by_score = field == "score" and limit is not None
    # Read together: the layouts, and by score the heads the answer most likely comes from
    # (with their children when those are asked for).
    parts = ["sessions"]
    if by_score:
        parts += ["heads", "head-bundles"] if children else ["heads"]
    await context.loaders.dashboard.load_many([f"{s}|{part}" for s in site_ids for part in parts])
    pairs = []
    for site in site_ids:
        layout = await context.loaders.session_layout(site)
        if layout is None or any(first <= d <= last for d in layout.get("pending") or []):
            return None
        pairs += [(day, site) for day in layout.get("days") or {} if first <= day <= last]
    pairs.sort(reverse=True)
    select = _Selection(context, f, kinds, field, after, children)
    if by_score:
        return await _by_score(context, select, pairs, first, last, limit)  # type: ignore[arg-type]
    step = DAYS_PER_READ if limit is not None else max(len(pairs), 1)
    for i in range(0, len(pairs), step):
        await select.read_days([(site, day) for day, site in pairs[i : i + step]])
        if limit is not None and select.found >= limit:
            break
    return select.entries(limit)


async def _by_score(
    context: Context,
    select: _Selection,
    pairs: list[tuple[str, str]],
    first: str,
    last: str,
    limit: int,
) -> list[dict[str, Any]]:
    """The first ``limit`` entries by score: from the days' heads (``site|heads``), then from
    the full index of each day whose unread sessions could still be among them."""
    if limit > HEAD_SESSIONS * len(pairs):
        # More than all the heads: every day is read in full anyway.
        await select.read_days([(site, day) for day, site in pairs])
        return select.entries(limit)
    heads: dict[tuple[str, str], dict[str, Any]] = {}
    head_bundles: dict[tuple[str, str], Any] = {}
    for site in sorted({site for _, site in pairs}):
        found = await context.loaders.per_day(f"{site}|heads", "days", first, last) or {}
        heads.update(((site, day), value[0]) for day, value in found.items())
        if select.children:
            packed = await context.loaders.per_day(f"{site}|head-bundles", "days", first, last)
            head_bundles.update(((site, day), value[0]) for day, value in (packed or {}).items())
    unread, partial = [], []
    for day, site in pairs:
        head = heads.get((site, day))
        if head is None:
            unread.append((site, day))
            continue
        # An earlier layout kept the bundle entries in the head.
        bundles = head.get("bundles", head_bundles.get((site, day)))
        select.add(site, day, head["columns"], bundles if select.children else None)
        shown = len(head["columns"]["_id"])
        if head["sessions"] > shown:
            # Its other sessions sort below its last head, but may still make the cut.
            partial.append((site, day, _row_key(head["columns"], "score", shown - 1)))
    chosen = select.top(limit)
    cut = chosen[-1][0] if len(chosen) >= limit else None
    days = unread + [(site, day) for site, day, key in partial if cut is None or key > cut]
    if days:
        select.forget(days)
        await select.read_days(days)
    return select.entries(limit)


def _row_key(columns: dict[str, Any], field: str, row: int) -> tuple[bool, Any, str]:
    """``schema.pagination.keyset_key`` of one row of index columns."""
    value = columns[field][row]
    return (value is not None, 0 if value is None else value, columns["_id"][row])


class _Selection:
    """Index rows that meet a filter and sort after a key, per day, until the chosen ones are
    turned into entries. By score a day's rows are in order already (the index is sorted so),
    so the days are merged lazily; by time every row's key is needed."""

    def __init__(
        self,
        context: Context,
        f: SessionFilter,
        kinds: set[str] | None,
        field: str,
        after: tuple[bool, Any, str] | None,
        children: bool = False,
    ) -> None:
        self.context, self.f, self.kinds, self.field, self.after = context, f, kinds, field, after
        # (site, day, columns, rows, head bundles) per day read.
        self.days: list[tuple[str, str, dict[str, Any], list[int], dict[str, Any] | None]] = []
        self.children = children
        self.found = 0

    async def read_days(self, days: list[tuple[str, str]]) -> None:
        loaders = self.context.loaders
        await loaders.dashboard.load_many([f"{site}|{day}" for site, day in days])
        for site, day in days:
            columns = await loaders.day_index(site, day)
            if columns is not None:
                self.add(site, day, columns, None)

    def forget(self, days: list[tuple[str, str]]) -> None:
        """Drop the rows taken from these days' heads: their full index replaces them."""
        gone = set(days)
        self.days = [d for d in self.days if (d[0], d[1]) not in gone]

    def add(
        self,
        site: str,
        day: str,
        columns: dict[str, Any],
        bundles: dict[str, Any] | None,
    ) -> None:
        rows = _rows(columns, self.f, self.kinds)
        if self.after is not None:
            after, field = self.after, self.field
            if field == "score":
                # Sorted: the rows after the key are a tail.
                rows = list(
                    itertools.dropwhile(lambda r: _row_key(columns, field, r) >= after, rows)
                )
            else:
                rows = [r for r in rows if _row_key(columns, field, r) < after]
        self.days.append((site, day, columns, rows, bundles))
        self.found += len(rows)

    def top(self, limit: int | None) -> list[tuple[Any, ...]]:
        """The first ``limit`` rows in order, as (key, site, day, columns, row, bundles)."""
        field = self.field
        per_day = [_keyed(field, *found) for found in self.days]
        if field == "score":
            merged = heapq.merge(*per_day, key=lambda r: r[0], reverse=True)
            return list(merged if limit is None else itertools.islice(merged, limit))
        every = itertools.chain.from_iterable(per_day)
        if limit is None:
            return sorted(every, key=lambda r: r[0], reverse=True)
        return heapq.nlargest(limit, every, key=lambda r: r[0])

    def entries(self, limit: int | None) -> list[dict[str, Any]]:
        """The first ``limit`` rows in order as entries; their children load from the bundles
        (or come with them, from the heads)."""
        loaders = self.context.loaders
        found = []
        for _, site, day, columns, row, bundles in self.top(limit):
            entry = loaders.remember(column_entry(columns, row, site, day))
            if bundles is not None and entry["_id"] in bundles:
                loaders.prime_bundle(entry["_id"], bundles[entry["_id"]])
            found.append(entry)
        return found


def _keyed(
    field: str,
    site: str,
    day: str,
    columns: dict[str, Any],
    rows: list[int],
    bundles: dict[str, Any] | None,
) -> Iterator[tuple[Any, ...]]:
    """One day's rows with their sort keys, computed as they are asked for."""
    for row in rows:
        yield (_row_key(columns, field, row), site, day, columns, row, bundles)


def _rows(columns: dict[str, Any], f: SessionFilter, kinds: set[str] | None) -> list[int]:
    """The rows of one day's index columns that meet the filter (the range aside)."""
    rows: Any = range(len(columns["_id"]))
    for wanted, column, names in (
        (f.template, "templates", "template_names"),
        (f.department, "departments", "department_names"),
    ):
        if wanted is not None:
            if wanted not in columns[names]:
                return []
            position, visited = columns[names].index(wanted), columns[column]
            rows = [i for i in rows if position in visited[i]]
    if kinds is not None:
        counts = columns["signal_counts"]
        rows = [i for i in rows if any((counts[i] or {}).get(k, 0) > 0 for k in kinds)]
    if f.min_score is not None:
        scores, least = columns["score"], f.min_score
        rows = [i for i in rows if scores[i] is not None and scores[i] >= least]
    if f.has_response is not None:
        responses, wanted_response = columns["has_response"], f.has_response
        rows = [i for i in rows if bool(responses[i]) is wanted_response]
    if f.device is not None:
        devices, device = columns["device"], f.device
        rows = [i for i in rows if devices[i] == device]
    return list(rows)


@strawberry.type
class SessionQueries:
    @strawberry.field(permission_classes=[IsAnalyst], description="Sessions, filtered and ordered.")
    async def sessions(
        self,
        info: Info[Context, Any],
        site_id: str | None = None,
        filter: SessionFilter | None = None,
        order: SessionOrder = SessionOrder.NEWEST,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Session]:
        check_limit(first, info.context.settings.graphql_max_page_size, "first")
        field = order.value
        loaders = info.context.loaders
        cursor_key = after_key(field, after)
        # Keyset: the entries ordered after the cursor's key, never an offset.
        wanted = requested(info, set(CHILD_FIELDS))
        docs = await index_entries(
            info.context, site_id, filter, field, cursor_key, first + 1, bool(wanted)
        )
        if docs is None:
            docs = await sessions_from_store(info.context, site_id, filter, field, first, after)
        for doc in docs:
            # A later lookup of one of these sessions by id needs no query.
            loaders.sessions.prime(doc["_id"], loaders.remember(doc))
        ids = [str(doc["_id"]) for doc in docs[:first]]
        children: dict[str, dict[str, list[dict[str, Any]]]] = {i: {} for i in ids}
        for name in sorted(wanted):
            # One batch for the page (bundles first read with the index need no read at all).
            kind = CHILD_FIELDS[name]
            loader = loaders.page_views if kind == "page_views" else loaders.signals
            for sid, found in zip(ids, await loader.load_many(ids), strict=True):
                children[sid][kind] = found
        edges, page_info = page_of(
            docs, first, field, lambda doc: Session.from_doc(doc, children.get(str(doc["_id"])))
        )
        return Connection(edges=edges, page_info=page_info)

    @strawberry.field(permission_classes=[IsAnalyst], description="One session by id.")
    async def session(self, info: Info[Context, Any], id: strawberry.ID) -> Session | None:
        doc = await info.context.loaders.sessions.load(str(id))
        if not await info.context.sees(doc):
            return None
        return Session.from_doc(doc)  # type: ignore[arg-type]
