"""Page queries: the list of page templates with their metrics, and one page in detail
(time series, top elements by signal, click heatmap, recent signals)."""

from __future__ import annotations

from collections import Counter
from typing import Any, NewType

import strawberry
from strawberry.types import Info

from api.errors import InvalidInput
from schema.context import Context, IsAnalyst
from schema.metrics import (
    Interval,
    MetricPoint,
    PageMetrics,
    PageOrder,
    aggregate_docs,
    page_metrics,
    page_per_day,
    series,
    sort_key,
)
from schema.pagination import and_all
from schema.sessions import checked_kinds
from schema.types import DateRange, Signal, check_limit
from signals.aggregates import HEATMAP_BIN_PX, PAGE_SIGNALS

MAX_PAGES = 500
MAX_ELEMENTS = 100
MAX_SIGNALS = PAGE_SIGNALS
VIEWPORT_CLASSES = ("desktop", "tablet", "mobile", "unknown")


@strawberry.type(description="An element of a page and how often a signal concerned it.")
class ElementMetric:
    kind: str
    selector: str
    text: str | None
    count: int


@strawberry.type(description="Clicks in one square bin of page coordinates.")
class HeatmapBin:
    x: int = strawberry.field(description="Column: page x divided by binPx.")
    y: int = strawberry.field(description="Row: page y (scroll included) divided by binPx.")
    count: int


def _output_only(value: Any) -> Any:
    raise ValueError("HeatmapCells is never an input")


HeatmapCells = NewType("HeatmapCells", list)
HEATMAP_CELLS = strawberry.scalar(
    name="HeatmapCells",
    description="A heatmap's bins as one JSON array of integers: x, y and count of each bin in "
    "turn ([x0, y0, n0, x1, y1, n1, ...]), ordered by x, then y. One value, not a list of "
    "thousands: graphql-core completes each item of a list on its own.",
    serialize=list,
    parse_value=_output_only,
)
"""``HeatmapCells`` in the schema's ``scalar_map`` (schema/app.py)."""


@strawberry.type(description="Clicks on a page template for one viewport class, summed over days.")
class Heatmap:
    viewport_class: str
    bin_px: int
    clicks: int
    counted: strawberry.Private[list[tuple[int, int, int]]]

    @strawberry.field(
        description="The bins with clicks, ordered by x, then y.",
        deprecation_reason="Use cells: one value for all bins. As objects a busy page's "
        "thousands of bins take the API longer to send than the rest of a page's detail.",
    )
    def bins(self) -> list[HeatmapBin]:
        return [HeatmapBin(x=x, y=y, count=n) for x, y, n in self.counted]

    @strawberry.field(
        description="The same bins flattened: x, y and count of each in turn. A page's heatmap "
        "has thousands of bins; as objects each costs three GraphQL fields, this one value for "
        "all: what a dashboard should ask for."
    )
    def cells(self) -> HeatmapCells:
        return HeatmapCells([value for cell in self.counted for value in cell])


def summed_heatmap(docs: list[dict[str, Any]], viewport_class: str) -> Heatmap:
    """Add up the daily heatmaps the worker stores (``heatmaps``: bins of ``bin_px`` pixels)."""
    cells: Counter[tuple[int, int]] = Counter()
    bin_px = 0
    for doc in docs:
        # Days binned at another size cannot be added cell by cell; the first size wins.
        bin_px = bin_px or int(doc.get("bin_px", 0))
        if int(doc.get("bin_px", 0)) != bin_px:
            continue
        bins = doc.get("bins") or []
        if bins and isinstance(bins[0], dict):
            # {x, y, clicks} documents: the `heatmaps` collection, or an earlier layout.
            bins = [int(c.get(k, 0)) for c in bins for k in ("x", "y", "clicks")]
        values = iter(bins)
        for x, y, n in zip(values, values, values, strict=False):
            cells[(x, y)] += n
    return Heatmap(
        viewport_class=viewport_class,
        # No clicks: the size the worker bins at, not 0.
        bin_px=bin_px or HEATMAP_BIN_PX,
        clicks=sum(cells.values()),
        counted=[(x, y, n) for (x, y), n in sorted(cells.items())],
    )


