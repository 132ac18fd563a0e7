"""The API's garbage-collector settings (api/gc_tuning.py), in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

PROBE = """
import gc, json
import api.app
from api.gc_tuning import tune_gc
before = gc.get_threshold()
tune_gc()
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_tuning_freezes_what_the_app_imported_and_makes_young_collections_rarer() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True
    )
    found = json.loads(result.stdout.splitlines()[-1])

    assert found["before"] == [700, 10, 10]
    assert found["after"] == [20_000, 20, 20]
    # The app's modules, schema and settings: tens of thousands of objects no longer scanned.
    assert found["frozen"] > 50_000
