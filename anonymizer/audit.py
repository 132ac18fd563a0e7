"""Audit counts of one redaction run: how many of what were changed, where, by whom, how.

Only counts and names of entity types, field kinds, recognizers and operators are kept; never an
original value, nor a hash of one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


class Audit:
    """Counters by entity type, field kind, recognizer and operator."""

    def __init__(self) -> None:
        self.entities: Counter[str] = Counter()
        self.fields: Counter[str] = Counter()
        self.recognizers: Counter[str] = Counter()
        self.operators: Counter[str] = Counter()
        self.fields_seen: Counter[str] = Counter()
        self.timeouts = 0

    def count(
        self, entity: str, field_kind: str, recognizer: str, operator: str, n: int = 1
    ) -> None:
        """Record `n` changes of one entity type in one field kind."""
        self.entities[entity] += n
        self.fields[field_kind] += n
        self.recognizers[recognizer] += n
        self.operators[operator] += n

    def seen(self, field_kind: str, n: int = 1) -> None:
        """Record that `n` fields of a kind went through the policy."""
        self.fields_seen[field_kind] += n

    def merge(self, other: Audit) -> None:
        """Add another audit's counts to this one."""
        self.entities.update(other.entities)
        self.fields.update(other.fields)
        self.recognizers.update(other.recognizers)
        self.operators.update(other.operators)
        self.fields_seen.update(other.fields_seen)
        self.timeouts += other.timeouts

    def to_dict(self, **header: Any) -> dict[str, Any]:
        """Plain dict for storage, with `header` (policy and engine versions) on top."""
        return {
            **header,
            "by_entity": dict(sorted(self.entities.items())),
            "by_field_kind": dict(sorted(self.fields.items())),
            "by_recognizer": dict(sorted(self.recognizers.items())),
            "by_operator": dict(sorted(self.operators.items())),
            "fields_seen": dict(sorted(self.fields_seen.items())),
            "timeouts": self.timeouts,
        }
