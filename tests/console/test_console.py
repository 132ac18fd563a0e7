"""The web console in headless Chromium over data that went through the whole pipeline:
/collect → worker → MongoDB → GraphQL → console/. The browser script (console/test/console.mjs)
compares every screen with the API's own answers; these tests read its verdicts."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from api.resources import Resources
from tests.conftest import REPO
from tests.console.recordings import (
    ORIGIN,
    PERMIT_URL,
    native_batch,
    native_sessions,
    permit_recording,
    rrweb_batch,
)
from tests.helpers import graphql, wait_processed

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CONSOLE = REPO / "console"
SCRIPT = CONSOLE / "test" / "console.mjs"
ARTIFACTS = REPO / "test-artifacts" / "console"
SCRIPT_TIMEOUT_S = 240.0
SETTLE_TIMEOUT_S = 60.0
PERMIT_SESSIONS = 3
SURVEY_RATING = 2
# Page views of the native sessions per template; the permit page also has one reader.
EXPECTED_VIEWS = {"/water/pay": 2, "/streets/pothole": 2}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("node") is None or not CHROMIUM.exists(),
        reason=f"needs node and Chromium at {CHROMIUM} (tracker/install-browser.sh)",
    ),
]

SESSION_QUERY = """
query Settled($id: ID!) { session(id: $id) { id signals { kind } pageViews { template } } }
"""
PAGES_QUERY = """
query Pages($range: DateRange!) { pages(siteId: "demo", range: $range) { template pageViews } }
"""
CREATE_SURVEY = """
mutation Survey($input: SurveyInput!) { createSurvey(siteId: "demo", input: $input) { id } }
"""
AUDIT_QUERY = "query A($range: DateRange!) { redactionAudit(range: $range) { chunks } }"


async def post_collect(http: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await http.post(
        "/collect", content=orjson.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["batch_id"])


async def answer_survey(
    http: httpx.AsyncClient, admin_key: str, site_key: str, client_session: str
) -> str:
    """A rating survey on the permit pages, shown to and answered in the first permit session."""
    survey_input = {
        "name": f"Permit form ease ({uuid.uuid4().hex[:6]})",
        "defaultLanguage": "en",
        "question": {"type": "RATING", "texts": [{"lang": "en", "text": "How easy was this?"}]},
        "rules": [{"kind": "PREFIX", "value": "/permits"}],
        "trigger": {"kind": "LOAD"},
        "status": "ACTIVE",
    }
    created = await graphql(http, admin_key, CREATE_SURVEY, {"input": survey_input})
    assert "errors" not in created, created
    survey_id = str(created["data"]["createSurvey"]["id"])
    visit = {"site_key": site_key, "session_id": client_session, "visitor_id": client_session}
    visit |= {"window_id": "w1", "url": PERMIT_URL, "lang": "en"}
    headers = {"origin": ORIGIN}
    shown = await http.post(f"/surveys/{survey_id}/shown", json=visit, headers=headers)
    assert shown.status_code == 201, shown.text
    answers = {"answers": {"main": SURVEY_RATING}}
    answered = await http.post(
        f"/surveys/{survey_id}/responses", json=visit | answers, headers=headers
    )
    assert answered.status_code == 201, answered.text
    return survey_id


async def settle(http: httpx.AsyncClient, admin_key: str, session_id: str) -> str:
    """Wait until the permit session has its signals and the day's aggregates count its pages;
    returns the session's page template."""
    day = time.strftime("%Y-%m-%d", time.gmtime())
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        session = (await graphql(http, admin_key, SESSION_QUERY, {"id": session_id}))["data"][
            "session"
        ]
        kinds = {s["kind"] for s in (session or {}).get("signals", [])}
        template = session["pageViews"][0]["template"] if session else ""
        pages = await graphql(http, admin_key, PAGES_QUERY, {"range": {"from": day, "to": day}})
        views = {p["template"]: p["pageViews"] for p in pages["data"]["pages"]}
        expected = {template: PERMIT_SESSIONS + 1} | EXPECTED_VIEWS
        if {"rage_click", "error_click"} <= kinds and all(
            views.get(t, 0) >= n for t, n in expected.items()
        ):
            return template
        if time.monotonic() > deadline:
            pytest.fail(f"not settled after {SETTLE_TIMEOUT_S:.0f} s: signals {sorted(kinds)}")
        await asyncio.sleep(0.5)