@strawberry.type(description="One page template of one site over a date range.")
class PageDetail:
    site_id: str
    template: str
    range: strawberry.Private[DateRange]

    def _where(self) -> dict[str, Any]:
        return and_all({"site_id": self.site_id, "template": self.template}, self.range.condition())

    @strawberry.field(description="Totals over the range; null when the page had no views.")
    async def metrics(self, info: Info[Context, Any]) -> PageMetrics | None:
        docs = await aggregate_docs(
            info.context, self.site_id, self.range, {"template": self.template}
        )
        found = page_metrics(self.site_id, docs)
        return found[0] if found else None

    @strawberry.field(description="Numbers per day, or per hour for ranges up to 7 days.")
    async def series(
        self, info: Info[Context, Any], interval: Interval = Interval.DAY
    ) -> list[MetricPoint]:
        return await series(info.context, self.site_id, self.range, self.template, interval)

    @strawberry.field(description="The elements most signals concerned, most first.")
    async def top_elements(
        self, info: Info[Context, Any], kind: str | None = None, first: int = 10
    ) -> list[ElementMetric]:
        check_limit(first, MAX_ELEMENTS, "first")
        wanted = checked_kinds([kind], "kind")[0] if kind else None
        rows = await self._details(info, "elements")
        if rows is None:
            rows = await self._elements_from_signals(info, wanted)
        # One row per (kind, selector), labelled with the text seen most often.
        counts: Counter[tuple[str, str]] = Counter()
        texts: dict[tuple[str, str], Counter[str]] = {}
        for kind_, selector, text, n in rows:
            if wanted is None or kind_ == wanted:
                counts[(kind_, selector)] += n
                texts.setdefault((kind_, selector), Counter())[text or ""] += n
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:first]
        return [
            ElementMetric(
                kind=kind_,
                selector=selector,
                text=texts[(kind_, selector)].most_common(1)[0][0] or None,
                count=n,
            )
            for (kind_, selector), n in ranked
        ]

    async def _details(self, info: Info[Context, Any], part: str) -> list[Any] | None:
        """This template's ``part`` of the day detail documents, day by day; None when the
        site's days were never aggregated."""
        per_day = await page_per_day(info.context, self.site_id, self.template, self.range)
        if per_day is None:
            return None
        found = [per_day[day][part] for day in sorted(per_day)]
        if part == "heatmaps":
            return found
        return [row for rows in found for row in rows]

    async def _elements_from_signals(
        self, info: Info[Context, Any], kind: str | None
    ) -> list[list[Any]]:
        match = and_all(
            self._where(),
            {"kind": kind} if kind else {},
            {"false_positive": {"$ne": True}},
            {"target.selector": {"$exists": True}},
        )
        group = {"kind": "$kind", "selector": "$target.selector", "text": "$target.text"}
        cursor = await info.context.store.signals.aggregate(
            [{"$match": match}, {"$group": {"_id": group, "n": {"$sum": 1}}}]
        )
        return [
            [r["_id"]["kind"], r["_id"]["selector"], r["_id"].get("text"), r["n"]]
            for r in await cursor.to_list(None)
        ]

    @strawberry.field(description="Click heatmap over the range for one viewport class.")
    async def heatmap(self, info: Info[Context, Any], viewport_class: str = "desktop") -> Heatmap:
        if viewport_class not in VIEWPORT_CLASSES:
            raise InvalidInput(
                f"viewportClass is one of {', '.join(VIEWPORT_CLASSES)}", field="viewportClass"
            )
        per_day = await self._details(info, "heatmaps")
        if per_day is not None:
            docs = [
                {"bin_px": found[0], "bins": found[1]}
                for heatmaps in per_day
                if (found := heatmaps.get(viewport_class))
            ]
            return summed_heatmap(docs, viewport_class)
        docs = (
            await info.context.store.heatmaps.find(
                and_all(self._where(), {"viewport_class": viewport_class}),
                projection={"bin_px": 1, "bins": 1},
            )
            .sort([("day", 1), ("_id", 1)])
            .to_list(None)
        )
        return summed_heatmap(docs, viewport_class)

    async def _signals_per_day(self, info: Info[Context, Any]) -> dict[str, Any] | None:
        """Day -> this template's newest signals kept by the worker over the range; None when
        a day of the range was never aggregated in this layout."""
        loaders = info.context.loaders
        first, last = self.range.checked()
        layout = await loaders.session_layout(self.site_id)
        if layout is None or any(first <= d <= last for d in layout.get("pending") or []):
            return None
        site, template = self.site_id, self.template
        # The page's own document kept them in an earlier layout.
        found = await loaders.moved_per_day(
            f"{site}|page|{template}", f"{site}|signals|{template}", "signals", first, last
        )
        return found or {}

    @strawberry.field(description="The newest signals on this page.")
    async def signals(
        self,
        info: Info[Context, Any],
        kinds: list[str] | None = None,
        first: int = 20,
        include_false_positives: bool = False,
    ) -> list[Signal]:
        check_limit(first, MAX_SIGNALS, "first")
        wanted = set(checked_kinds(kinds)) if kinds else None
        per_day = await self._signals_per_day(info)
        if per_day is not None:
            found = [
                d
                for docs in per_day.values()
                for d in docs
                if (wanted is None or d["kind"] in wanted)
                and (include_false_positives or not d.get("false_positive"))
            ]
            found.sort(key=lambda d: (d["ts"], d["_id"]), reverse=True)
            return [Signal.from_doc(d) for d in found[:first]]
        query = and_all(
            self._where(),
            {"kind": {"$in": checked_kinds(kinds)}} if kinds else {},
            {} if include_false_positives else {"false_positive": {"$ne": True}},
        )
        docs = (
            await info.context.store.signals.find(query)
            .sort([("ts", -1), ("_id", -1)])
            .limit(first)
            .to_list(None)
        )
        return [Signal.from_doc(d) for d in docs]


