"""The redaction audit for privacy officers: what was redacted, where, when, under which policy.

Built from ``redaction_audit`` (one document of counts per stored chunk; never values). Entity
and field-kind names are document keys, which ``$group`` cannot unpack on FerretDB v1, so the
sums are taken here in Python.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.context import Context, IsPrivacyOfficer
from schema.pagination import and_all
from schema.types import DateRange, NamedCount, check_limit, json_value, named_counts

MAX_SESSIONS = 200
COUNTERS = ("by_entity", "by_field_kind", "by_recognizer", "by_operator", "fields_seen")
HEADER = ("session_id", "day", "policy_version", "policy_hash", "engine", "timeouts")
PROJECTION = {"_id": 0, **dict.fromkeys(HEADER + COUNTERS, 1)}


def _sum(docs: list[dict[str, Any]], key: str) -> dict[str, int]:
    total: Counter[str] = Counter()
    for doc in docs:
        total.update(doc.get(key) or {})
    return dict(total)


@strawberry.type(description="Redactions of one day or one session.")
class AuditGroup:
    key: str = strawberry.field(description="The day (YYYY-MM-DD) or the session id.")
    chunks: int
    redactions: int
    by_entity: list[NamedCount]
    by_field_kind: list[NamedCount]


def _group(key: str, docs: list[dict[str, Any]]) -> AuditGroup:
    entities = _sum(docs, "by_entity")
    return AuditGroup(
        key=key,
        chunks=len(docs),
        redactions=sum(entities.values()),
        by_entity=named_counts(entities),
        by_field_kind=named_counts(_sum(docs, "by_field_kind")),
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
    docs: strawberry.Private[list[dict[str, Any]]]

    @strawberry.field
    def chunks(self) -> int:
        return len(self.docs)

    @strawberry.field(description="Texts the analyzer gave up on (time limit); fully masked.")
    def timeouts(self) -> int:
        return sum(int(d.get("timeouts", 0)) for d in self.docs)

    @strawberry.field(description="Totals by entity type (EMAIL_ADDRESS, PERSON, ...).")
    def by_entity(self) -> list[NamedCount]:
        return named_counts(_sum(self.docs, "by_entity"))

    @strawberry.field(description="Totals by field kind (text, input, url, attribute, ...).")
    def by_field_kind(self) -> list[NamedCount]:
        return named_counts(_sum(self.docs, "by_field_kind"))

    @strawberry.field
    def by_recognizer(self) -> list[NamedCount]:
        return named_counts(_sum(self.docs, "by_recognizer"))

    @strawberry.field
    def by_operator(self) -> list[NamedCount]:
        return named_counts(_sum(self.docs, "by_operator"))

    @strawberry.field(description="Fields that went through the policy, by kind.")
    def fields_seen(self) -> list[NamedCount]:
        return named_counts(_sum(self.docs, "fields_seen"))

    @strawberry.field(description="Per day, oldest first.")
    def by_day(self) -> list[AuditGroup]:
        days: dict[str, list[dict[str, Any]]] = {}
        for doc in self.docs:
            days.setdefault(doc.get("day", ""), []).append(doc)
        return [_group(day, docs) for day, docs in sorted(days.items())]

    @strawberry.field(description="Per session, most redactions first.")
    def by_session(self, first: int = 20) -> list[AuditGroup]:
        check_limit(first, MAX_SESSIONS, "first")
        sessions: dict[str, list[dict[str, Any]]] = {}
        for doc in self.docs:
            sessions.setdefault(doc.get("session_id", ""), []).append(doc)
        groups = [_group(s, docs) for s, docs in sessions.items()]
        groups.sort(key=lambda g: (-g.redactions, g.key))
        return groups[:first]

    @strawberry.field(description="Policy versions in force over the range, oldest first.")
    def policies(self) -> list[PolicyInForce]:
        found: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for doc in self.docs:
            key = (str(doc.get("policy_version", "")), str(doc.get("policy_hash", "")))
            found.setdefault(key, []).append(doc)
        policies = [
            PolicyInForce(
                version=version,
                hash=digest,
                engine=json_value(docs[-1].get("engine") or {}),
                first_day=min(d.get("day", "") for d in docs),
                last_day=max(d.get("day", "") for d in docs),
                chunks=len(docs),
            )
            for (version, digest), docs in found.items()
        ]
        policies.sort(key=lambda p: (p.first_day, p.version))
        return policies


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
        query = and_all(
            await info.context.site_filter(site_id),
            range.condition(),
            {"session_id": str(session_id)} if session_id is not None else {},
        )
        docs = (
            await info.context.store.redaction_audit.find(query, projection=PROJECTION)
            .sort([("day", 1), ("_id", 1)])
            .to_list(None)
        )
        return RedactionAudit(docs=docs)