def build_console() -> None:
    if not (CONSOLE / "node_modules" / "playwright-core").is_dir():
        pytest.fail("console/node_modules is missing: run scripts/setup.sh (npm ci in console/)")
    node = shutil.which("node") or "node"
    built = subprocess.run(
        [node, "build.mjs"], cwd=CONSOLE, capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, built.stderr


@dataclass(frozen=True)
class Seeded:
    session_id: str
    template: str
    survey_id: str


async def seed(api_url: str, resources: Resources, keys: dict[str, str]) -> Seeded:
    """Post the permit recordings and the native sessions, answer a survey, let them settle."""
    start_ms = int(time.time() * 1000) - 40_000
    client_sessions = [f"console-{uuid.uuid4().hex[:12]}" for _ in range(PERMIT_SESSIONS)]
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        batch_ids = [
            await post_collect(http, rrweb_batch(keys["site"], sid, permit_recording(start_ms)))
            for sid in client_sessions
        ]
        for events in native_sessions(start_ms):
            body = native_batch(keys["site"], f"console-{uuid.uuid4().hex[:12]}", events)
            batch_ids.append(await post_collect(http, body))
        await wait_processed(resources, batch_ids)
        survey_id = await answer_survey(http, keys["admin"], keys["site"], client_sessions[0])
        session_id = f"demo:{client_sessions[0]}"
        template = await settle(http, keys["admin"], session_id)
    return Seeded(session_id, template, survey_id)


@pytest.fixture(scope="module")
async def verdicts(
    api_url: str, resources: Resources, keys: dict[str, str], worker: object
) -> dict[str, Any]:
    """Seed the data, then run the browser script once; its JSON summary."""
    build_console()
    seeded = await seed(api_url, resources, keys)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        shutil.which("node") or "node",
        str(SCRIPT),
        "--base-url", api_url,
        "--admin-key", keys["admin"],
        "--analyst-key", keys["analyst"],
        "--privacy-key", keys["privacy_officer"],
        "--site-key", keys["site"],
        "--session-id", seeded.session_id,
        "--template", seeded.template,
        "--survey-id", seeded.survey_id,
        "--artifacts", str(ARTIFACTS),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "CHROMIUM_PATH": str(CHROMIUM)},
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), SCRIPT_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"console.mjs did not finish in {SCRIPT_TIMEOUT_S:.0f} s")
    (ARTIFACTS / "console-stderr.log").write_bytes(err)
    try:
        summary: dict[str, Any] = json.loads(out)
    except json.JSONDecodeError:
        pytest.fail(f"console.mjs printed no summary (exit {process.returncode}):\n{err.decode()}")
    summary["exit_code"] = process.returncode
    return summary


def failed(summary: dict[str, Any], prefix: str) -> list[str]:
    """The script's failed checks whose names start with `prefix`, with their details."""
    checks = [c for c in summary["checks"] if c["name"].startswith(prefix)]
    assert checks, f"the script ran no {prefix} check"
    return [f"{c['name']}: {c['detail']}" for c in checks if not c["ok"]]


def test_overview_numbers_charts_and_live_feed_match_the_api(verdicts: dict[str, Any]) -> None:
    assert failed(verdicts, "overview") == []
    assert verdicts["numbers"]["overview"]["pageViews"] >= PERMIT_SESSIONS + 4


def test_page_view_metrics_elements_heatmap_and_survey_results_match_the_api(
    verdicts: dict[str, Any],
) -> None:
    assert failed(verdicts, "page") == []
    page = verdicts["numbers"]["page"]
    assert page["pageViews"] >= PERMIT_SESSIONS
    # Every permit session rage-clicked the same label: the heatmap has those clicks.
    assert page["heatmapClicks"] >= PERMIT_SESSIONS * 5


def test_shortlist_groups_match_the_api(verdicts: dict[str, Any]) -> None:
    assert failed(verdicts, "shortlist") == []
    assert max(verdicts["numbers"]["shortlist"]["sizes"]) >= PERMIT_SESSIONS


def test_replay_plays_with_clickable_signal_markers_and_masked_fields(
    verdicts: dict[str, Any],
) -> None:
    assert failed(verdicts, "replay") == []
    replay = verdicts["numbers"]["replay"]
    kinds = set(replay["markerKinds"])
    assert {"rage_click", "error_click"} <= kinds
    # The rating of 2 is a negative answer.
    assert "negative_answer" in kinds
    # The typed "test" was stored as four mask characters, and shows as such.
    assert replay["textFieldValue"] == "****"
    assert replay["selectText"] == "*"


def test_audit_matches_the_api_for_admin_and_privacy_officer(verdicts: dict[str, Any]) -> None:
    assert failed(verdicts, "audit") == []
    assert verdicts["numbers"]["audit"]["chunks"] >= PERMIT_SESSIONS


def test_surveys_are_created_targeted_paused_and_their_results_match(
    verdicts: dict[str, Any],
) -> None:
    assert failed(verdicts, "surveys") == []
    assert verdicts["numbers"]["surveys"]["answered"] >= 1


def test_analyst_key_cannot_open_the_audit_in_the_console(verdicts: dict[str, Any]) -> None:
    assert failed(verdicts, "analyst") == []


async def test_analyst_key_is_refused_the_audit_by_the_api(
    api_url: str, keys: dict[str, str]
) -> None:
    day = time.strftime("%Y-%m-%d", time.gmtime())
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        refused = await graphql(
            http, keys["analyst"], AUDIT_QUERY, {"range": {"from": day, "to": day}}
        )
        allowed = await graphql(
            http, keys["privacy_officer"], AUDIT_QUERY, {"range": {"from": day, "to": day}}
        )
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "forbidden"
    assert "errors" not in allowed
    assert isinstance(allowed["data"]["redactionAudit"]["chunks"], int)


def test_console_is_accessible_and_requests_nothing_from_elsewhere(
    verdicts: dict[str, Any],
) -> None:
    assert failed(verdicts, "a11y") == []
    assert failed(verdicts, "network") == []
    assert verdicts["exit_code"] == 0
