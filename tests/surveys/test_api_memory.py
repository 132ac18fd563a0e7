"""A fresh API process serves survey offers, showings and answers (with page URLs and open text)
without loading the redaction engine's stack, and stays within its memory budget; the worker
redacts what it handed over."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from typing import Any

import httpx

from api.resources import Resources
from tests.conftest import REPO
from tests.helpers import all_documents
from tests.surveys.factory import graphql_input
from tests.surveys.public import ORIGIN, Site, create_survey, wait_inputs_settled

API_RSS_LIMIT_MB = 200
HEAVY = ("presidio_analyzer", "presidio_anonymizer", "spacy", "sklearn")
PAGE = "https://city.example.test/permits/4821/apply?email=jane.roe%40example.com"
TEXT = "my social is 536-22-8714"

# Runs the API (uvicorn, loopback) in its own interpreter, sends the calls given as JSON in
# argv[1], and prints the statuses, the heavy modules loaded and the resident memory.
PROBE = """
import asyncio, json, sys
import httpx, psutil, uvicorn
from api.app import create_app
from api.settings import get_settings
from embedded.process import free_loopback_port

HEAVY = set(json.loads(sys.argv[2]))

async def main(calls):
    port = free_loopback_port()
    app = create_app(get_settings())
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    started_mb = psutil.Process().memory_info().rss / 2**20
    statuses = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        for method, path, body in calls:
            if method == "GET":
                response = await http.get(path, params=body, headers={"origin": sys.argv[3]})
            else:
                response = await http.post(path, json=body, headers={"origin": sys.argv[3]})
            statuses.append(response.status_code)
    server.should_exit = True
    await task
    return started_mb, statuses

started_mb, statuses = asyncio.run(main(json.loads(sys.argv[1])))
heavy = sorted({name.split(".")[0] for name in sys.modules} & HEAVY)
rss = psutil.Process().memory_info().rss / 2**20
print(json.dumps({"statuses": statuses, "heavy": heavy, "started_mb": started_mb, "rss_mb": rss}))
"""


def run_api(calls: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    """Run the probe (the settings fixture put the test servers' URLs in the environment)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(calls), json.dumps(HEAVY), ORIGIN],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout.splitlines()[-1])  # type: ignore[no-any-return]


async def test_a_fresh_api_serves_survey_posts_without_the_engine_and_within_200_mb(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    site: Site,
    worker: Any,
) -> None:
    survey_id = await create_survey(client, keys["analyst"], site, graphql_input())
    ids = {"site_key": site.key, "session_id": uuid.uuid4().hex, "visitor_id": uuid.uuid4().hex}
    post_body = {**ids, "window_id": "w1", "url": PAGE}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/surveys/eligible", {**ids, "url": PAGE}),
        ("POST", f"/surveys/{survey_id}/shown", post_body),
        ("POST", f"/surveys/{survey_id}/responses", {**post_body, "answers": {"main": 2}}),
        ("POST", f"/surveys/{survey_id}/responses", {**post_body, "answers": {"follow_up": TEXT}}),
        ("POST", f"/surveys/{survey_id}/dismissed", post_body),
    ]

    # In a thread: this test's event loop serves the worker meanwhile.
    probe = await asyncio.to_thread(run_api, calls)

    assert probe["statuses"] == [200, 201, 201, 201, 201]
    assert probe["heavy"] == []
    assert probe["rss_mb"] < API_RSS_LIMIT_MB, probe
    # What the API handed over arrives redacted through this session's worker.
    await wait_inputs_settled(resources)
    (doc,) = await resources.store.responses.find({"survey_id": survey_id}).to_list(None)
    assert doc["answers"] == {"main": 2, "follow_up": "my social is <US_SSN>"}
    assert doc["template"] == "/permits/:id/apply"
    events = await resources.store.db["survey_events"].find({"survey_id": survey_id}).to_list(None)
    assert sorted((e["kind"], e["template"]) for e in events) == [
        ("dismissed", "/permits/:id/apply"),
        ("shown", "/permits/:id/apply"),
    ]
    assert not [name for name, d in await all_documents(resources) if "536-22-8714" in str(d)]
