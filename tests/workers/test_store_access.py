"""The per-batch path reads and writes by `_id` only (FerretDB v1 scans for any other filter)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import Counter
from typing import Any

from pymongo import AsyncMongoClient, monitoring

from api.resources import Resources
from bench.fault_checks import native_batch
from signals.detect import detect_session as detect_signals
from tests.reliability.stack import raw_record
from workers.detect import signal_id, thresholds_for_site, to_page_view, write_signals
from workers.jobs import process_batch
from workers.main import after_store_steps
from workers.session_state import CHUNKS, STATE_FIELD, SessionState
from workers.timeline import page_views_of

STORE_COMMANDS = {"find", "update", "delete", "insert", "aggregate", "count"}


class Recorder(monitoring.CommandListener):
    """Each store command's collection and filters, as sent."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, str, list[dict[str, Any]]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name, command = event.command_name, event.command
        if name not in STORE_COMMANDS:
            return
        if name == "update":
            filters = [u["q"] for u in command["updates"]]
        elif name == "delete":
            filters = [d["q"] for d in command["deletes"]]
        else:
            filters = [command.get("filter", {})] if name != "insert" else []
        self.commands.append((name, str(command[name]), filters))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def not_by_id(self) -> list[tuple[str, str]]:
        """(command, collection) of every filter that is not a plain `_id` equality."""
        return [
            (name, collection)
            for name, collection, filters in self.commands
            for query in filters
            if set(query) != {"_id"} or not isinstance(query["_id"], str)
        ]


async def run_jobs(resources: Resources, worker: Any, bodies: list[dict[str, Any]]) -> None:
    """Run each batch's job in this process, in order, with the worker's steps."""
    while "redactor" not in worker.ctx:
        await asyncio.sleep(0.1)
    ctx = {
        "resources": resources,
        "redactor": worker.ctx["redactor"],
        "after_store": after_store_steps(),
    }
    for body in bodies:
        batch_id = uuid.uuid4().hex
        await resources.raw_batches.put(batch_id, raw_record("demo", body, body["sent_at"]))
        assert (await process_batch(ctx, batch_id))["status"] == "stored"


async def recording(resources: Resources) -> tuple[Resources, Recorder, AsyncMongoClient[Any]]:
    """The same resources with a store client whose commands are recorded."""
    recorder = Recorder()
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        resources.settings.mongodb_url, event_listeners=[recorder], tz_aware=True
    )
    store = type(resources.store)(client, resources.settings.database)
    return dataclasses.replace(resources, store=store), recorder, client


async def test_batches_of_a_stored_session_are_read_and_written_by_id_only(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    session = uuid.uuid4().hex
    bodies = [native_batch(keys["site"], session, seq) for seq in (1, 2, 3)]
    recorded, recorder, client = await recording(resources)
    try:
        await run_jobs(recorded, worker, bodies[:1])
        first = Counter(recorder.not_by_id())
        recorder.commands.clear()
        await run_jobs(recorded, worker, bodies[1:])
        later = Counter(recorder.not_by_id())
        jobs = len(bodies) - 1
        reads = Counter(collection for name, collection, _ in recorder.commands if name == "find")
    finally:
        await client.close()

    # The detector settings of the site (a handful of documents) are the one query by site;
    # survey responses are looked up once, when the session is first stored. The site's
    # unusualness models are looked for at most once a minute per process (none when an earlier
    # test of this process already did; the minute may run out during either part).
    assert first.pop(("find", "unusual_models"), 0) + later.pop(("find", "unusual_models"), 0) <= 1
    assert first == {("find", "detector_settings"): 1, ("find", "responses"): 1}
    assert later == {("find", "detector_settings"): jobs}
    # Reads do not grow with the session: its earlier chunks come from the process's cache, and
    # the one chunk read per job is the retry check.
    assert reads["event_chunks"] == jobs and reads["sessions"] == 2 * jobs


async def test_a_cold_worker_and_a_rerun_leave_what_a_rebuild_from_scratch_gives(
    resources: Resources, keys: dict[str, str], worker: Any
) -> None:
    session = uuid.uuid4().hex
    key = f"demo:{session}"
    bodies = [native_batch(keys["site"], session, seq) for seq in (1, 2, 3, 4)]
    await run_jobs(resources, worker, bodies[:2])
    # Another worker process: nothing cached, every chunk is read by _id.
    CHUNKS.__init__()  # type: ignore[misc]
    await run_jobs(resources, worker, bodies[2:])
    await run_jobs(resources, worker, bodies[1:2])  # a batch run again after a crash

    store = resources.store
    chunks = await store.event_chunks.find({"session_id": key}).to_list(None)
    expected = page_views_of(key, chunks)
    stored = {d["_id"]: d for d in await store.page_views.find({"session_id": key}).to_list(None)}
    assert len(chunks) == 4
    assert sorted(stored) == sorted(pv.id for pv in expected)
    for pv in expected:
        doc = stored[pv.id]
        assert (doc["event_count"], doc["started_at"], doc["ended_at"]) == (
            len(pv.events),
            pv.started_at,
            pv.ended_at,
        )
        clicks = sum(1 for e in pv.events if e["kind"] == "click")
        assert len(doc["clicks"]) == clicks
    stored_session = await store.sessions.find_one({"_id": key})
    assert stored_session is not None
    sent = sum(len(b["events"]) for b in bodies)
    assert stored_session["event_count"] == sum(len(pv.events) for pv in expected) == sent
    state = SessionState.unpack(stored_session[STATE_FIELD])
    assert sorted(c.id for c in state.chunks) == sorted(c["_id"] for c in chunks)
    signals = await store.signals.find({"session_id": key}).to_list(None)
    assert sorted(state.signals) == sorted(s["_id"] for s in signals)
    rage = sum(1 for s in signals if s["kind"] == "rage_click")
    last = {pv.window_id: pv.id for pv in expected}
    views = [to_page_view("demo", key, pv, is_open=last[pv.window_id] == pv.id) for pv in expected]
    detected = detect_signals(views, await thresholds_for_site(resources, "demo"))
    assert sorted(s["_id"] for s in signals) == sorted(signal_id(key, s) for s in detected)
    rage = sum(1 for s in detected if s.kind == "rage_click")
    assert rage > 0 and stored_session["signal_counts"]["rage_click"] == rage


async def test_a_false_positive_mark_survives_its_signal_being_rewritten(
    resources: Resources,
) -> None:
    store = resources.store
    doc = {"_id": uuid.uuid4().hex, "kind": "dead_click", "ts": 1, "path": "/a"}
    state = SessionState()
    await write_signals(store, state, [{**doc, "false_positive": False}])
    await store.signals.update_one({"_id": doc["_id"]}, {"$set": {"false_positive": True}})

    # Detected anew with other details (a page view whose path became known): rewritten.
    await write_signals(store, state, [{**doc, "path": "/b", "false_positive": False}])

    stored = await store.signals.find_one({"_id": doc["_id"]})
    assert stored is not None and (stored["path"], stored["false_positive"]) == ("/b", True)
    assert state.false_positives == [doc["_id"]]
