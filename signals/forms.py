"""Form abandonment: fields were used, then the page was left without submitting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ingest.model import Event
from signals.elements import matches_any
from signals.model import FORM_ABANDONMENT, Signal, SignalFactory
from signals.thresholds import DEFAULT_THRESHOLDS, Thresholds
from signals.timeline import Timeline

NOT_FIELD_INPUT_TYPES = frozenset({"submit", "button", "image", "reset", "hidden"})
PRESS_KINDS = frozenset({"mousedown", "touchstart", "click"})
PRESS_TO_FOCUS_MS = 1000
SUBMIT_INPUT_TYPES = frozenset({"submit", "image"})


@dataclass
class _Field:
    event: Event
    focused_ms: int | None = None
    first_input_ms: int | None = None
    last_ms: int = 0


def form_abandonment_in(
    events: Sequence[Event],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    page_view_id: str | None = None,
    left_at_ms: int | None = None,
    ended_at_ms: int | None = None,
) -> list[Signal]:
    """At most one `form_abandonment` signal for a page view that has ended.

    Fields count when focused by the person or typed into after the last submit. The signal keeps
    the last field used and each field's hesitation (focus → first input); never a value.
    """
    left = left_at_ms if left_at_ms is not None else ended_at_ms
    if left is None:
        return []
    timeline = Timeline(events)
    load_ms = next((int(e["ts"]) for e in timeline.events if e.get("kind") == "load"), None)
    fields: dict[int, _Field] = {}
    last_press: dict[int | None, int] = {}

    for event in timeline.events:
        kind, ts, node = event.get("kind"), int(event.get("ts", 0)), event.get("node")
        if kind == "submit" or (kind == "click" and _submits(event)):
            fields.clear()
        elif kind in PRESS_KINDS:
            last_press[node] = ts
        elif node is not None and _is_field(event, thresholds):
            if kind == "focus" and _by_person(ts, last_press.get(node), load_ms, thresholds):
                field = fields.setdefault(node, _Field(event))
                if field.focused_ms is None:
                    field.focused_ms = ts
                field.last_ms = ts
            elif kind == "input":
                field = fields.setdefault(node, _Field(event))
                if field.first_input_ms is None:
                    field.first_input_ms = ts
                field.last_ms = ts

    if not fields:
        return []
    used = sorted(fields.values(), key=lambda f: f.last_ms)
    if left_at_ms is not None and left_at_ms - used[-1].last_ms <= thresholds.enter_submit_ms:
        return []
    start = min(f.focused_ms or f.first_input_ms or f.last_ms for f in used)
    factory = SignalFactory(thresholds, page_view_id)
    return [
        factory.make(
            FORM_ABANDONMENT,
            start,
            max(left, used[-1].last_ms),
            used[-1].event,
            fields=[_summary(f) for f in sorted(used, key=lambda f: _first_ms(f))],
            last_field=str((used[-1].event.get("target") or {}).get("selector", "")),
            typed_fields=sum(1 for f in used if f.first_input_ms is not None),
        )
    ]


def _submits(click: Event) -> bool:
    """A click on a submit button. A <button> without a type submits its form (if it has one)."""
    target = click.get("target")
    interactive = target.get("interactive") if target else None
    if not interactive:
        return False
    tag = str(interactive.get("tag", "")).lower()
    kind = (interactive.get("attrs") or {}).get("type", "").lower()
    if tag == "button":
        return kind in ("", "submit")
    return tag == "input" and kind in SUBMIT_INPUT_TYPES


def _is_field(event: Event, thresholds: Thresholds) -> bool:
    target = event.get("target")
    if not target or event.get("kind") not in ("focus", "input"):
        return False
    if matches_any(target, thresholds.form_ignore_selectors):
        return False
    tag = str(target.get("tag", "")).lower()
    attrs = target.get("attrs") or {}
    if tag == "input":
        return attrs.get("type", "").lower() not in NOT_FIELD_INPUT_TYPES
    if tag in ("textarea", "select"):
        return True
    return attrs.get("contenteditable", "false").lower() in ("", "true", "plaintext-only")


def _by_person(
    ts: int, pressed_ms: int | None, load_ms: int | None, thresholds: Thresholds
) -> bool:
    """A focus the person caused: a press on the field, or late enough not to be autofocus."""
    if pressed_ms is not None and 0 <= ts - pressed_ms <= PRESS_TO_FOCUS_MS:
        return True
    return load_ms is None or ts - load_ms > thresholds.autofocus_grace_ms


def _first_ms(field: _Field) -> int:
    return min(t for t in (field.focused_ms, field.first_input_ms, field.last_ms) if t is not None)


def _summary(field: _Field) -> dict[str, object]:
    target = field.event.get("target") or {}
    hesitation = None
    if field.focused_ms is not None and field.first_input_ms is not None:
        hesitation = max(0, field.first_input_ms - field.focused_ms)
    return {
        "node": field.event.get("node"),
        "selector": str(target.get("selector", "")),
        "tag": str(target.get("tag", "")),
        "typed": field.first_input_ms is not None,
        "hesitation_ms": hesitation,
    }
