"""The redaction audit's per-day sums in ``dashboard``, so the privacy audit reads by ``_id``.

FerretDB v1 answers only ``_id`` equalities from an index: the audit's ``site_id``/``day``
query read every ``redaction_audit`` document (one per stored chunk). The aggregation cron
(``workers.aggregate.recompute_days``) calls ``rollup_audit`` for its dirty days and writes:

- ``<site>|audit|<day>``: the day's sums (``summary``: chunks, timeouts, counts by entity, field
  kind, recognizer, operator and fields seen, the policies in force) and its per-session rows
  (``sessions``), both packed (``storage.chunks.pack``); deleted when the day has no audit left;
- ``<site>|audit``: ``days`` {day: the day's packed ``summary`` again, or null for a day without
  audits} of every day rolled up. A range's totals, days and policies come from this one
  document (31 lookups of day documents cost 40-55 ms on FerretDB v1 at load 4-5, one lookup
  about 2 ms); the day documents are read for the per-session rows only. A day not listed was
  never rolled up and is read from ``redaction_audit``.

Counts and document ids only, never values or hashes of values, like ``redaction_audit``.
This module stays light (no redaction engine): the API imports it.

Known shortcomings: a survey answer's audit (``surveys.records.save_redaction_audit``) marks
no day dirty, so a rolled-up day shows it only once something else recomputes that day (the
session's next batch usually does); marking its (site, day) dirty there would fix it. The
retention sweep deletes audits by day and recomputes only the days of the page views and
signals it deletes, so a day that held audits alone keeps its rolled-up document; sweeping
``dashboard`` documents by ``day`` as well would fix it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from storage.chunks import pack
from storage.mongo import Store, upsert

DASHBOARD = "dashboard"
COUNTERS = ("by_entity", "by_field_kind", "by_recognizer", "by_operator", "fields_seen")
SESSION_COUNTERS = ("by_entity", "by_field_kind")
FIELDS = ("site_id", "session_id", "day", "policy_version", "policy_hash", "engine", "timeouts")
PROJECTION = dict.fromkeys(FIELDS + COUNTERS, 1)
"""What the audit reads of a ``redaction_audit`` document."""

Doc = dict[str, Any]


def day_doc_id(site_id: str, day: str) -> str:
    return f"{site_id}|audit|{day}"


def days_doc_id(site_id: str) -> str:
    return f"{site_id}|audit"


def next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def sum_counts(docs: Iterable[Doc], key: str) -> dict[str, int]:
    """The documents' ``key`` counts added up (a name counted 0 times stays listed)."""
    total: Counter[str] = Counter()
    for doc in docs:
        total.update(doc.get(key) or {})
    return dict(total)


def day_summary(docs: Sequence[Doc]) -> Doc:
    """The sums of one day's audit documents, given in ``_id`` order.

    Each policy (version and hash) keeps the ids of its first and last document of the day, so
    days and sites merge in the order a read of the documents sorted by day and ``_id`` gives,
    and the engine of the last one.
    """
    policies: dict[tuple[str, str], Doc] = {}
    for doc in docs:
        key = (str(doc.get("policy_version", "")), str(doc.get("policy_hash", "")))
        policy = policies.setdefault(
            key, {"version": key[0], "hash": key[1], "chunks": 0, "first_id": doc["_id"]}
        )
        policy.update(chunks=policy["chunks"] + 1, last_id=doc["_id"], engine=doc.get("engine"))
    return {
        "chunks": len(docs),
        "timeouts": sum(int(d.get("timeouts", 0)) for d in docs),
        **{key: sum_counts(docs, key) for key in COUNTERS},
        "policies": list(policies.values()),
    }


def session_rows(docs: Sequence[Doc]) -> list[Doc]:
    """Per session of the documents: chunks and counts by entity and field kind."""
    grouped: dict[str, list[Doc]] = {}
    for doc in docs:
        grouped.setdefault(str(doc.get("session_id", "")), []).append(doc)
    return [
        {
            "session_id": sid,
            "chunks": len(group),
            **{key: sum_counts(group, key) for key in SESSION_COUNTERS},
        }
        for sid, group in grouped.items()
    ]


def by_day(docs: Iterable[Doc]) -> dict[str, list[Doc]]:
    """The documents per day, each day's in ``_id`` order."""
    days: dict[str, list[Doc]] = {}
    for doc in sorted(docs, key=lambda d: (d.get("day", ""), d["_id"])):
        days.setdefault(doc.get("day", ""), []).append(doc)
    return days


async def rollup_audit(store: Store, site_id: str, days: Sequence[str]) -> None:
    """Rewrite the site's audit documents in ``dashboard`` for ``days`` and the day after each,
    from one read of ``redaction_audit``.

    The day after too: a chunk's audit is dated by its batch's arrival, which can be the day
    after the page view it extends, and only the page view's day is marked dirty (an erasure
    marks the days of the session's page views and signals as well).
    """
    wanted = sorted(set(days) | {next_day(d) for d in days})
    found = await store.redaction_audit.find(
        {"site_id": site_id, "day": {"$in": wanted}}, projection=PROJECTION
    ).to_list(None)
    grouped = by_day(found)

    dashboard = store.db[DASHBOARD]
    summaries: dict[str, Any] = {}
    for day in wanted:
        docs = grouped.get(day, [])
        if not docs:
            summaries[day] = None
            await dashboard.delete_one({"_id": day_doc_id(site_id, day)})
            continue
        summaries[day] = pack([day_summary(docs)])
        await upsert(
            dashboard,
            day_doc_id(site_id, day),
            {
                "site_id": site_id,
                "day": day,
                "chunks": len(docs),
                "summary": summaries[day],
                "sessions": pack(session_rows(docs)),
            },
        )
    # Last, and one field per day (on MongoDB two recomputes of other days lose neither; on
    # FerretDB v1 they can, see workers.aggregate.write_dashboard): a reader that
    # sees a day listed finds its document written.
    await upsert(
        dashboard,
        days_doc_id(site_id),
        {"$set": {"site_id": site_id, **{f"days.{d}": v for d, v in summaries.items()}}},
    )
