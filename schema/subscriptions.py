"""Subscriptions (graphql-transport-ws): frustration alerts and new survey responses.

Both poll the store; there are no change streams on FerretDB v1.

Alert rule, per page template and per watched kind (rage clicks, error clicks): today's rate
(signals per page view, from today's aggregate) is compared with the mean of the daily rates of
the 7 days before. An alert fires when today has at least ``minPageViews`` page views, the
baseline has at least ``MIN_BASELINE_DAYS`` days with page views, and today's rate is at least
``factor`` times the baseline and ``MIN_RATE_RISE`` above it. Each (day, template, kind) alerts
once per subscription.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncGenerator
from datetime import date, timedelta
from typing import Any

import strawberry
from strawberry.types import Info

from api.auth import Role
from api.errors import InvalidInput
from schema.context import Context, IsAnalyst
from schema.sessions import SessionResponse
from schema.types import utc_today

logger = logging.getLogger(__name__)

WATCHED_KINDS = ("rage_click", "error_click")
BASELINE_DAYS = 7
MIN_BASELINE_DAYS = 3
MIN_RATE_RISE = 0.02
MAX_RESPONSES_PER_POLL = 100


@strawberry.type(description="A page whose rage or error clicks rose well above its baseline.")
class FrustrationAlert:
    site_id: str
    template: str
    department: str | None
    kind: str
    day: str
    page_views: int
    count: int
    rate: float = strawberry.field(description="Today's signals of this kind per page view.")
    baseline_rate: float = strawberry.field(description="Mean daily rate of the 7 days before.")
    baseline_days: int


@strawberry.type(description="A survey response that arrived or changed.")
class SurveyResponseEvent:
    site_id: str
    session_id: str
    response: SessionResponse


def _rate(row: dict[str, Any], kind: str) -> float:
    views = row["page_views"]
    return row["signals"].get(kind, 0) / views if views else 0.0


def _by_template_and_day(docs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Aggregate rows (one per template, department and day) summed per template and day."""
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in docs:
        row = rows.setdefault(doc["template"], {}).setdefault(
            doc["day"], {"page_views": 0, "signals": Counter(), "department": doc.get("department")}
        )
        row["page_views"] += int(doc.get("page_views", 0))
        row["signals"].update(doc.get("signals") or {})
    return rows


def alerts_in(
    site_id: str, docs: list[dict[str, Any]], today: date, factor: float, min_page_views: int
) -> list[FrustrationAlert]:
    """Alerts for ``today`` from the aggregates of today and the 7 days before."""
    day = today.isoformat()
    alerts = []
    for template, days in sorted(_by_template_and_day(docs).items()):
        current = days.get(day)
        history = [r for d, r in days.items() if d < day and r["page_views"] > 0]
        if current is None or current["page_views"] < min_page_views:
            continue
        if len(history) < MIN_BASELINE_DAYS:
            continue
        for kind in WATCHED_KINDS:
            baseline = sum(_rate(r, kind) for r in history) / len(history)
            rate = _rate(current, kind)
            if rate >= factor * baseline and rate - baseline >= MIN_RATE_RISE:
                alerts.append(
                    FrustrationAlert(
                        site_id=site_id,
                        template=template,
                        department=current["department"],
                        kind=kind,
                        day=day,
                        page_views=current["page_views"],
                        count=current["signals"].get(kind, 0),
                        rate=rate,
                        baseline_rate=baseline,
                        baseline_days=len(history),
                    )
                )
    return alerts


async def _still_allowed(context: Context, site_id: str) -> None:
    """Check the key again before each poll, so a revoked key stops the stream."""
    principal = await context.reauthenticate()
    principal.require(Role.ANALYST)
    await context.require_site(site_id)


def _checked_interval(poll_interval_s: int) -> int:
    if not 1 <= poll_interval_s <= 3600:
        raise InvalidInput("pollIntervalS must be between 1 and 3600", field="pollIntervalS")
    return poll_interval_s


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAnalyst],
        description="Pages whose rage or error clicks today rise well above their 7-day "
        "baseline; polled every pollIntervalS seconds.",
    )
    async def frustration_alerts(
        self,
        info: Info[Context, Any],
        site_id: str,
        poll_interval_s: int = 60,
        factor: float = 2.0,
        min_page_views: int = 20,
    ) -> AsyncGenerator[FrustrationAlert, None]:
        _checked_interval(poll_interval_s)
        if factor < 1 or min_page_views < 1:
            raise InvalidInput("factor must be at least 1 and minPageViews positive")
        await info.context.require_site(site_id)
        sent: set[tuple[str, str, str]] = set()
        while True:
            await _still_allowed(info.context, site_id)
            today = utc_today()
            first = (today - timedelta(days=BASELINE_DAYS)).isoformat()
            docs = await info.context.store.aggregates.find(
                {"site_id": site_id, "day": {"$gte": first, "$lte": today.isoformat()}},
                projection={"site_id": 1, "day": 1, "template": 1, "department": 1,
                            "page_views": 1, "signals": 1},
            ).to_list(None)  # fmt: skip
            for alert in alerts_in(site_id, docs, today, factor, min_page_views):
                key = (alert.day, alert.template, alert.kind)
                if key not in sent:
                    sent.add(key)
                    yield alert
            await asyncio.sleep(poll_interval_s)

    @strawberry.subscription(
        permission_classes=[IsAnalyst],
        description="Survey responses stored or completed after the subscription started.",
    )
    async def survey_responses(
        self, info: Info[Context, Any], site_id: str, poll_interval_s: int = 5
    ) -> AsyncGenerator[SurveyResponseEvent, None]:
        _checked_interval(poll_interval_s)
        await info.context.require_site(site_id)
        since_ms = int(time.time() * 1000)
        # Versions already sent at the watermark itself: (id, updated_at).
        sent_at_watermark: set[tuple[str, int]] = set()
        while True:
            await _still_allowed(info.context, site_id)
            docs = (
                await info.context.store.responses.find(
                    {"site_id": site_id, "updated_at": {"$gte": since_ms}}
                )
                .sort([("updated_at", 1), ("_id", 1)])
                .limit(MAX_RESPONSES_PER_POLL)
                .to_list(None)
            )
            fresh = 0
            for doc in docs:
                version = (str(doc["_id"]), int(doc["updated_at"]))
                if version in sent_at_watermark:
                    continue
                if version[1] > since_ms:
                    since_ms, sent_at_watermark = version[1], set()
                sent_at_watermark.add(version)
                fresh += 1
                yield SurveyResponseEvent(
                    site_id=site_id,
                    session_id=str(doc.get("session_id", "")),
                    response=SessionResponse.from_doc(doc),
                )
            if fresh == 0 or len(docs) < MAX_RESPONSES_PER_POLL:
                await asyncio.sleep(poll_interval_s)
