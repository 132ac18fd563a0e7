"""Build labelled synthetic PII in the places the policy must find it: URLs and free text.

Adds volume to the small public sets for emails, SSNs, cards, IPs and phones, including emails
and IPs inside page URLs (plain and percent-encoded). Values are random, deterministic (fixed
seed) and fictional (example domains, documentation IP ranges are avoided on purpose so the
recognizers see ordinary-looking addresses).

    python bench/data/synthetic_pii.py  # writes bench/data/synthetic_pii.jsonl
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from urllib.parse import quote

OUT = Path(__file__).with_name("synthetic_pii.jsonl")
FIRST = ["jane", "omar", "li", "maria", "dev", "sam", "ana", "kofi", "ivan", "noor", "lee"]
LAST = ["roe", "diaz", "chen", "okafor", "smith", "nguyen", "patel", "kim", "garcia", "ali"]
DOMAINS = ["example.com", "mail.example.org", "example.net", "city.example.gov", "example.co.uk"]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    """A Luhn-valid number of `length` digits starting with `prefix`."""
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return body + str((10 - total % 10) % 10)


def email(rng: random.Random) -> str:
    sep = rng.choice([".", "_", "", "+"])
    tail = rng.choice(["", str(rng.randint(1, 99))])
    return f"{rng.choice(FIRST)}{sep}{rng.choice(LAST)}{tail}@{rng.choice(DOMAINS)}"


def ipv4(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def ipv6(rng: random.Random) -> str:
    return ":".join(f"{rng.randint(0, 0xFFFF):x}" for _ in range(8))


def card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [
            ("4", 16),
            ("4", 13),
            ("51", 16),
            ("55", 16),
            ("2221", 16),
            ("2720", 16),
            ("34", 15),
            ("37", 15),
            ("6011", 16),
            ("35", 16),
            ("4", 19),
        ]
    )
    digits = luhn_complete(prefix, length, rng)
    sep = rng.choice(["", " ", "-", "."])
    if length == 15:
        groups = [digits[:4], digits[4:10], digits[10:]]
    else:
        groups = [digits[i : i + 4] for i in range(0, length, 4)]
    return sep.join(groups)


def ssn(rng: random.Random) -> str:
    area, group, serial = rng.randint(1, 665), rng.randint(1, 99), rng.randint(1, 9999)
    sep = rng.choice(["-", " ", "-"])
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


def phone(rng: random.Random) -> str:
    area, mid, last = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    return rng.choice(
        [
            f"({area}) {mid}-{last:04d}",
            f"{area}-{mid}-{last:04d}",
            f"{area}.{mid}.{last:04d}",
            f"+1 {area} {mid} {last:04d}",
            f"+1-{area}-{mid}-{last:04d}",
            f"1-{area}-{mid}-{last:04d}",
            f"{area} {mid} {last:04d}",
            f"+44 20 {rng.randint(7000, 8999)} {rng.randint(1000, 9999)}",
        ]
    )


def record(template: str, value: str, entity: str, kind: str) -> dict:
    start = template.index("{}")
    text = template.replace("{}", value, 1)
    return {
        "kind": kind,
        "text": text,
        "spans": [{"type": entity, "start": start, "end": start + len(value)}],
    }


def build(seed: int = 4) -> list[dict]:
    rng = random.Random(seed)
    host = "https://portal.city.example.gov"
    records = []
    for _ in range(60):
        e = email(rng)
        records.append(record(host + "/users/{}/profile", e, "EMAIL_ADDRESS", "url"))
        records.append(
            record(host + "/permits?email={}&step=2", quote(e, safe=""), "EMAIL_ADDRESS", "url")
        )
        records.append(record(host + "/#/account?email={}", e, "EMAIL_ADDRESS", "url"))
        records.append(record("Please write to {} about my permit", e, "EMAIL_ADDRESS", "survey"))
        records.append(record("http://{}/admin/login", ipv4(rng), "IP_ADDRESS", "url"))
        records.append(record(host + "/debug?client={}&page=2", ipv4(rng), "IP_ADDRESS", "url"))
        records.append(record("request from {} was blocked", ipv4(rng), "IP_ADDRESS", "survey"))
        records.append(record("my address is {} apparently", ipv6(rng), "IP_ADDRESS", "survey"))
        records.append(record("my card {} was charged twice", card(rng), "CREDIT_CARD", "survey"))
        records.append(record("Card number: {}", card(rng), "CREDIT_CARD", "survey"))
        records.append(record("my social is {} if you need it", ssn(rng), "US_SSN", "survey"))
        records.append(record("SSN {}", ssn(rng), "US_SSN", "survey"))
        records.append(
            record("please call me back at {} after 5", phone(rng), "PHONE_NUMBER", "survey")
        )
        records.append(record("Phone: {}", phone(rng), "PHONE_NUMBER", "survey"))
    return records


if __name__ == "__main__":
    records = build()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    print(f"wrote {len(records)} records to {OUT}")
