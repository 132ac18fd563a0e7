"""Precision and recall of each detector over every labelled case, against the naive rules.

    python bench/signal_accuracy.py [--cases ../shared/cases/bugs] [--marked signals.jsonl]

Labelled cases: the bug-derived cases whose `expected` gives signal counts (rrweb recordings,
batch lists deduplicated as ingest does), and the labelled controls in tests/signals/controls.py
(every kind labelled). `--marked` reads stored signals (one JSON document a line) and prints the
share of each kind that people marked `false_positive`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.naive_signals import naive_counts  # noqa: E402
from ingest.order import dedupe  # noqa: E402
from signals.detect import detect_session  # noqa: E402
from signals.model import SIGNAL_KINDS, Signal  # noqa: E402
from tests.signals.controls import all_controls  # noqa: E402
from tests.signals.pages import counts, page_views_of  # noqa: E402

CASE_KEYS = {f"{kind}s": kind for kind in SIGNAL_KINDS}

# Cases whose label contradicts the rule the issue sets; we score against the rule and
# say so in the output (the reasoning is in tests/signals/test_cases.py).
RELABELLED: dict[str, tuple[dict[str, int], str]] = {
    "23-duplicate-recorders": (
        {"rage_click": 1},
        "3 unanswered clicks 300 ms apart meet the issue's rage rule (>= 3 clicks)",
    ),
}


def bug_cases(folder: Path) -> list[tuple[str, list[dict[str, Any]], dict[str, int]]]:
    """(name, rrweb events, expected count per kind) of each case labelled with signal counts."""
    cases = []
    for path in sorted(folder.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        expected = {CASE_KEYS[k]: v for k, v in case["expected"].items() if k in CASE_KEYS}
        expected.update(RELABELLED.get(path.stem, ({}, ""))[0])
        events = _plain_events(case["events"])
        if expected and events is not None:
            cases.append((path.stem, events, expected))
    return cases


def _plain_events(items: list[Any]) -> list[dict[str, Any]] | None:
    """rrweb events of a case: as given, or from its batches (repeated batch ids dropped)."""
    if items and all(isinstance(i, dict) and "type" in i for i in items):
        events = items
    elif items and all(isinstance(i, dict) and i.get("kind") == "batch" for i in items):
        seen: set[str] = set()
        events = []
        for batch in items:
            if batch.get("batch_id") not in seen:
                seen.add(batch.get("batch_id"))
                events += batch["events"]
    else:
        return None
    return [events[i] for i in dedupe(events)]


def tally(table: dict[str, Counter[str]], found: dict[str, int], expected: dict[str, int]) -> None:
    for kind, want in expected.items():
        got = found.get(kind, 0)
        table[kind]["tp"] += min(got, want)
        table[kind]["fp"] += max(0, got - want)
        table[kind]["fn"] += max(0, want - got)


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "  - "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=Path, default=ROOT.parent / "shared" / "cases" / "bugs")
    parser.add_argument("--marked", type=Path, help="stored signals with false_positive marks")
    args = parser.parse_args()

    labelled = bug_cases(args.cases) if args.cases.is_dir() else []
    labelled += [
        (c.name, c.events, {k: c.expected.get(k, 0) for k in SIGNAL_KINDS}) for c in all_controls()
    ]
    ours: dict[str, Counter[str]] = {k: Counter() for k in SIGNAL_KINDS}
    naive: dict[str, Counter[str]] = {k: Counter() for k in SIGNAL_KINDS}
    misses = []
    for name, events, expected in labelled:
        views = page_views_of(events)
        found = dict(counts(detect_session(views)))
        tally(ours, found, expected)
        tally(naive, {**found, **naive_counts(views)}, expected)
        wrong = {k: (found.get(k, 0), v) for k, v in expected.items() if found.get(k, 0) != v}
        if wrong:
            misses.append(
                f"  {name}: " + ", ".join(f"{k} {g} (want {w})" for k, (g, w) in wrong.items())
            )

    bugs = sum(1 for name, *_ in labelled if name[:2].isdigit())
    print(f"{len(labelled)} labelled cases ({bugs} bug cases)")
    for name, (label, why) in RELABELLED.items():
        if any(case_name == name for case_name, *_ in labelled):
            print(f"relabelled {name}: {label} ({why})")
    print(
        f"{'detector':<18} {'labels':>6} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>5} {'recall':>6}"
        f"  | naive {'FP':>4} {'FN':>4} {'prec':>5} {'recall':>6}"
    )
    for kind in SIGNAL_KINDS:
        o, n = ours[kind], naive[kind]
        labels = o["tp"] + o["fn"]
        print(
            f"{kind:<18} {labels:>6} {o['tp']:>4} {o['fp']:>4} {o['fn']:>4} "
            f"{ratio(o['tp'], o['tp'] + o['fp']):>5} {ratio(o['tp'], labels):>6}"
            f"  |       {n['fp']:>4} {n['fn']:>4} {ratio(n['tp'], n['tp'] + n['fp']):>5} "
            f"{ratio(n['tp'], n['tp'] + n['fn']):>6}"
        )
    print("cases that differ from their label:" if misses else "every case matches its label")
    print("\n".join(misses))

    if args.marked:
        marked_report(args.marked)


def marked_report(path: Path) -> None:
    """Share of stored signals of each kind that people marked as false positives."""
    total: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            signal = Signal.from_dict(json.loads(line))
            total[signal.kind] += 1
            wrong[signal.kind] += signal.false_positive
    print(f"\nmarked signals from {path.name}: kind, signals, marked false, precision")
    for kind in sorted(total):
        precision = ratio(total[kind] - wrong[kind], total[kind])
        print(f"  {kind:<18} {total[kind]:>6} {wrong[kind]:>6} {precision:>5}")


if __name__ == "__main__":
    main()
