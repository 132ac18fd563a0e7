"""Leak probes of policy 2026-12-03.4: names in error text, ZIP codes, lower-case survey text.

Fills name templates of JS errors with names of many shapes (single, foreign, hyphenated,
apostrophe, titled, middle initial) and counts names left; runs ZIP codes near places, and
ordinary error, survey and ZIP-like strings that must stay unchanged. Ours only; with
`--baseline-tree DIR` the same probes run again on the anonymizer of that checkout, in a child
process, for a before/after in one run.

    python bench/redaction_leaks.py [--baseline-tree DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NAMES = [
    "John Smith", "Maria Lopez", "Ann", "Oluwaseun Adeyemi", "Adeyemi", "Nguyen Tran",
    "Sean O'Brien", "Krystyna Nowak-Wiśniewska", "John Q. Public", "Mr. Smith", "Dr. Patel",
    "Sophy Santino", "Garcia Hernandez", "Tyler", "Megan", "Li Wei", "Jean-Luc Picard",
    "Zoë Müller", "DeShawn Jackson", "McDonald", "Ming Chen",
]  # fmt: skip
ERROR_TEMPLATES = [
    "Error: user {} not found", "Failed to load permit for {}", "Hello, {}", "Error: Hello {}!",
    "Uncaught Error: booking by {} failed", "Error: cannot notify {}", "Error: {} not found",
    "Error: {}'s account is locked", 'Error: invalid name "{}"', "Error: name={} rejected",
    'Error: {{"name":"{}"}}', "Error: Welcome {} render failed", "Error: could not send to {}",
    "Error: lookup({}) failed", "Error: record for {} missing", "Error: from {}",
    "Error: Thanks, {}!", "Error: assigned to {}",
]  # fmt: skip
ORDINARY_ERRORS = [
    "Error: Unable to connect to Redis", "Error: connection to Postgres failed",
    "Error: Swiper not found", "Error: Module not found", "Error: Invalid value for Content-Type",
    "Error: No route for Dashboard", "Error: Redirecting to Login", "Error: Blocked by CORS policy",
    "Error: Payment declined by Stripe", "Error: Sign in with Google failed",
    "Error: Could not load Leaflet", "Error: Account Locked", "Error: Welcome Back failed",
    "AbortError: The user aborted a request.", "Error: Vue's router failed",
    "NotAllowedError: play() failed because the user didn't interact with the document first.",
    "Error: Message Port closed before a response was received",
    "Error: Value for Field is missing", "Error: Fetch from Cache failed",
    "Error: Contact Support if this continues", "Error: Template for Permit not found",
    "Error: Upload to Box failed", "Error: name is required",
    'Error: name="email" is invalid', "Error: greeting for Guest failed", "Error: Admin not found",
    "Error: user Administrator not authorized", "Error: Library Card not found",
    "Error: address Line 2 is required", "ReferenceError: Springfield is not defined",
]  # fmt: skip
ZIP_POSITIVE = [
    "Springfield, IL 62704", "ZIP 62704", "62704-1234", "Springfield 62704-1234",
    "Chicago, Illinois 60601", "Springfield, Ill. 62704", "Boston MA 02108-1234",
    "Springfield, 62704", "New York, New York 10001", "Zip: 62704-1234",
]  # fmt: skip
ZIP_NEGATIVE = [
    "Order 62704", "Order 62704-1234", "Reference 10023-0001", "Permit No. 12345-6789",
    "Case #62704", "Ticket 62704", "Parcel 12345", "Room 12345", "Error code 50001",
    "Showing 12345 results", "Population 62704", "Page 2 of 10", "results in 12345 ms", "62704",
]  # fmt: skip
SURVEY_POSITIVE = [
    ("my neighbour john smith at 12 oak street", ["john", "smith", "oak"]),
    ("my neighbor bob keeps parking on the sidewalk", ["bob"]),
    ("my wife maria lopez applied last week", ["maria", "lopez"]),
    ("the clerk named priya was really helpful", ["priya"]),
    ("i'm oluwaseun adeyemi and i can't log in", ["oluwaseun", "adeyemi"]),
    ("call me at home, my name is sophy santino", ["sophy", "santino"]),
    ("contact jane doe about this", ["jane", "doe"]),
    ("thanks to karen and mike at the front desk", ["karen", "mike"]),
    ("dog bit my daughter emma near lincoln park", ["emma", "lincoln"]),
    ("we moved here from chicago last year", ["chicago"]),
]  # fmt: skip
SURVEY_NEGATIVE = [
    "my friend told me about this page", "i am happy with the new website",
    "thank you so much for fixing the streetlight", "ask for help at the front desk",
    "my son will need a library card next year", "the officer was very polite",
    "we walked in the park on sunday", "in a timely way please", "on my way to work",
    "the dog park needs more trash cans", "I tried the Google API and it failed",
    "the ArcGIS map never loads", "Zoom link did not work on Chrome on my iPhone",
    "Microsoft Edge shows a blank page", "Used the API with OAuth and JSON",
]  # fmt: skip


def name_left(name: str, redacted: str) -> bool:
    """Some word of the name (not a title or an initial) is still in the output."""
    words = [w for w in name.split() if w not in ("Mr.", "Dr.") and len(w.rstrip(".")) > 1]
    return any(w in redacted for w in words)


def probe(tree: Path) -> None:
    """Run every probe on the anonymizer of `tree` and print the counts."""
    sys.path.insert(0, str(tree))
    from anonymizer import Redactor

    redactor = Redactor()
    print(f"tree: {tree}  policy {redactor.policy_version}")

    filled = [(name, t.format(name)) for t in ERROR_TEMPLATES for name in NAMES]
    left = sum(name_left(n, redactor.redact_text(text, "error")) for n, text in filled)
    print(f"  error text, names left: {left} of {len(filled)} (18 templates x 21 names)")
    changed = sum(redactor.redact_text(t, "error") != t for t in ORDINARY_ERRORS)
    print(f"  ordinary error prose changed: {changed} of {len(ORDINARY_ERRORS)}")

    found = sum("<US_ZIP_CODE>" in redactor.redact_text(t, "text") for t in ZIP_POSITIVE)
    print(f"  ZIP codes near a place or label replaced: {found} of {len(ZIP_POSITIVE)}")
    changed = sum(redactor.redact_text(t, "text") != t for t in ZIP_NEGATIVE)
    print(f"  reference numbers and counts changed: {changed} of {len(ZIP_NEGATIVE)}")

    words = [w for _, ws in SURVEY_POSITIVE for w in ws]
    left = 0
    for text, names in SURVEY_POSITIVE:
        redacted = redactor.redact_text(text, "survey")
        left += sum(f" {w} " in f" {redacted} " for w in names)
    print(f"  lower-case survey names and places left: {left} of {len(words)}")
    changed = sum(redactor.redact_text(t, "survey") != t for t in SURVEY_NEGATIVE)
    print(f"  ordinary survey answers changed: {changed} of {len(SURVEY_NEGATIVE)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-tree", type=Path, help="checkout to compare")
    parser.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    probe(args.tree)
    if args.baseline_tree:
        sys.stdout.flush()
        command = [sys.executable, __file__, "--tree", str(args.baseline_tree)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
