"""The API process never loads the redaction engine's NLP stack (about 100 MB resident) nor
scikit-learn (the worker's unusualness model)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("presidio_analyzer", "presidio_anonymizer", "spacy", "sklearn")


def modules_after(statement: str) -> list[str]:
    """The heavy top-level modules a fresh interpreter holds after running ``statement``."""
    probe = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout.splitlines()[-1])
    return sorted({name.split(".")[0] for name in loaded} & set(HEAVY))


def test_importing_the_api_app_loads_neither_presidio_nor_spacy() -> None:
    assert modules_after("import api.app") == []


def test_the_survey_endpoints_and_their_input_hand_over_load_none_of_them() -> None:
    assert modules_after("import api.surveys, surveys.service, surveys.inputs") == []


def test_client_address_reduction_is_importable_without_the_engine() -> None:
    assert modules_after("from anonymizer.client import truncate_ip, reduce_user_agent") == []


def test_the_engine_still_loads_when_asked_for_by_name() -> None:
    assert modules_after("from anonymizer import Redactor") == ["presidio_analyzer", "spacy"]


def test_the_recompute_that_erasure_and_false_positive_marks_run_in_the_api_loads_none() -> None:
    # schema.erasure imports workers.aggregate when a mutation runs; it recomputes from the store.
    assert (
        modules_after("import schema.erasure; from workers.aggregate import recompute_days") == []
    )
