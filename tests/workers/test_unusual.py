"""Unusualness models fitted from page views in the real store, and the sessions they rate."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from api.resources import Resources
from signals.features import page_view_features
from signals.model import PageView
from signals.score import score_session
from signals.unusual import session_unusualness
from signals.unusual_model import SITE_WIDE
from tests.signals.pages import odd, ordinary
from workers.store import day_of
from workers.unusual import MODELS, ModelCache, refit_site, refit_unusual_models

TODAY = date(2023, 11, 20)


def _doc(site_id: str, view: PageView, session: str, template: str) -> dict[str, Any]:
    """A page view document as the store and detect steps leave it, with its features."""
    return {
        "_id": f"{site_id}:{session}:{view.id}",
        "site_id": site_id,
        "session_id": f"{site_id}:{session}",
        "template": template,
        "path": template,
        "started_at": view.start_ts,
        "ended_at": view.end_ts,
        "day": day_of(view.start_ts),
        "features": page_view_features(view),
    }


async def _site_with_sessions(resources: Resources, sessions: int) -> str:
    """A new site whose sessions each viewed /pay once (and every third one /help)."""
    site_id = f"unusual-{uuid.uuid4().hex[:8]}"
    docs = []
    for n in range(sessions):
        rng = random.Random(n)
        docs.append(_doc(site_id, ordinary(n, rng), f"s{n}", "/pay"))
        if n % 3 == 0:
            docs.append(_doc(site_id, ordinary(n + 1000, rng), f"s{n}", "/help"))
    await resources.store.page_views.insert_many(docs)
    await resources.store.sites.insert_one({"_id": site_id, "name": "unusualness test"})
    return site_id


async def _models(resources: Resources, site_id: str) -> dict[str, dict[str, Any]]:
    docs = await resources.store.db[MODELS].find({"site_id": site_id}).to_list(None)
    return {d["template"]: d for d in docs}


async def test_an_odd_session_scores_higher_than_ordinary_ones(resources: Resources) -> None:
    site_id = await _site_with_sessions(resources, 60)

    assert await refit_site(resources.store, site_id, today=TODAY) == 2
    models = await ModelCache().models_for(resources.store, site_id, ["/pay"])

    ordinary_values = [
        session_unusualness([ordinary(n, random.Random(n))], models).value  # type: ignore[union-attr]
        for n in range(60)
    ]
    rated = session_unusualness([odd()], models)
    assert rated is not None and rated.model == "/pay"
    assert rated.value >= 0.4 and rated.rank >= 0.9
    assert sum(1 for value in ordinary_values if value < rated.value) >= 55
    score = score_session([odd()], [], False, unusual=rated)
    assert score.breakdown["unusualness"] == round(3 * rated.value, 4)
    assert score.unusual is not None
    assert {"clicks", "errors"} <= {f["feature"] for f in score.unusual["features"]}


async def test_refitting_unchanged_data_gives_identical_models_and_scores(
    resources: Resources,
) -> None:
    site_id = await _site_with_sessions(resources, 45)

    await refit_site(resources.store, site_id, today=TODAY)
    first = await _models(resources, site_id)
    first_value = session_unusualness([odd()], first)
    changed = await refit_site(resources.store, site_id, today=TODAY)
    second = await _models(resources, site_id)

    assert changed == 0
    assert second == first
    assert (
        session_unusualness(
            [odd()], await ModelCache().models_for(resources.store, site_id, ["/pay"])
        )
        == first_value
    )


async def test_templates_with_few_sessions_fall_back_to_the_site_model(
    resources: Resources,
) -> None:
    site_id = await _site_with_sessions(resources, 36)  # 12 sessions saw /help: 12 page views

    await refit_site(resources.store, site_id, today=TODAY)
    models = await _models(resources, site_id)
    help_view = ordinary(5000, random.Random(9), "/help")
    rated = session_unusualness(
        [help_view], await ModelCache().models_for(resources.store, site_id, ["/help"])
    )

    assert sorted(models) == [SITE_WIDE, "/pay"]
    assert models[SITE_WIDE]["page_views"] == 48 and models["/pay"]["sessions"] == 36
    assert rated is not None and (rated.template, rated.model) == ("/help", SITE_WIDE)


async def test_a_site_below_the_session_minimum_loses_its_models(resources: Resources) -> None:
    site_id = await _site_with_sessions(resources, 40)
    await refit_site(resources.store, site_id, today=TODAY)
    assert len(await _models(resources, site_id)) == 2

    await resources.store.page_views.delete_many(
        {"site_id": site_id, "session_id": {"$nin": [f"{site_id}:s{n}" for n in range(20)]}}
    )
    await refit_site(resources.store, site_id, today=TODAY)

    assert await _models(resources, site_id) == {}


async def test_the_cron_job_refits_every_site_with_enough_sessions(resources: Resources) -> None:
    site_id = await _site_with_sessions(resources, 31)
    await resources.store.db[MODELS].delete_many({"site_id": site_id})

    await refit_unusual_models({"resources": resources})

    # Its page views are from 2023: older than four weeks when the job runs today.
    assert await _models(resources, site_id) == {}
    await resources.store.page_views.update_many(
        {"site_id": site_id}, {"$set": {"day": date.today().isoformat()}}
    )
    # Not its count of documents written: the test worker's own hourly run (minute 41) may
    # have refitted the site just before, leaving this run nothing to change.
    await refit_unusual_models({"resources": resources})
    assert sorted(await _models(resources, site_id)) == [SITE_WIDE, "/pay"]


SCORE_IN_A_NEW_PROCESS = """
import json, sys
from signals.features import page_view_features
from signals.unusual import session_unusualness
from tests.signals.pages import odd
models = json.load(open(sys.argv[1]))
print(json.dumps(session_unusualness([odd()], models).to_dict(), sort_keys=True))
"""


async def test_a_stored_model_scores_the_same_in_fresh_processes(
    resources: Resources, tmp_path: Path
) -> None:
    site_id = await _site_with_sessions(resources, 40)
    await refit_site(resources.store, site_id, today=TODAY)
    stored = await _models(resources, site_id)
    path = tmp_path / "models.json"
    path.write_text(json.dumps(stored))

    outputs = [
        subprocess.run(
            [sys.executable, "-c", SCORE_IN_A_NEW_PROCESS, str(path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        ).stdout
        for _ in range(2)
    ]

    here = session_unusualness([odd()], stored)
    assert here is not None
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0]) == json.loads(json.dumps(here.to_dict()))
