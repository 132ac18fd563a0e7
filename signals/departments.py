"""Which city department a page belongs to, from a mapping of path prefixes."""

from __future__ import annotations

from collections.abc import Mapping

UNASSIGNED = "unassigned"


def department_for(path: str, mapping: Mapping[str, str], default: str = UNASSIGNED) -> str:
    """The department of the longest prefix in `mapping` that matches whole path segments.

    `{"/parking": "Transport"}` matches `/parking` and `/parking/permits`, not `/parkingfees`.
    """
    path = "/" + path.split("?", 1)[0].split("#", 1)[0].strip("/")
    best, best_length = default, -1
    for prefix, department in mapping.items():
        clean = "/" + prefix.strip().strip("/")
        matches = clean == "/" or path == clean or path.startswith(clean + "/")
        if matches and len(clean) > best_length:
            best, best_length = department, len(clean)
    return best
