"""``stuckpoint demo``: post a few scripted sessions through /collect and show what GraphQL returns;
then, when Node, Chromium and the tracker bundle are here, let scripted residents use the demo site
in headless Chromium so real tracker data goes through the whole pipeline.

The residents are synthetic: their personal data uses example.com and the fictional 555-01xx range.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson

logger = logging.getLogger(__name__)

SESSIONS_QUERY = """
query Demo($first: Int!) {
  sessions(first: $first) {
    edges { node { id startedAt eventCount pageViewCount
      pageViews { path template }
      events(first: 12, kinds: ["click", "input", "error"]) { kind selector text data } } }
  }
}
"""


def _click(
    ts: int, selector: str, text: str, x: float, y: float, tag: str = "button"
) -> dict[str, Any]:
    return {
        "type": "click",
        "ts": ts,
        "x": x,
        "y": y,
        "target": {"selector": selector, "text": text, "tag": tag},
    }


def scripted_sessions(base_url: str, now_ms: int) -> list[dict[str, Any]]:
    """Three residents: one pays a bill, one rage-clicks, one hits a JS error."""
    site = base_url.rstrip("/")
    t = now_ms - 60_000
    payer = [
        {"type": "pageview", "ts": t, "url": f"{site}/water/pay?account=884213&lang=en"},
        _click(t + 1800, "#account-number", "Account number", 210, 310, "input"),
        {
            "type": "input",
            "ts": t + 2500,
            "target": {
                "selector": "#email",
                "tag": "input",
                "attrs": {"type": "email", "name": "email"},
            },
            "value": "resident.one@example.com",
        },
        _click(t + 4000, "button.pay", "Pay $42.10", 400, 520),
    ]
    rager = [
        {"type": "pageview", "ts": t, "url": f"{site}/permits/12345/apply"},
        _click(t + 1000, "#broken-button", "Continue", 512, 640),
        _click(t + 1300, "#broken-button", "Continue", 514, 641),
        _click(t + 1600, "#broken-button", "Continue", 513, 639),
        _click(t + 1900, "#broken-button", "Continue", 515, 640),
        _click(
            t + 5000, "a.help", "Call Jane Roe at 555-0142 or jane.roe@example.com", 90, 700, "a"
        ),
    ]
    erring = [
        {"type": "pageview", "ts": t, "url": f"{site}/streets/pothole"},
        _click(t + 2000, "#error-submit", "Report pothole", 300, 450),
        {"type": "error", "ts": t + 2100, "message": "TypeError: cannot read properties of null"},
    ]
    return [
        {"events": payer, "name": "pays a water bill"},
        {"events": rager, "name": "rage-clicks a broken button"},
        {"events": erring, "name": "hits a JS error"},
    ]


async def post_demo_sessions(
    base_url: str, site_key: str, admin_key: str, residents: int = 3
) -> list[dict[str, Any]]:
    """Post the scripted sessions, wait until they are queryable, and return them; then run
    `residents` browser residents on the demo site (if possible) and print what they caused."""
    sessions = await _post_native_sessions(base_url, site_key, admin_key)
    if residents > 0:
        await demo_residents(base_url, admin_key, residents)
    return sessions


async def _post_native_sessions(
    base_url: str, site_key: str, admin_key: str
) -> list[dict[str, Any]]:
    """Post the scripted native sessions, wait until they are queryable, and return them."""
    now_ms = int(time.time() * 1000)
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        posted: set[str] = set()
        for script in scripted_sessions("https://city.example.test", now_ms):
            session_id = uuid.uuid4().hex
            body = {
                "site_key": site_key,
                "session_id": session_id,
                "window_id": "w1",
                "seq": 1,
                "sent_at": now_ms,
                "format": "native",
                "events": script["events"],
            }
            response = await client.post(
                "/collect", content=orjson.dumps(body), headers={"content-type": "application/json"}
            )
            response.raise_for_status()
            posted.add(f"{DEMO_SITE_ID}:{session_id}")
            logger.info("posted demo session (%s): %s", script["name"], response.json()["batch_id"])

        deadline = time.monotonic() + 60
        while True:
            result = await client.post(
                "/graphql",
                json={"query": SESSIONS_QUERY, "variables": {"first": 20}},
                headers={"authorization": f"Bearer {admin_key}"},
            )
            edges = result.json().get("data", {}).get("sessions", {}).get("edges", [])
            # Only the sessions just posted: a store in use holds others too.
            ours = [e["node"] for e in edges if e["node"]["id"] in posted]
            # Every scripted session has a page view; one listed without any yet was read while
            # the worker or the aggregation cron was still writing it (seen once in CI).
            complete = len(ours) >= len(posted) and all(n.get("pageViews") for n in ours)
            if complete or time.monotonic() > deadline:
                return ours
            await asyncio.sleep(0.5)


def session_lines(sessions: list[dict[str, Any]]) -> list[str]:
    """One line per session: id, event count, page templates. Never stored texts (whatever
    redaction left in them would reach the terminal and the log)."""
    lines = []
    for session in sessions:
        templates = " ".join(pv["template"] for pv in session.get("pageViews") or [])
        lines.append(f"  {session['id']}: {session['eventCount']} events, pages {templates}")
    return lines


# --- Browser residents on the demo site -------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
RESIDENTS_SCRIPT = REPO / "tracker" / "test" / "residents.mjs"
TRACKER_BUNDLE = REPO / "tracker" / "dist" / "stuckpoint.js"
DEMO_SITE_ID = "demo"
DEMO_SURVEY_NAME = "Demo: asked after a rage click"

SURVEYS_QUERY = """
query DemoSurveys($siteId: String!) { surveys(siteId: $siteId, first: 100) { id name status } }
"""
CREATE_SURVEY = """
mutation DemoSurvey($siteId: String!, $input: SurveyInput!) {
  createSurvey(siteId: $siteId, input: $input) { id }
}
"""
RESIDENT_SESSION_QUERY = """
query Resident($id: ID!) {
  session(id: $id) { id eventCount pageViewCount signalCounts { kind count } }
}
"""
PAGES_QUERY = """
query DemoPages($siteId: String!, $range: DateRange!) {
  pages(siteId: $siteId, range: $range) {
    template pageViews frustratedPageViews signals { kind count }
  }
}
"""


class DemoQueryFailed(Exception):
    """A GraphQL query of the demo answered with errors."""


class ResidentsFailed(Exception):
    """The browser residents script failed, timed out or printed no summary."""


def chromium_path() -> Path:
    return Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def residents_missing() -> list[str]:
    """What the browser residents need that this machine lacks; empty when they can run."""
    missing = []
    if shutil.which("node") is None:
        missing.append("node (Node.js >= 20)")
    if not chromium_path().exists():
        missing.append(f"Chromium at {chromium_path()} (tracker/install-browser.sh)")
    if not TRACKER_BUNDLE.exists():
        missing.append("tracker/dist/stuckpoint.js (cd tracker && npm run build)")
    if not (REPO / "tracker" / "node_modules" / "playwright-core").is_dir():
        missing.append("tracker/node_modules (cd tracker && npm ci)")
    return missing


async def run_residents(base_url: str, count: int, timeout_s: float = 90.0) -> list[dict[str, Any]]:
    """Run `tracker/test/residents.mjs` against the API at `base_url`; returns its residents."""
    node = shutil.which("node") or "node"
    env = {**os.environ, "CHROMIUM_PATH": str(chromium_path())}
    process = await asyncio.create_subprocess_exec(
        node,
        str(RESIDENTS_SCRIPT),
        "--base-url",
        base_url,
        "--residents",
        str(count),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError as error:
        process.kill()
        await process.wait()
        raise ResidentsFailed(f"residents script still running after {timeout_s:.0f} s") from error
    if process.returncode != 0:
        # The script's "failed:" line names the step; the values it types are synthetic.
        lines = err.decode(errors="replace").strip().splitlines() or ["no output"]
        failed = next((line for line in lines if "failed:" in line), lines[-1])
        raise ResidentsFailed(f"exit code {process.returncode}: {failed[:300]}")
    try:
        residents: list[dict[str, Any]] = orjson.loads(out)["residents"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as error:
        raise ResidentsFailed("residents script printed no summary") from error
    return residents


async def ensure_demo_survey(client: httpx.AsyncClient, admin_key: str) -> str:
    """The id of the demo's rating survey shown after a rage click; created once."""
    found = await _graphql(client, admin_key, SURVEYS_QUERY, {"siteId": DEMO_SITE_ID})
    for survey in found["surveys"]:
        if survey["name"] == DEMO_SURVEY_NAME and survey["status"] == "ACTIVE":
            return str(survey["id"])
    survey_input = {
        "name": DEMO_SURVEY_NAME,
        "defaultLanguage": "en",
        "question": {
            "type": "RATING",
            "texts": [{"lang": "en", "text": "How easy is it to do what you came here for?"}],
        },
        "rules": [{"kind": "PREFIX", "value": "/demo"}],
        "trigger": {"kind": "SIGNAL", "signal": "rage_click"},
        "status": "ACTIVE",
    }
    created = await _graphql(
        client, admin_key, CREATE_SURVEY, {"siteId": DEMO_SITE_ID, "input": survey_input}
    )
    return str(created["createSurvey"]["id"])