@strawberry.type
class PageQueries:
    @strawberry.field(
        permission_classes=[IsAnalyst], description="Page templates with their metrics, ordered."
    )
    async def pages(
        self,
        info: Info[Context, Any],
        site_id: str,
        range: DateRange,
        department: str | None = None,
        order: PageOrder = PageOrder.PAGE_VIEWS,
        signal_kind: str | None = None,
        ascending: bool = False,
        first: int = 50,
    ) -> list[PageMetrics]:
        check_limit(first, MAX_PAGES, "first")
        key = sort_key(order, signal_kind)
        extra = {"department": department} if department is not None else {}
        metrics = page_metrics(site_id, await aggregate_docs(info.context, site_id, range, extra))
        metrics.sort(key=lambda m: m.template)
        metrics.sort(key=key, reverse=not ascending)
        return metrics[:first]

    @strawberry.field(permission_classes=[IsAnalyst], description="One page template in detail.")
    async def page(
        self, info: Info[Context, Any], site_id: str, template: str, range: DateRange
    ) -> PageDetail:
        await info.context.require_site(site_id)
        range.checked()
        return PageDetail(site_id=site_id, template=template, range=range)

    @strawberry.field(
        permission_classes=[IsAnalyst], description="A site's numbers per day or hour, all pages."
    )
    async def site_series(
        self,
        info: Info[Context, Any],
        site_id: str,
        range: DateRange,
        interval: Interval = Interval.DAY,
    ) -> list[MetricPoint]:
        return await series(info.context, site_id, range, None, interval)
