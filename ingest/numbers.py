"""Integers that 64-bit storage cannot hold (BSON int64): found with the path that holds them."""

from __future__ import annotations

import re
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Every integer past int64 has 19 digits or more; in compact JSON, floats never have as many in
# a row (orjson writes at most 17 significant digits), so a text without such a run holds none.
# Mapping digits to "0" and the rest to " " lets a plain substring search find a run: ten times
# faster than a regular expression.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 19
# Keys are named in the answer; one that is not a plain identifier may be data (an attribute
# name, a custom payload's key) and is shown as `?`.
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


def may_hold_wide_int(compact_json: bytes) -> bool:
    """False when compact JSON text (as orjson writes it) surely holds no integer past int64."""
    return _LONG_RUN in compact_json.translate(_DIGITS_ONLY)


def wide_int_path(value: Any) -> str | None:
    """The path (`data.positions[2].x`) of the first integer outside int64 in `value`, or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool):
            if not INT64_MIN <= item <= INT64_MAX:
                return path or "event"
        elif isinstance(item, dict):
            # Reversed, so that the stack gives the first one in document order.
            for key, child in reversed(item.items()):
                name = key if _PLAIN_KEY.fullmatch(key) else "?"
                stack.append((child, f"{path}.{name}" if path else name))
        elif isinstance(item, list):
            stack.extend((item[i], f"{path}[{i}]") for i in reversed(range(len(item))))
    return None