async def demo_residents(
    base_url: str, admin_key: str, count: int = 3
) -> list[dict[str, Any]] | None:
    """Run browser residents on the demo site, wait for their signals and print a summary.

    Returns the residents' sessions as GraphQL shows them; empty when the browser residents
    cannot run here (the reason is logged); None when they ran and failed.
    """
    missing = residents_missing()
    if missing:
        logger.info("demo: no browser residents, missing: %s", "; ".join(missing))
        return []
    site = base_url.rstrip("/")
    async with httpx.AsyncClient(base_url=site, timeout=10) as client:
        try:
            await ensure_demo_survey(client, admin_key)
        except (httpx.HTTPError, DemoQueryFailed) as error:
            logger.warning("demo: survey not created (%s); residents see none", error)

        logger.info("demo: %d residents are using %s/demo/ in headless Chromium", count, site)
        started = time.monotonic()
        try:
            residents = await run_residents(site, count)
            sessions = await _wait_for_sessions(client, admin_key, residents)
            pages = await _demo_pages(client, admin_key)
        except (ResidentsFailed, DemoQueryFailed, httpx.HTTPError) as error:
            logger.warning("demo: browser residents failed: %s", error)
            return None

    print(summary(residents, sessions, pages, site, time.monotonic() - started))
    return sessions


