"""``stuckpoint demo``: post a few scripted sessions through /collect and show what GraphQL returns.

The residents are synthetic: their personal data uses example.com and the fictional 555-01xx range.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
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


async def post_demo_sessions(base_url: str, site_key: str, admin_key: str) -> list[dict[str, Any]]:
    """Post the scripted sessions, wait until they are queryable, and return them."""
    now_ms = int(time.time() * 1000)
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        posted = 0
        for script in scripted_sessions("https://city.example.test", now_ms):
            body = {
                "site_key": site_key,
                "session_id": uuid.uuid4().hex,
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
            posted += 1
            logger.info("posted demo session (%s): %s", script["name"], response.json()["batch_id"])

        deadline = time.monotonic() + 60
        while True:
            result = await client.post(
                "/graphql",
                json={"query": SESSIONS_QUERY, "variables": {"first": 20}},
                headers={"authorization": f"Bearer {admin_key}"},
            )
            edges = result.json().get("data", {}).get("sessions", {}).get("edges", [])
            if len(edges) >= posted or time.monotonic() > deadline:
                return [e["node"] for e in edges]
            await asyncio.sleep(0.5)
