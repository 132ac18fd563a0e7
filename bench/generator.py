"""Realistic rrweb sessions on a city website, cut into batches the way the tracker sends them.

    python -m bench.generator [--sessions 200] [--seed 1]   # prints the calibration table

A session is one visitor: 1-6 page views (Meta + FullSnapshot of a 30-70 KB page), mostly mouse
moves and scrolls, clicks on a few hundred distinct elements whose labels repeat across pages
("Next", "Apply now"), URLs with query strings, form inputs (some holding fake personal data:
example.com e-mails, 555-01xx phones), small mutations, and the odd JS error sent as an rrweb
console-plugin event. Batches follow the tracker: at most 100 events, 5 s or 256 KB each.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "cases" / "rrweb" / "rrweb-player-demoit-react.json"

ORIGIN = "https://city.example.test"
SITE_KEY = "demo-site-key"
MAX_BATCH_EVENTS = 100
MAX_BATCH_MS = 5000
MAX_BATCH_BYTES = 256 * 1024

# rrweb numbering (see tests/data/cases/rrweb/README.md).
FULL_SNAPSHOT, INCREMENTAL, META, CUSTOM, PLUGIN = 2, 3, 4, 5, 6
MUTATION, MOVE, INTERACTION, SCROLL, RESIZE, INPUT = 0, 1, 2, 3, 4, 5

PAGES = [
    ("/", "Welcome to the City of Example"),
    ("/permits", "Building and permits"),
    ("/permits/apply?step={n}&type=residential", "Apply for a building permit"),
    ("/permits/{id}/status", "Permit status"),
    ("/water/pay?account={id}&utm_source=newsletter", "Pay your water bill"),
    ("/water/outages", "Water outages"),
    ("/streets/report-a-pothole", "Report a pothole"),
    ("/news/{slug}?ref=home", "City news"),
    ("/search?q={q}", "Search results"),
    ("/contact", "Contact the city"),
    ("/parks/facilities?sort=name", "Parks and facilities"),
]
FORM_PAGES = {2, 4, 6, 9}
LABELS = [
    "Apply now", "Next", "Back", "Submit", "Pay now", "Search", "Read more", "Download PDF",
    "Contact us", "Sign in", "Menu", "Close", "Show details", "Report a problem", "Continue",
]  # fmt: skip
NAV = ["Home", "Permits", "Water", "Streets", "Parks", "News", "Council", "Jobs", "Contact us"]
SENTENCES = [
    "Residents can apply for most building permits online and follow their status at any time.",
    "A permit is needed for new structures, additions, decks over 30 inches and most fences.",
    "Water bills are issued every two months and can be paid online, by phone or in person.",
    "Crews repair reported potholes within five working days when the weather allows it.",
    "The council meets on the first and third Tuesday of each month in the council chambers.",
    "Please have your account number ready; it is printed at the top of your bill.",
    "Late payments are charged a fee of two percent of the outstanding balance per month.",
    "Street sweeping runs from April to November; watch for the posted signs on your block.",
    "Park shelters can be reserved up to twelve months ahead for groups of up to 80 people.",
    "If your water is discoloured, run the cold tap for five minutes before calling us.",
    "Applications are reviewed in the order received, usually within ten working days.",
    "Inspections must be booked at least 24 hours ahead through the online portal.",
    "The recycling centre accepts electronics, batteries and paint on Saturday mornings.",
    "Our offices are closed on public holidays; online services stay available.",
]
FAKE_EMAILS = ["maria.sanchez@example.com", "j.nguyen@example.com", "pat.obrien@example.com"]
FAKE_PHONES = ["(555) 010-4477", "555-0142", "+1 555 019 2038"]
ERRORS = [
    "TypeError: Cannot read properties of undefined (reading 'amount')",
    "ReferenceError: initMap is not defined",
    "Unhandled rejection: Failed to fetch",
]
CSS_RULE = ".c-{i} {{ margin: 0 {i}px; padding: 4px 8px; color: #1a1a2e; font-size: 1rem; }} "


@dataclass
class PageDom:
    """One page template's serialized DOM and the elements people use on it."""

    snapshot: dict[str, Any]
    clickable: list[tuple[int, str]]  # (node id, label)
    fields: list[tuple[int, str]]  # (node id, input type)
    containers: list[int]
    live_text: int
    max_id: int


