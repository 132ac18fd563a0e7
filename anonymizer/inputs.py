"""The input rule: form values are dropped unless the site allow-lists the field."""

from __future__ import annotations

from dataclasses import dataclass, field

from anonymizer.policy import PolicyConfig, SitePolicy
from anonymizer.urls import name_words

# Field types whose value is never kept, whatever the site says.
HARD_DROP_TYPES = frozenset({"password", "hidden"})
HARD_DROP_TAGS = frozenset({"textarea", "select"})


@dataclass
class FieldInfo:
    """What is known about a form field: its tag, attributes, and whether it was ever a password."""

    tag: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    ever_password: bool = False


@dataclass(frozen=True)
class InputDecision:
    """`drop`: mask the value; `entity`: store `<ENTITY>` instead; `analyze`: run the analyzer."""

    action: str
    entity: str = ""
    context: tuple[str, ...] = ()


DROP = InputDecision("drop")


def sensitive_entity(names: list[str], config: PolicyConfig) -> str:
    """The entity a field holds by its name/id/autocomplete, or "" when none matches."""
    for name in names:
        for word in name_words(name) + ["".join(name_words(name))]:
            for key, entity in config.input_sensitive_names.items():
                if word == key or (len(key) >= 4 and word.startswith(key)):
                    return entity
    return ""


def decide(info: FieldInfo | None, config: PolicyConfig, site: SitePolicy | None) -> InputDecision:
    """Decide what happens to the value of one field."""
    if info is None:
        return DROP
    attrs = {k.lower(): str(v) for k, v in info.attrs.items() if isinstance(v, str)}
    field_type = attrs.get("type", "").lower()
    autocomplete = attrs.get("autocomplete", "").lower()
    if info.ever_password or field_type in HARD_DROP_TYPES or info.tag.lower() in HARD_DROP_TAGS:
        return DROP
    if "cc-" in autocomplete or autocomplete in (
        "new-password",
        "current-password",
        "one-time-code",
    ):
        return DROP

    names = [attrs.get(key, "") for key in ("name", "id", "autocomplete") if attrs.get(key)]
    allowed = site is not None and any(n.lower() in site.analyze_input_fields for n in names)
    entity = sensitive_entity(names, config)
    if entity:
        return InputDecision("entity", entity) if allowed else DROP
    if allowed:
        context = tuple(word for name in names for word in name_words(name))
        return InputDecision("analyze", context=context)
    return DROP
