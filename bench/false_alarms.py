"""False alarms per hour of session on long, calm, generated sessions (any signal is a false alarm).

    python bench/false_alarms.py [--sessions 20] [--minutes 30] [--seed 1]

Each session is a person browsing a city website without trouble: smooth curved mouse reaches
(minimum-jerk, sampled every 20 ms, 1 px jitter, some overshooting and correcting), reading
pauses with idle mouse circles, wheel scrolling down long pages
with the odd step back up, clicks that get an answer (a change within 0.8 s, or the next page),
double-click word selection, dragging to select text, and forms filled in and submitted. The
naive rules (bench/naive_signals.py) run on the same sessions as the baseline.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.naive_signals import naive_counts  # noqa: E402
from ingest.model import Event, Interactive, Target  # noqa: E402
from signals.detect import detect_session  # noqa: E402
from signals.model import SIGNAL_KINDS, PageView  # noqa: E402

T0 = 1_700_000_000_000
SAMPLE_MS = 20
PATHS = ("/", "/services", "/parking", "/parking/permits", "/taxes", "/news/article", "/contact")


def _target(tag: str, attrs: dict[str, str], text: str = "") -> Target:
    interactive: Interactive | None = None
    if tag in ("a", "button"):
        interactive = {"tag": tag, "attrs": attrs}
    selector = f"#{attrs['id']}" if "id" in attrs else tag
    return {
        "tag": tag,
        "selector": selector,
        "text": text,
        "attrs": attrs,
        "interactive": interactive,
    }


class Page:
    """Events of one generated page view."""

    def __init__(self, rng: random.Random, start_ms: int, path: str) -> None:
        self.rng, self.now, self.path = rng, start_ms, path
        self.x, self.y, self.scroll_y = 640.0, 400.0, 0.0
        self.height_px = rng.choice((1600, 3000, 6000))
        self.events: list[Event] = []
        self.add("load", url=f"https://city.example.test{path}", width=1280, height=800)
        self.add("snapshot")
        self.next_node = 1000

    def add(
        self, kind: str, node: int | None = None, on: Target | None = None, **data: Any
    ) -> Event:
        event: Event = {"ts": T0 + self.now, "kind": kind, "node": node, "target": on, "x": None,
                        "y": None, "data": data, "flags": []}  # fmt: skip
        if kind in ("move", "click", "dblclick", "mousedown", "mouseup"):
            event["x"], event["y"] = self.x, self.y
        self.events.append(event)
        return event

    def wait(self, ms: float) -> None:
        self.now += int(ms)

    def read(self) -> None:
        """A reading pause, sometimes with the hand resting on the mouse (tiny drift)."""
        pause = self.rng.uniform(2000, 20000)
        if self.rng.random() < 0.5:
            for _ in range(int(pause // 400)):
                self.wait(400)
                self.x += self.rng.uniform(-2, 2)
                self.y += self.rng.uniform(-2, 2)
                self.add("move", 5)
        else:
            self.wait(pause)

    def reach(self, x: float, y: float, held: bool = False) -> None:
        """A minimum-jerk reach along a gentle curve; one in five overshoots and corrects."""
        if self.rng.random() < 0.2:
            over = self.rng.uniform(1.05, 1.15)
            self._reach_once(self.x + (x - self.x) * over, self.y + (y - self.y) * over, held)
        self._reach_once(x, y, held)

    def fidget(self) -> None:
        """Idle small circles with the mouse while reading."""
        cx, cy, radius = self.x, self.y, self.rng.uniform(5, 30)
        period_ms = self.rng.uniform(600, 1500)
        for step in range(int(self.rng.uniform(1000, 4000) // SAMPLE_MS)):
            self.wait(SAMPLE_MS)
            angle = 2 * math.pi * step * SAMPLE_MS / period_ms
            self.x, self.y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
            self.add("move", 5)

    def _reach_once(self, x: float, y: float, held: bool) -> None:
        x0, y0 = self.x, self.y
        distance = math.hypot(x - x0, y - y0)
        duration = max(200.0, 150 + distance * self.rng.uniform(0.5, 1.1))
        bow = self.rng.uniform(-0.15, 0.15) * distance
        nx, ny = (-(y - y0) / distance, (x - x0) / distance) if distance else (0.0, 0.0)
        for step in range(1, int(duration // SAMPLE_MS) + 1):
            s = min(1.0, step * SAMPLE_MS / duration)
            p = 10 * s**3 - 15 * s**4 + 6 * s**5
            curve = bow * math.sin(math.pi * s)
            self.wait(SAMPLE_MS)
            self.x = x0 + (x - x0) * p + nx * curve + self.rng.uniform(-1, 1)
            self.y = y0 + (y - y0) * p + ny * curve + self.rng.uniform(-1, 1)
            self.add("move", 70 if held else 5)

    def scroll(self) -> None:
        """A wheel burst down (or, now and then, a little back up)."""
        up = self.rng.random() < 0.12 and self.scroll_y > 0
        for _ in range(self.rng.randint(1, 3) if up else self.rng.randint(3, 6)):
            self.wait(self.rng.uniform(40, 90))
            limit = self.height_px - 800
            self.scroll_y = min(limit, max(0.0, self.scroll_y + (-100 if up else 100)))
            self.add("scroll", 1, None, x=0.0, y=self.scroll_y, document=True)

    def click_button(self) -> bool:
        """Reach a button or link and click it; True when it opens the next page."""
        link = self.rng.random() < 0.5
        node = self.next_node = self.next_node + 2
        on = (
            _target("a", {"href": "/next"}, "Next")
            if link
            else _target("button", {"id": f"b{node}"}, "Show")
        )
        self.reach(self.rng.uniform(100, 1180), self.rng.uniform(80, 720))
        self.wait(self.rng.uniform(80, 250))
        self.add("mousedown", node, on)
        self.wait(self.rng.uniform(60, 130))
        self.add("mouseup", node, on)
        self.add("click", node, on)
        if link:
            return True
        self.wait(self.rng.uniform(50, 800))
        self.add("mutation", node=None, nodes=[node + 1], adds=1, removes=0, texts=0, attributes=0)
        return False

    def select_word(self) -> None:
        """Double-click a word in a paragraph."""
        para = _target("p", {}, "Opening hours")
        self.reach(self.rng.uniform(100, 900), self.rng.uniform(100, 700))
        for kind in ("mousedown", "mouseup", "click"):
            self.wait(40)
            self.add(kind, 300, para)
        for kind in ("mousedown", "mouseup", "click", "dblclick"):
            self.wait(40)
            self.add(kind, 300, para)
        self.add("selection", 301)

    def drag_select(self) -> None:
        """Select a passage by dragging with the button held."""
        para = _target("p", {}, "Fees")
        self.add("mousedown", 300, para)
        self.reach(
            self.x + self.rng.uniform(-300, 300), self.y + self.rng.uniform(20, 120), held=True
        )
        self.add("mouseup", 300, para)
        self.add("selection", 301)

    def fill_form(self) -> None:
        """Fill three fields (tabbing between them) and submit: the next page opens."""
        for index in range(3):
            node = 400 + index
            field = _target("input", {"type": "text", "name": f"f{index}"})
            if index == 0:
                self.reach(400, 300)
                self.add("mousedown", node, field)
                self.add("mouseup", node, field)
                self.add("click", node, field)
            self.add("focus", node, field)
            self.wait(self.rng.uniform(300, 2500))
            for length in range(1, self.rng.randint(4, 14)):
                self.wait(self.rng.uniform(120, 320))
                self.add("input", node, field, masked=True, length=length)
        submit = _target("button", {"type": "submit"}, "Send")
        self.reach(420, 500)
        self.add("mousedown", 410, submit)
        self.wait(90)
        self.add("mouseup", 410, submit)
        self.add("click", 410, submit)
        self.add("submit", 399)


def calm_session(rng: random.Random, index: int, minutes: float) -> list[PageView]:
    """One calm session of about `minutes` minutes."""
    start, end = 0, int(minutes * 60_000)
    pages: list[Page] = []
    while start < end:
        # Calm browsing moves on: the next page is none of the last two.
        recent = {p.path for p in pages[-2:]}
        page = Page(rng, start, rng.choice([p for p in PATHS if p not in recent]))
        pages.append(page)
        deadline = start + rng.uniform(30_000, 300_000)
        page.read()
        while page.now < deadline:
            action = rng.random()
            if action < 0.3:
                page.read()
            elif action < 0.35:
                page.fidget()
            elif action < 0.6:
                page.scroll()
            elif action < 0.75:
                page.reach(rng.uniform(50, 1230), rng.uniform(50, 750))
            elif action < 0.83:
                page.select_word() if rng.random() < 0.5 else page.drag_select()
            elif action < 0.87 and page.path == "/parking/permits":
                page.fill_form()
                break
            elif page.click_button():
                break
        start = page.now + int(rng.uniform(200, 900))

    views = []
    for number, page in enumerate(pages):
        following = pages[number + 1].events[0]["ts"] if number + 1 < len(pages) else None
        views.append(
            PageView(
                id=f"s{index}-pv{number}",
                session_id=f"s{index}",
                path=page.path,
                template=page.path,
                start_ts=page.events[0]["ts"],
                end_ts=following if following is not None else page.events[-1]["ts"] + 1000,
                events=tuple(page.events),
            )
        )
    return views


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    sessions = [calm_session(rng, i, args.minutes) for i in range(args.sessions)]
    hours = sum((s[-1].end_ts or 0) - s[0].start_ts for s in sessions) / 3_600_000
    events = sum(len(v.events) for s in sessions for v in s)

    ours: Counter[str] = Counter()
    naive: Counter[str] = Counter()
    started = time.perf_counter()
    for views in sessions:
        ours.update(s.kind for s in detect_session(views))
    elapsed_s = time.perf_counter() - started
    for views in sessions:
        naive.update(naive_counts(views))

    print(f"{len(sessions)} calm sessions, {hours:.1f} h, {events} events")
    print(f"detection: {elapsed_s:.2f} s ({elapsed_s / hours * 1000:.0f} ms per session hour)")
    print(f"{'signal':<18} {'ours':>6} {'per h':>7}   {'naive':>6} {'per h':>7}")
    for kind in SIGNAL_KINDS:
        base = (
            f"{naive[kind]:>6} {naive[kind] / hours:>7.2f}"
            if kind in naive
            else f"{'-':>6} {'-':>7}"
        )
        print(f"{kind:<18} {ours[kind]:>6} {ours[kind] / hours:>7.2f}   {base}")
    total = sum(ours.values())
    print(f"{'all':<18} {total:>6} {total / hours:>7.2f}")


if __name__ == "__main__":
    main()