class DomBuilder:
    def __init__(self) -> None:
        self.next_id = 1
        self.clickable: list[tuple[int, str]] = []
        self.fields: list[tuple[int, str]] = []

    def id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def text(self, content: str) -> dict[str, Any]:
        return {"type": 3, "textContent": content, "id": self.id()}

    def el(self, tag: str, attrs: dict[str, Any] | None = None, *kids: Any) -> dict[str, Any]:
        node_id = self.id()
        children = [self.text(k) if isinstance(k, str) else k for k in kids]
        if tag in ("a", "button"):
            self.clickable.append((node_id, str(kids[0]) if kids else tag))
        if tag in ("input", "textarea"):
            self.fields.append((node_id, str((attrs or {}).get("type", "text"))))
        return {
            "type": 2,
            "tagName": tag,
            "attributes": attrs or {},
            "childNodes": children,
            "id": node_id,
        }


def build_page(index: int) -> PageDom:
    """The DOM of page template ``index``: same ids every visit, like a real server-side page."""
    rng = random.Random(1000 + index)
    b = DomBuilder()
    title = PAGES[index][1]
    doc_id = b.id()
    css = "".join(CSS_RULE.format(i=i) for i in range(rng.randint(150, 300)))
    metas = [b.el("meta", {"name": f"m{i}", "content": "city"}) for i in range(5)]
    sheet = b.el("link", {"rel": "stylesheet", "href": "/assets/site.css", "_cssText": css})
    head = b.el("head", {}, b.el("meta", {"charset": "utf-8"}), b.el("title", {}, title), sheet,
                *metas)  # fmt: skip
    nav = b.el("nav", {"class": "site-nav", "aria-label": "Main"},
               *[b.el("a", {"href": f"/{n.lower().replace(' ', '-')}", "class": "nav-link"}, n)
                 for n in NAV])  # fmt: skip
    paragraphs = [b.el("p", {"class": f"c-{i}"}, " ".join(rng.sample(SENTENCES, 3)))
                  for i in range(rng.randint(20, 40))]  # fmt: skip
    cards = [
        b.el("div", {"class": "card"}, b.el("h3", {}, rng.choice(SENTENCES)[:40]),
             b.el("a", {"href": f"/item/{i}", "class": "btn"}, rng.choice(LABELS)),
             b.el("button", {"type": "button", "class": "btn-secondary"}, rng.choice(LABELS)))
        for i in range(rng.randint(6, 12))
    ]  # fmt: skip
    form: list[Any] = []
    if index in FORM_PAGES:
        inputs = [("text", "Full name"), ("email", "E-mail"), ("tel", "Phone"),
                  ("text", "Street address"), ("text", "Account number")]  # fmt: skip
        form = [
            b.el(
                "form",
                {"action": "/submit", "method": "post"},
                *[
                    b.el("label", {}, label, b.el("input", {"type": t, "name": f"f{i}"}))
                    for i, (t, label) in enumerate(inputs)
                ],
                b.el("textarea", {"name": "details", "rows": "4"}),
                b.el("button", {"type": "submit"}, rng.choice(["Submit", "Pay now", "Next"])),
            )
        ]
    live = b.el("div", {"aria-live": "polite", "class": "status"}, "Ready")
    aside = b.el(
        "aside",
        {"class": "related", "style": "overflow:auto;height:400px"},
        *[b.el("a", {"href": f"/related/{i}"}, rng.choice(LABELS)) for i in range(8)],
    )
    footer = b.el("footer", {}, b.el("p", {}, "City Hall, 100 Main Street. Call 311 or (555) "
                                     "010-0100, or write to info@example.com."))  # fmt: skip
    main = b.el("main", {"id": "main"}, b.el("h1", {}, title), live, *paragraphs, *cards, *form)
    body = b.el("body", {"class": "page"}, nav, main, aside, footer)
    html = b.el("html", {"lang": "en"}, head, body)
    doctype = {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": b.id()}
    snapshot = {"type": 0, "childNodes": [doctype, html], "id": doc_id}
    return PageDom(snapshot, b.clickable, b.fields, [aside["id"]], live["childNodes"][0]["id"],
                   b.next_id)  # fmt: skip


@dataclass
class Window:
    """One browser tab's events, built forward in time."""

    rng: random.Random
    now_ms: int
    events: list[dict[str, Any]] = field(default_factory=list)
    x: int = 600
    y: int = 400
    new_ids: int = 100_000

    def add(self, kind: int, data: dict[str, Any], gap_ms: int = 0) -> None:
        self.now_ms += max(gap_ms, 1)  # strictly increasing: no two events are identical
        self.events.append({"type": kind, "data": data, "timestamp": self.now_ms})

    def visit(self, index: int, dom: PageDom) -> None:
        path = PAGES[index][0].format(
            n=self.rng.randint(1, 4), id=self.rng.randint(10_000, 99_999),
            slug=self.rng.choice(["new-library-hours", "road-works-on-elm", "budget-2025"]),
            q=self.rng.choice(["permit fees", "bulk pickup", "pool hours"]))  # fmt: skip
        if self.rng.random() < 0.05:
            path += ("&" if "?" in path else "?") + f"email={self.rng.choice(FAKE_EMAILS)}"
        self.add(META, {"href": ORIGIN + path, "width": 1280, "height": 800}, 300)
        self.add(FULL_SNAPSHOT, {"node": dom.snapshot, "initialOffset": {"left": 0, "top": 0}}, 20)
        deadline = self.now_ms + self.rng.randint(10_000, 60_000)
        while self.now_ms < deadline:
            self.activity(dom)

    def activity(self, dom: PageDom) -> None:
        roll = self.rng.random()
        if roll < 0.45:
            self.moves(dom)
        elif roll < 0.70:
            self.scrolls(dom)
        elif roll < 0.86:
            self.click(dom)
        elif roll < 0.94 and dom.fields:
            self.type_into(dom)
        elif roll < 0.97:
            self.add(CUSTOM, {"tag": "visibility", "payload": {"visible": self.rng.random() < 0.5}})
        elif roll < 0.985:
            self.add(PLUGIN, {"plugin": "rrweb/console@1", "payload": {
                "level": "error", "payload": [self.rng.choice(ERRORS)],
                "trace": ["https://city.example.test/assets/app.js:120:17"]}})  # fmt: skip
        else:
            self.now_ms += self.rng.randint(1000, 6000)  # reading

    def moves(self, dom: PageDom) -> None:
        for _ in range(self.rng.randint(1, 5)):
            positions = []
            for k in range(self.rng.randint(1, 10)):
                self.x = min(max(self.x + self.rng.randint(-60, 60), 0), 1279)
                self.y = min(max(self.y + self.rng.randint(-40, 40), 0), 799)
                positions.append({"x": self.x, "y": self.y, "id": 42, "timeOffset": -50 * k})
            self.add(INCREMENTAL, {"source": MOVE, "positions": positions}, 500)
            if self.rng.random() < 0.2:
                self.mutation(dom)  # hover styles, menus

    def scrolls(self, dom: PageDom) -> None:
        target = 1 if self.rng.random() < 0.8 else self.rng.choice(dom.containers)
        top = self.rng.randint(0, 3000)
        for _ in range(self.rng.randint(2, 6)):
            top = max(0, top + self.rng.randint(-120, 300))
            self.add(INCREMENTAL, {"source": SCROLL, "id": target, "x": 0, "y": top}, 120)
        if self.rng.random() < 0.5:
            self.mutation(dom)  # sticky header, lazy images

    def click(self, dom: PageDom) -> None:
        node, _ = self.rng.choice(dom.clickable)
        self.moves(dom)
        for kind in (1, 0, 2):  # MouseDown, MouseUp, Click
            data = {"source": INTERACTION, "type": kind, "id": node, "x": self.x, "y": self.y}
            self.add(INCREMENTAL, data, 60)
        if self.rng.random() < 0.7:
            self.mutation(dom)

    def mutation(self, dom: PageDom) -> None:
        roll = self.rng.random()
        data: dict[str, Any] = {"source": MUTATION, "texts": [], "attributes": [], "removes": [],
                                "adds": []}  # fmt: skip
        if roll < 0.5:
            target = self.rng.choice(dom.clickable)[0]
            data["attributes"] = [{"id": target, "attributes": {"class": "btn is-active"}}]
        elif roll < 0.8:
            data["texts"] = [{"id": dom.live_text, "value": f"{self.rng.randint(1, 40)} results"}]
        else:
            parent = dom.containers[0]
            for _ in range(self.rng.randint(1, 4)):
                self.new_ids += 1
                node = {"type": 2, "tagName": "li", "attributes": {"class": "suggestion"},
                        "childNodes": [], "id": self.new_ids}  # fmt: skip
                data["adds"].append({"parentId": parent, "nextId": None, "node": node})
                self.new_ids += 1
                text = {"type": 3, "textContent": self.rng.choice(LABELS), "id": self.new_ids}
                data["adds"].append({"parentId": self.new_ids - 1, "nextId": None, "node": text})
        self.add(INCREMENTAL, data, 80)

    def type_into(self, dom: PageDom) -> None:
        node, kind = self.rng.choice(dom.fields)
        self.add(INCREMENTAL, {"source": INTERACTION, "type": 5, "id": node}, 200)  # Focus
        if self.rng.random() < 0.5:
            value = "*" * self.rng.randint(4, 20)  # masked in the browser
        elif kind == "email":
            value = self.rng.choice(FAKE_EMAILS)
        elif kind == "tel":
            value = self.rng.choice(FAKE_PHONES)
        else:
            value = self.rng.choice(["Oak Street 12", "Need a permit for a deck", "A-20931"])
        for end in range(2, len(value) + 1, max(2, len(value) // 6)):
            self.add(INCREMENTAL, {"source": INPUT, "text": value[:end], "isChecked": False,
                                   "id": node}, 180)  # fmt: skip
        self.add(INCREMENTAL, {"source": INTERACTION, "type": 6, "id": node}, 300)  # Blur


_DOMS: dict[int, PageDom] = {}


def page_dom(index: int) -> PageDom:
    if index not in _DOMS:
        _DOMS[index] = build_page(index)
    return _DOMS[index]


@dataclass
class Session:
    session_id: str
    windows: dict[str, list[dict[str, Any]]]

    @property
    def events(self) -> int:
        return sum(len(e) for e in self.windows.values())

    @property
    def page_views(self) -> int:
        return sum(1 for evs in self.windows.values() for e in evs if e["type"] == META)


def generate_session(
    rng: random.Random, start_ms: int, session_id: str, max_pages: int = 6
) -> Session:
    """One visit: a main tab of 1 to ``max_pages`` page views, and a second tab one time in ten."""
    windows: dict[str, list[dict[str, Any]]] = {}
    for w in range(2 if rng.random() < 0.1 else 1):
        tab = Window(rng, start_ms + w * rng.randint(5_000, 20_000))
        for _ in range(rng.randint(1, max_pages) if w == 0 else 1):
            index = rng.randrange(len(PAGES))
            tab.visit(index, page_dom(index))
        windows[f"w{w}"] = tab.events
    return Session(session_id, windows)


def _size(event: dict[str, Any]) -> int:
    return len(json.dumps(event, separators=(",", ":")))


def cut_batches(
    session: Session,
    site_key: str = SITE_KEY,
    max_events: int = MAX_BATCH_EVENTS,
    max_ms: int = MAX_BATCH_MS,
) -> list[dict[str, Any]]:
    """The session's envelopes in tracker order: per window, `seq` from 1."""
    batches = []
    for window_id, events in session.windows.items():
        parts: list[list[dict[str, Any]]] = [[]]
        size = 0
        for event in events:
            current = parts[-1]
            if current and (
                len(current) >= max_events
                or event["timestamp"] - current[0]["timestamp"] > max_ms
                or size + _size(event) > MAX_BATCH_BYTES
            ):
                parts.append([])
                size = 0
            parts[-1].append(event)
            size += _size(event)
        for seq, part in enumerate(parts, start=1):
            batches.append(envelope(session.session_id, window_id, seq, part, site_key))
    return batches


def envelope(
    session_id: str, window_id: str, seq: int, events: list[dict[str, Any]], site_key: str
) -> dict[str, Any]:
    return {
        "site_key": site_key,
        "session_id": session_id,
        "window_id": window_id,
        "seq": seq,
        "sent_at": events[-1]["timestamp"] + 5,
        "format": "rrweb",
        "events": events,
    }


def generate(
    sessions: int,
    seed: int = 1,
    start_ms: int | None = None,
    prefix: str = "bench",
    max_pages: int = 6,
) -> list[Session]:
    """``sessions`` visits that started 10 to 15 minutes before ``start_ms`` (default: now)."""
    rng = random.Random(seed)
    now = int(time.time() * 1000) if start_ms is None else start_ms
    return [
        generate_session(
            rng, now - rng.randint(600_000, 900_000), f"{prefix}-{seed}-{i}", max_pages
        )
        for i in range(sessions)
    ]


def event_class(event: dict[str, Any]) -> str:
    kind = event.get("type")
    names = {FULL_SNAPSHOT: "full snapshot", META: "meta", CUSTOM: "custom", PLUGIN: "plugin"}
    if kind == INCREMENTAL:
        source = (event.get("data") or {}).get("source")
        return {
            MUTATION: "mutation",
            MOVE: "mouse move",
            INTERACTION: "mouse interaction",
            SCROLL: "scroll",
            RESIZE: "resize",
            INPUT: "input",
        }.get(int(source or 0), f"inc {source}")
    return names.get(int(kind or 0), f"type {kind}")


def describe(events: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """Event-type mix, bytes per event, snapshot size, positions per move, events per second."""
    classes = Counter(event_class(e) for e in events)
    sizes = [_size(e) for e in events]
    snaps = [_size(e) for e in events if e.get("type") == FULL_SNAPSHOT]
    moves = [len(e["data"].get("positions", [])) for e in events if event_class(e) == "mouse move"]
    return {
        "events": len(events),
        "mix": {k: v / len(events) for k, v in classes.items()},
        "bytes_mean": statistics.fmean(sizes),
        "bytes_median": statistics.median(sizes),
        "bytes_median_no_snapshot": statistics.median(
            [s for s, e in zip(sizes, events, strict=True) if e.get("type") != FULL_SNAPSHOT]
        ),
        "snapshot_bytes": statistics.median(snaps) if snaps else 0,
        "positions_per_move": statistics.fmean(moves) if moves else 0,
        "events_per_s": len(events) / seconds if seconds else 0,
    }


def calibration(sessions: int = 100, seed: int = 1) -> dict[str, dict[str, Any]]:
    """Figures of the real 81 s recording next to those of generated sessions."""
    real = json.loads(REFERENCE.read_text())
    real_s = (real[-1]["timestamp"] - real[0]["timestamp"]) / 1000
    generated = generate(sessions, seed)
    events = [e for s in generated for evs in s.windows.values() for e in evs]
    seconds = sum(
        (evs[-1]["timestamp"] - evs[0]["timestamp"]) / 1000
        for s in generated
        for evs in s.windows.values()
    )
    batches = [b for s in generated for b in cut_batches(s)]
    gen = describe(events, seconds)
    gen["events_per_batch"] = statistics.fmean(len(b["events"]) for b in batches)
    gen["page_views_per_session"] = statistics.fmean(s.page_views for s in generated)
    return {"real": describe(real, real_s), "generated": gen}


def print_calibration(result: dict[str, dict[str, Any]]) -> None:
    real, gen = result["real"], result["generated"]
    print(f"reference: {REFERENCE.name} (real, {real['events']} events)")
    print(f"{'':28}{'real':>12}{'generated':>12}")
    for key in ("bytes_mean", "bytes_median", "bytes_median_no_snapshot", "snapshot_bytes",
                "positions_per_move", "events_per_s"):  # fmt: skip
        print(f"{key:28}{real[key]:>12.1f}{gen[key]:>12.1f}")
    print("event mix (share of events)")
    for kind in sorted(set(real["mix"]) | set(gen["mix"])):
        print(f"  {kind:26}{real['mix'].get(kind, 0):>12.1%}{gen['mix'].get(kind, 0):>12.1%}")
    print(f"generated: {gen['events']} events, {gen['events_per_batch']:.1f} events per batch, "
          f"{gen['page_views_per_session']:.1f} page views per session")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from bench.common import print_header

    print_header("Generator calibration against a real recording", "bench.generator")
    print_calibration(calibration(args.sessions, args.seed))


if __name__ == "__main__":
    main()
