"""The redaction audit for privacy officers: what was redacted, where, when, under which policy.

Read by ``_id`` from the per-day sums the aggregation cron keeps in ``dashboard``
(``workers.audit_rollup``): a range's from the site's ``<site>|audit``, the per-session rows
from ``<site>|audit|<day>`` when asked for. A day never rolled up is read from ``redaction_audit``
(one document of counts per stored chunk or survey answer; never values), whose ``site_id`` and
``day`` filter FerretDB v1 answers by reading the whole collection. One session's audit is read
by ``_id``: a chunk's audit has the chunk's id, listed in the session's worker state. Both ways
go through the same sums (``day_summary``, ``session_rows``), so they answer alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.context import Context, IsPrivacyOfficer
from schema.pagination import and_all
from schema.session_chunks import chunk_refs
from schema.types import DateRange, NamedCount, check_limit, json_value, named_counts
from storage.chunks import unpack
from storage.mongo import Store, read_by_id
from workers.audit_rollup import (
    DASHBOARD,
    PROJECTION,
    by_day,
    day_doc_id,
    day_summary,
    days_doc_id,
    session_rows,
)

MAX_SESSIONS = 200
Doc = dict[str, Any]


@dataclass
class DayPart:
    """One day's audit (of one site, or of every site read together): its sums, and its
    per-session rows, or the ``dashboard`` document to read them from when asked."""

    day: str
    summary: Doc
    rows: list[Doc] | None = None
    doc_id: str | None = None


def parts_of(docs: Iterable[Doc]) -> list[DayPart]:
    """Day parts from ``redaction_audit`` documents."""
    return [
        DayPart(day, day_summary(group), session_rows(group)) for day, group in by_day(docs).items()
    ]


def _merged(summaries: Iterable[Doc], key: str) -> dict[str, int]:
    total: Counter[str] = Counter()
    for summary in summaries:
        total.update(summary.get(key) or {})
    return dict(total)


@strawberry.type(description="Redactions of one day or one session.")
class AuditGroup:
    key: str = strawberry.field(description="The day (YYYY-MM-DD) or the session id.")
    chunks: int
    redactions: int
    by_entity: list[NamedCount]
    by_field_kind: list[NamedCount]


def _group(key: str, items: list[Doc]) -> AuditGroup:
    """A group from day summaries or session rows (``chunks`` and counts)."""
    entities = _merged(items, "by_entity")
    return AuditGroup(
        key=key,
        chunks=sum(int(i["chunks"]) for i in items),
        redactions=sum(entities.values()),
        by_entity=named_counts(entities),
        by_field_kind=named_counts(_merged(items, "by_field_kind")),
    )


@strawberry.type(description="A redaction policy version that processed data in the range.")
class PolicyInForce:
    version: str
    hash: str
    engine: JSON
    first_day: str
    last_day: str
    chunks: int


@strawberry.type(description="Redaction counts over a range (never the redacted values).")
class RedactionAudit:
    parts: strawberry.Private[list[DayPart]]
    store: strawberry.Private[Store]

    def _summaries(self) -> list[Doc]:
        return [p.summary for p in self.parts]

    @strawberry.field
    def chunks(self) -> int:
        return sum(int(s["chunks"]) for s in self._summaries())

    @strawberry.field(description="Texts the analyzer gave up on (time limit); fully masked.")
    def timeouts(self) -> int:
        return sum(int(s["timeouts"]) for s in self._summaries())

    @strawberry.field(description="Totals by entity type (EMAIL_ADDRESS, PERSON, ...).")
    def by_entity(self) -> list[NamedCount]:
        return named_counts(_merged(self._summaries(), "by_entity"))

    @strawberry.field(description="Totals by field kind (text, input, url, attribute, ...).")
    def by_field_kind(self) -> list[NamedCount]:
        return named_counts(_merged(self._summaries(), "by_field_kind"))

    @strawberry.field
    def by_recognizer(self) -> list[NamedCount]:
        return named_counts(_merged(self._summaries(), "by_recognizer"))

    @strawberry.field
    def by_operator(self) -> list[NamedCount]:
        return named_counts(_merged(self._summaries(), "by_operator"))

    @strawberry.field(description="Fields that went through the policy, by kind.")
    def fields_seen(self) -> list[NamedCount]:
        return named_counts(_merged(self._summaries(), "fields_seen"))

    @strawberry.field(description="Per day, oldest first.")
    def by_day(self) -> list[AuditGroup]:
        days: dict[str, list[Doc]] = {}
        for part in self.parts:
            days.setdefault(part.day, []).append(part.summary)
        return [_group(day, summaries) for day, summaries in sorted(days.items())]

    @strawberry.field(description="Per session, most redactions first.")
    async def by_session(self, first: int = 20) -> list[AuditGroup]:
        check_limit(first, MAX_SESSIONS, "first")
        unread = [p for p in self.parts if p.rows is None and p.doc_id is not None]
        doc_ids = [str(p.doc_id) for p in unread]
        found = await read_by_id(self.store, DASHBOARD, doc_ids, {"sessions": 1})
        rows_by_doc = {d["_id"]: unpack(d.get("sessions")) for d in found}
        sessions: dict[str, list[Doc]] = {}
        for part in self.parts:
            rows = part.rows if part.rows is not None else rows_by_doc.get(part.doc_id or "", [])
            for row in rows:
                sessions.setdefault(row["session_id"], []).append(row)
        groups = [_group(s, rows) for s, rows in sessions.items()]
        groups.sort(key=lambda g: (-g.redactions, g.key))
        return groups[:first]

    @strawberry.field(description="Policy versions in force over the range, oldest first.")
    def policies(self) -> list[PolicyInForce]:
        # In the order a read of the documents sorted by day and `_id` meets them; the engine
        # of each policy's last document.
        entries = sorted(
            ((p.day, e) for p in self.parts for e in p.summary["policies"]),
            key=lambda de: (de[0], de[1]["first_id"]),
        )
        found: dict[tuple[str, str], Doc] = {}
        for day, entry in entries:
            policy = found.setdefault(
                (entry["version"], entry["hash"]),
                {"first_day": day, "chunks": 0, "last": ("", "")},
            )
            policy["chunks"] += entry["chunks"]
            policy["last_day"] = day
            if (day, entry["last_id"]) > policy["last"]:
                policy.update(last=(day, entry["last_id"]), engine=entry.get("engine"))
        policies = [
            PolicyInForce(
                version=version,
                hash=digest,
                engine=json_value(p.get("engine") or {}),
                first_day=p["first_day"],
                last_day=p["last_day"],
                chunks=p["chunks"],
            )
            for (version, digest), p in found.items()
        ]
        policies.sort(key=lambda p: (p.first_day, p.version))
        return policies


async def _site_ids(context: Context, site_id: str | None, scope: Doc) -> list[str]:
    """The sites in scope. Known shortcoming: for a key that sees every site, audits of a site
    no longer in ``sites`` are left out."""
    if site_id is not None:
        return [site_id]
    if scope:
        return list(scope["site_id"]["$in"])
    sites = await context.store.sites.find({}, projection={"_id": 1}).to_list(None)
    return sorted(str(s["_id"]) for s in sites)


async def range_parts(
    context: Context, site_id: str | None, date_range: DateRange
) -> list[DayPart]:
    """The day parts of the sites in scope: rolled-up days from each site's ``<site>|audit``
    (by ``_id``), the others (never rolled up) from ``redaction_audit``."""
    store = context.store
    scope = await context.site_filter(site_id)
    date_range.checked()
    days = date_range.days()
    sites = await _site_ids(context, site_id, scope)
    markers = await read_by_id(store, DASHBOARD, [days_doc_id(s) for s in sites])
    rolled = {m["_id"]: m.get("days") or {} for m in markers}

    parts: list[DayPart] = []
    missing: set[tuple[str, str]] = set()
    for site in sites:
        known = rolled.get(days_doc_id(site), {})
        for day in days:
            if day not in known:
                missing.add((site, day))
            elif known[day] is not None:  # None: rolled up, no audit that day
                parts.append(DayPart(day, unpack(known[day])[0], doc_id=day_doc_id(site, day)))
    if missing:
        query = and_all(scope, {"day": {"$in": sorted({day for _, day in missing})}})
        docs = await store.redaction_audit.find(query, projection=PROJECTION).to_list(None)
        parts += parts_of(d for d in docs if (d.get("site_id"), d.get("day")) in missing)
    return parts


async def session_parts(
    context: Context, session_id: str, site_id: str | None, date_range: DateRange
) -> list[DayPart]:
    """One session's day parts: its chunks' and survey answers' audits by ``_id``."""
    store = context.store
    scope = await context.site_filter(site_id)
    stored = and_all(scope, date_range.condition(), {"session_id": session_id})
    refs = await chunk_refs(store, session_id)
    if refs is None:
        # No worker state (a session stored before it existed, or not by the worker): found
        # by `session_id`, which reads every audit document on FerretDB v1.
        return parts_of(
            await store.redaction_audit.find(stored, projection=PROJECTION).to_list(None)
        )

    responses = await context.loaders.responses.load(session_id)
    # surveys.records.save_redaction_audit: one audit per response and answered question.
    answers = [f"response:{r['_id']}:{q}" for r in responses for q in r.get("answers") or {}]
    docs = await read_by_id(store, "redaction_audit", [r.id for r in refs] + answers, PROJECTION)
    first, last = date_range.checked()
    sites = _scope_sites(scope)
    return parts_of(
        d
        for d in docs
        if d.get("session_id") == session_id
        and first <= d.get("day", "") <= last
        and (sites is None or d.get("site_id") in sites)
    )


def _scope_sites(scope: Doc) -> set[str] | None:
    """The site ids a ``site_filter`` condition allows; None for every site."""
    if not scope:
        return None
    value = scope["site_id"]
    return set(value["$in"]) if isinstance(value, dict) else {value}


@strawberry.type
class AuditQueries:
    @strawberry.field(
        permission_classes=[IsPrivacyOfficer],
        description="What was redacted over a range of days, optionally for one session.",
    )
    async def redaction_audit(
        self,
        info: Info[Context, Any],
        range: DateRange,
        site_id: str | None = None,
        session_id: strawberry.ID | None = None,
    ) -> RedactionAudit:
        if session_id is not None:
            parts = await session_parts(info.context, str(session_id), site_id, range)
        else:
            parts = await range_parts(info.context, site_id, range)
        return RedactionAudit(parts=parts, store=info.context.store)