async def _wait_for_sessions(
    client: httpx.AsyncClient,
    admin_key: str,
    residents: list[dict[str, Any]],
    timeout_s: float = 45,
) -> list[dict[str, Any]]:
    """The residents' sessions once stored and their signals stop changing (or at the timeout)."""
    ids = [f"{DEMO_SITE_ID}:{r['session_id']}" for r in residents if r.get("session_id")]
    deadline = time.monotonic() + timeout_s
    previous: list[dict[str, Any]] | None = None
    stable_polls = 0
    while True:
        sessions = []
        for session_id in ids:
            data = await _graphql(client, admin_key, RESIDENT_SESSION_QUERY, {"id": session_id})
            if data["session"] is not None:
                sessions.append(data["session"])
        # Beacons and detection land a little after the browser has gone: wait for quiet.
        stable_polls = stable_polls + 1 if sessions == previous and len(sessions) == len(ids) else 0
        if stable_polls >= 3 or time.monotonic() > deadline:
            return sessions
        previous = sessions
        await asyncio.sleep(1.0)


async def _demo_pages(client: httpx.AsyncClient, admin_key: str) -> list[dict[str, Any]]:
    """Today's page metrics of the demo site's pages (the /demo/ templates)."""
    today = time.strftime("%Y-%m-%d", time.gmtime())
    variables = {"siteId": DEMO_SITE_ID, "range": {"from": today, "to": today}}
    # Aggregates are recomputed once a second after the worker marks a day dirty.
    await asyncio.sleep(2.0)
    data = await _graphql(client, admin_key, PAGES_QUERY, variables)
    return [p for p in data["pages"] if p["template"].startswith("/demo/")]


def summary(
    residents: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    pages: list[dict[str, Any]],
    site: str,
    elapsed_s: float,
) -> str:
    """A few lines: each resident's signals, the demo pages' signal totals, and where to look."""
    by_id = {s["id"]: s for s in sessions}
    lines = [f"Demo residents ({len(residents)}, {elapsed_s:.0f} s in Chromium and the pipeline):"]
    for resident in residents:
        session = by_id.get(f"{DEMO_SITE_ID}:{resident.get('session_id')}")
        counts = _counts(session["signalCounts"]) if session else "not stored yet"
        lines.append(f"  {resident['script']:<18} signals: {counts}; {_survey(resident)}")
    totals: Counter[str] = Counter()
    for page in pages:
        totals.update({s["kind"]: s["count"] for s in page["signals"]})
    lines.append(
        f"  demo pages today: {_counts([{'kind': k, 'count': n} for k, n in totals.items()])}"
    )
    lines.append(f"GraphiQL:  {site}/graphql")
    lines.append(f"Demo site: {site}/demo/")
    lines.append(f"Console:   {site}/console/  (sign in with the admin key)")
    return "\n".join(lines)


def _survey(resident: dict[str, Any]) -> str:
    survey = resident.get("survey") or {}
    if not survey.get("shown"):
        return "no survey"
    if survey.get("dismissed"):
        return "survey dismissed"
    return f"survey answered (HTTP {survey.get('status')})"


def _counts(signal_counts: list[dict[str, Any]]) -> str:
    if not signal_counts:
        return "none"
    ordered = sorted(signal_counts, key=lambda c: (-c["count"], c["kind"]))
    return ", ".join(f"{c['kind']} {c['count']}" for c in ordered)


async def _graphql(
    client: httpx.AsyncClient, admin_key: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {admin_key}"},
    )
    try:
        body = response.json()
    except ValueError as error:
        raise DemoQueryFailed(f"GraphQL answered {response.status_code}, not JSON") from error
    if response.status_code != 200 or body.get("errors"):
        messages = "; ".join(e.get("message", "") for e in body.get("errors") or [])
        raise DemoQueryFailed(f"GraphQL answered {response.status_code}: {messages}")
    return body["data"]  # type: ignore[no-any-return]
