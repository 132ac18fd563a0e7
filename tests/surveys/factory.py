"""Survey definitions for the tests: plain dicts (as `parse_survey` takes) and GraphQL inputs."""

from __future__ import annotations

from typing import Any

from surveys.model import Survey
from surveys.validate import parse_survey

NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def definition(**overrides: Any) -> dict[str, Any]:
    """A CSAT survey on /permits pages, with "What went wrong?" after a rating of 2 or less."""
    data: dict[str, Any] = {
        "name": "Permit application satisfaction",
        "status": "active",
        "default_language": "en",
        "question": {
            "type": "rating",
            "text": {"en": "How easy was it to apply?", "es": "¿Qué tan fácil fue solicitar?"},
        },
        "follow_up": {
            "when": {"max": 2},
            "question": {
                "type": "open_text",
                "text": {"en": "What went wrong?", "es": "¿Qué salió mal?"},
            },
        },
        "rules": [{"kind": "prefix", "value": "/permits"}],
        "trigger": {"kind": "load"},
        "sample_percent": 100.0,
    }
    data.update(overrides)
    return data


def choice_question(kind: str = "single_choice") -> dict[str, Any]:
    return {
        "type": kind,
        "text": {"en": "What did you come to do?", "es": "¿Qué vino a hacer?"},
        "choices": [
            {"id": "pay", "text": {"en": "Pay a bill", "es": "Pagar una factura"}},
            {"id": "apply", "text": {"en": "Apply for a permit", "es": "Solicitar un permiso"}},
            {"id": "other", "text": {"en": "Something else", "es": "Otra cosa"}},
        ],
    }


def make_survey(survey_id: str = "sv_test", **overrides: Any) -> Survey:
    return parse_survey(
        definition(**overrides),
        survey_id=survey_id,
        site_id="site",
        now_ms=NOW_MS,
        created_at=NOW_MS,
    )


def graphql_input(**overrides: Any) -> dict[str, Any]:
    """The same CSAT survey as a GraphQL `SurveyInput`."""
    data: dict[str, Any] = {
        "name": "Permit application satisfaction",
        "status": "ACTIVE",
        "defaultLanguage": "en",
        "question": {
            "type": "RATING",
            "texts": [
                {"lang": "en", "text": "How easy was it to apply?"},
                {"lang": "es", "text": "¿Qué tan fácil fue solicitar?"},
            ],
        },
        "followUp": {
            "maxValue": 2,
            "question": {
                "type": "OPEN_TEXT",
                "texts": [
                    {"lang": "en", "text": "What went wrong?"},
                    {"lang": "es", "text": "¿Qué salió mal?"},
                ],
            },
        },
        "rules": [{"kind": "TEMPLATE", "value": "/permits/:id/apply"}],
        "trigger": {"kind": "LOAD"},
    }
    data.update(overrides)
    return data
