"""Strings waiting for redaction, grouped by field kind so each kind is analyzed as one batch."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from anonymizer.audit import Audit
from anonymizer.text import TextRedactor


class Slots:
    """Places in the output (container + key) whose string is redacted later, in batches."""

    def __init__(self) -> None:
        self.items: dict[str, list[tuple[Any, Any, str]]] = defaultdict(list)

    def add(self, container: Any, key: Any, text: str, kind: str) -> None:
        """Queue `container[key] = redact(text, kind)`."""
        self.items[kind].append((container, key, text))

    def fill(self, redactor: TextRedactor, audit: Audit) -> None:
        """Redact every queued string, one `redact_many` call per kind."""
        for kind, items in self.items.items():
            outputs = redactor.redact_many([text for _, _, text in items], kind, audit)
            for (container, key, _), redacted in zip(items, outputs, strict=True):
                container[key] = redacted
        self.items.clear()
