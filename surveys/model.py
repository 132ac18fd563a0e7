"""The survey: one question (and an optional conditional follow-up), targeting, trigger, caps.

Texts are keyed by language (`{"en": "...", "es": "..."}`); choices carry stable ids so answers
given in any language count toward one set of results. A survey is stored as the dict that
`Survey.to_doc` returns; `Survey.from_doc` reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DRAFT, ACTIVE, PAUSED, ENDED = "draft", "active", "paused", "ended"
STATUSES = (DRAFT, ACTIVE, PAUSED, ENDED)

RATING, NPS, SINGLE_CHOICE, MULTIPLE_CHOICE, OPEN_TEXT = (
    "rating",
    "nps",
    "single_choice",
    "multiple_choice",
    "open_text",
)
QUESTION_TYPES = (RATING, NPS, SINGLE_CHOICE, MULTIPLE_CHOICE, OPEN_TEXT)
SCALES: dict[str, tuple[int, int]] = {RATING: (1, 5), NPS: (0, 10)}
CHOICE_TYPES = (SINGLE_CHOICE, MULTIPLE_CHOICE)

EXACT, PREFIX, TEMPLATE, GLOB, DEPARTMENT = "exact", "prefix", "template", "glob", "department"
RULE_KINDS = (EXACT, PREFIX, TEMPLATE, GLOB, DEPARTMENT)

LOAD, DELAY, EXIT, SIGNAL = "load", "delay", "exit", "signal"
TRIGGER_KINDS = (LOAD, DELAY, EXIT, SIGNAL)

SHOWN, DISMISSED = "shown", "dismissed"
"""Kinds of survey events (showings and dismissals)."""

MAIN, FOLLOW_UP = "main", "follow_up"
"""The two question ids; answers are keyed by them."""

# Negative answers mark the session: CSAT 1-2 (dissatisfied) and NPS 0-6 (detractors).
NEGATIVE_AT_MOST: dict[str, int] = {RATING: 2, NPS: 6}


@dataclass(frozen=True)
class Choice:
    id: str
    text: dict[str, str]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: dict[str, str]
    choices: tuple[Choice, ...] = ()

    def choice_ids(self) -> list[str]:
        return [c.id for c in self.choices]

    def to_doc(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "text": dict(self.text),
            "choices": [{"id": c.id, "text": dict(c.text)} for c in self.choices],
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Question:
        return cls(
            id=doc["id"],
            type=doc["type"],
            text=dict(doc["text"]),
            choices=tuple(Choice(c["id"], dict(c["text"])) for c in doc.get("choices") or []),
        )


@dataclass(frozen=True)
class Condition:
    """When a follow-up is asked: the main answer within [min, max], or among `choice_ids`.

    No bound and no choice means always.
    """

    min_value: int | None = None
    max_value: int | None = None
    choice_ids: tuple[str, ...] = ()

    def holds(self, answer: Any) -> bool:
        if answer is None:
            return False
        if self.choice_ids:
            picked = answer if isinstance(answer, list) else [answer]
            return any(choice in self.choice_ids for choice in picked)
        if isinstance(answer, int) and not isinstance(answer, bool):
            low_ok = self.min_value is None or answer >= self.min_value
            high_ok = self.max_value is None or answer <= self.max_value
            return low_ok and high_ok
        return self.min_value is None and self.max_value is None

    def to_doc(self) -> dict[str, Any]:
        return {"min": self.min_value, "max": self.max_value, "choices": list(self.choice_ids)}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Condition:
        return cls(doc.get("min"), doc.get("max"), tuple(doc.get("choices") or ()))


@dataclass(frozen=True)
class FollowUp:
    when: Condition
    question: Question


@dataclass(frozen=True)
class UrlRule:
    """`value` is a path (exact, prefix), a path template, a glob, or a department name."""

    kind: str
    value: str
    exclude: bool = False


@dataclass(frozen=True)
class Trigger:
    kind: str
    seconds: int | None = None
    signal: str | None = None

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"kind": self.kind}
        if self.seconds is not None:
            doc["seconds"] = self.seconds
        if self.signal is not None:
            doc["signal"] = self.signal
        return doc


@dataclass(frozen=True)
class Caps:
    """At most `per_session` showings in one session, `per_visitor` within `per_visitor_days`."""

    per_session: int = 1
    per_visitor: int = 1
    per_visitor_days: int = 30


@dataclass(frozen=True)
class Survey:
    id: str
    site_id: str
    name: str
    status: str
    question: Question
    rules: tuple[UrlRule, ...]
    trigger: Trigger
    default_language: str
    follow_up: FollowUp | None = None
    sample_percent: float = 100.0
    caps: Caps = field(default_factory=Caps)
    starts_at: int | None = None
    ends_at: int | None = None
    created_at: int = 0
    updated_at: int = 0

    @property
    def languages(self) -> list[str]:
        return sorted(self.question.text)

    def questions(self) -> dict[str, Question]:
        found = {MAIN: self.question}
        if self.follow_up is not None:
            found[FOLLOW_UP] = self.follow_up.question
        return found

    def is_live(self, now_ms: int) -> bool:
        """Active, and inside its period."""
        started = self.starts_at is None or self.starts_at <= now_ms
        not_over = self.ends_at is None or now_ms < self.ends_at
        return self.status == ACTIVE and started and not_over

    def to_doc(self) -> dict[str, Any]:
        follow_up = None
        if self.follow_up is not None:
            follow_up = {
                "when": self.follow_up.when.to_doc(),
                "question": self.follow_up.question.to_doc(),
            }
        return {
            "_id": self.id,
            "site_id": self.site_id,
            "name": self.name,
            "status": self.status,
            "default_language": self.default_language,
            "languages": self.languages,
            "question": self.question.to_doc(),
            "follow_up": follow_up,
            "rules": [{"kind": r.kind, "value": r.value, "exclude": r.exclude} for r in self.rules],
            "trigger": self.trigger.to_doc(),
            "sample_percent": self.sample_percent,
            "caps": {
                "per_session": self.caps.per_session,
                "per_visitor": self.caps.per_visitor,
                "per_visitor_days": self.caps.per_visitor_days,
            },
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Survey:
        follow_up = None
        if doc.get("follow_up"):
            follow_up = FollowUp(
                Condition.from_doc(doc["follow_up"]["when"]),
                Question.from_doc(doc["follow_up"]["question"]),
            )
        trigger = doc["trigger"]
        return cls(
            id=doc["_id"],
            site_id=doc["site_id"],
            name=doc.get("name", ""),
            status=doc["status"],
            question=Question.from_doc(doc["question"]),
            rules=tuple(
                UrlRule(r["kind"], r["value"], bool(r.get("exclude"))) for r in doc["rules"]
            ),
            trigger=Trigger(trigger["kind"], trigger.get("seconds"), trigger.get("signal")),
            default_language=doc["default_language"],
            follow_up=follow_up,
            sample_percent=float(doc.get("sample_percent", 100.0)),
            caps=Caps(**doc.get("caps", {})),
            starts_at=doc.get("starts_at"),
            ends_at=doc.get("ends_at"),
            created_at=doc.get("created_at", 0),
            updated_at=doc.get("updated_at", 0),
        )
