"""Shared loaders for the case files copied into tests/data/cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES = Path(__file__).resolve().parent.parent / "data" / "cases"


def load_case(name: str) -> Any:
    """A case file by name: `rrweb/<file>` or `bugs/<NN>` (the bug number alone)."""
    folder, _, rest = name.partition("/")
    if folder == "bugs":
        (path,) = sorted((CASES / "bugs").glob(f"{rest}-*.json"))
        return json.loads(path.read_text(encoding="utf-8"))
    return json.loads((CASES / folder / rest).read_text(encoding="utf-8"))


def rrweb_files() -> list[str]:
    """Names of the rrweb recordings that are plain event arrays."""
    return sorted(
        p.name for p in (CASES / "rrweb").glob("*.json") if not p.name.startswith("posthog")
    )
