"""One session's reads: its chunks by ``_id`` from the list on the session (the worker's state),
the same answers as the ``session_id`` look-up of a session without one; its document without
the packed state; its survey responses looked up only when it may have some."""

from __future__ import annotations

from typing import Any

from api.resources import Resources
from storage.chunks import pack
from tests.schema.recorded import RecordedApi, recorded_api  # noqa: F401 (fixture)
from tests.schema.seed import new_site, response_doc, session_doc
from tests.schema.test_safety import post
from workers.session_state import STATE_FIELD, ChunkRef, SessionState

DAY = "2024-08-05"
TIMELINE = """query T($id: ID!) { session(id: $id) {
  events(first: 500) { kind ts }
  replay(first: 100) { id windowId seq events }
  w2: replay(windowId: "w2", first: 1) { id seq }
} }"""


def _chunk(
    sid: str, site_id: str, window: str, seq: int, fmt: str, start_ms: int
) -> dict[str, Any]:
    ts = start_ms + seq * 1000
    if fmt == "rrweb":
        href = f"https://city.example.test/{window}/{seq}"
        items: list[dict[str, Any]] = [
            {"type": 4, "data": {"href": href, "width": 1280, "height": 800}, "timestamp": ts}
        ]
    else:
        items = [
            {"ts": ts + i, "kind": "click", "node": i, "target": None, "x": 1.0, "y": 2.0,
             "data": {}, "flags": [], "source_index": i}
            for i in range(3)
        ]  # fmt: skip
    return {
        "_id": f"{sid}:{window}:{seq}", "session_id": sid, "site_id": site_id,
        "window_id": window, "origin_window_id": window, "seq": seq, "format": fmt,
        "received_at_ms": ts, "payload": pack(items), "count": len(items), "hashes": [],
    }  # fmt: skip


def _state(chunks: list[dict[str, Any]]) -> Any:
    refs = [
        ChunkRef(id=c["_id"], window_id=c["window_id"], origin_window_id=c["window_id"],
                 seq=c["seq"], received_at_ms=c["received_at_ms"], format=c["format"],
                 version="v")
        for c in chunks
    ]  # fmt: skip
    return SessionState(chunks=refs).pack()


async def _session_with_chunks(resources: Resources) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A session of two windows: w1 native (seq 2, 1), w2 rrweb (seq 3, 1, 2), listed out of
    order in its state, as a duplicated batch re-run would leave them."""
    store = resources.store
    site_id = await new_site(store)
    session = session_doc(site_id, "timeline", DAY)
    sid = session["_id"]
    start = session["started_at"]
    chunks = [
        _chunk(sid, site_id, "w1", 2, "native", start),
        _chunk(sid, site_id, "w2", 3, "rrweb", start),
        _chunk(sid, site_id, "w1", 1, "native", start),
        _chunk(sid, site_id, "w2", 1, "rrweb", start),
        _chunk(sid, site_id, "w2", 2, "rrweb", start),
    ]
    session[STATE_FIELD] = _state(chunks)
    await store.sessions.insert_one(session)
    await store.event_chunks.insert_many(chunks)
    return session, chunks


async def test_events_and_replay_read_the_listed_chunks_by_id_and_answer_as_the_scan_does(
    recorded_api: RecordedApi,  # noqa: F811
    resources: Resources,
    keys: dict[str, str],
) -> None:
    session, _ = await _session_with_chunks(resources)
    sid = session["_id"]
    recorder = recorded_api.recorder

    recorder.reset()
    by_id = await post(recorded_api.url, keys["analyst"], TIMELINE, {"id": sid})
    chunk_reads = recorder.of("event_chunks")
    await resources.store.sessions.update_one({"_id": sid}, {"$unset": {STATE_FIELD: ""}})
    recorder.reset()
    scanned = await post(recorded_api.url, keys["analyst"], TIMELINE, {"id": sid})

    assert "errors" not in by_id, by_id
    assert by_id == scanned
    found = by_id["data"]["session"]
    assert [(c["windowId"], c["seq"]) for c in found["replay"]] == [("w2", 1), ("w2", 2), ("w2", 3)]
    assert found["w2"] == [{"id": f"{sid}:w2:1", "seq": 1}]
    assert [e["kind"] for e in found["events"]].count("click") == 6
    assert [e["kind"] for e in found["events"]].count("load") == 3
    assert chunk_reads and all(r.by_id for r in chunk_reads)
    # Without the list, the session's chunks are found by `session_id`.
    assert any(r.filter.get("session_id") == sid for r in recorder.of("event_chunks"))


async def test_a_listed_chunk_no_longer_stored_is_left_out_and_the_next_one_read(
    recorded_api: RecordedApi,  # noqa: F811
    resources: Resources,
    keys: dict[str, str],
) -> None:
    session, _ = await _session_with_chunks(resources)
    sid = session["_id"]
    await resources.store.event_chunks.delete_one({"_id": f"{sid}:w2:1"})

    result = await post(recorded_api.url, keys["analyst"], TIMELINE, {"id": sid})

    found = result["data"]["session"]
    assert found["w2"] == [{"id": f"{sid}:w2:2", "seq": 2}]
    assert [c["seq"] for c in found["replay"]] == [2, 3]


async def test_one_session_is_read_by_id_without_its_packed_worker_state(
    recorded_api: RecordedApi,  # noqa: F811
    resources: Resources,
    keys: dict[str, str],
) -> None:
    session, _ = await _session_with_chunks(resources)
    recorded_api.recorder.reset()

    result = await post(
        recorded_api.url, keys["analyst"], "query S($id: ID!) { session(id: $id) { id day } }",
        {"id": session["_id"]},
    )  # fmt: skip

    assert result["data"]["session"] == {"id": session["_id"], "day": DAY}
    reads = recorded_api.recorder.of("sessions")
    assert [r.filter for r in reads] == [{"_id": session["_id"]}]
    assert all(STATE_FIELD not in d for r in reads for d in r.docs)


async def test_survey_responses_are_looked_up_only_for_sessions_that_may_have_one(
    recorded_api: RecordedApi,  # noqa: F811
    resources: Resources,
    keys: dict[str, str],
) -> None:
    store = resources.store
    site_id = await new_site(store)
    # As the worker writes them: both survey flags set when the session is created.
    quiet = {**session_doc(site_id, "quiet", DAY), "negative_response": False}
    answered = {**session_doc(site_id, "answered", DAY, has_response=True),
                "negative_response": True}  # fmt: skip
    await store.sessions.insert_many([quiet, answered])
    response = response_doc(answered, "sv_1", answered["started_at"] + 1000)
    await store.responses.insert_one(response)
    query = "query S($id: ID!) { session(id: $id) { surveyResponses { id } } }"

    recorded_api.recorder.reset()
    none = await post(recorded_api.url, keys["analyst"], query, {"id": quiet["_id"]})
    quiet_reads = recorded_api.recorder.of("responses")
    recorded_api.recorder.reset()
    some = await post(recorded_api.url, keys["analyst"], query, {"id": answered["_id"]})

    assert none["data"]["session"] == {"surveyResponses": []}
    assert quiet_reads == []
    assert some["data"]["session"] == {"surveyResponses": [{"id": response["_id"]}]}
    assert len(recorded_api.recorder.of("responses")) == 1


async def test_responses_listed_on_the_session_are_read_by_id_in_time_order(
    recorded_api: RecordedApi,  # noqa: F811
    resources: Resources,
    keys: dict[str, str],
) -> None:
    store = resources.store
    site_id = await new_site(store)
    session = {**session_doc(site_id, "listed", DAY, has_response=True), "negative_response": False}
    later = response_doc(session, "sv_2", session["started_at"] + 9000)
    earlier = response_doc(session, "sv_1", session["started_at"] + 1000)
    # A listed id whose response retention or erasure removed since.
    await store.sessions.insert_one(
        {**session, "response_ids": [later["_id"], earlier["_id"], "gone"]}
    )
    await store.responses.insert_many([later, earlier])
    query = "query S($id: ID!) { session(id: $id) { surveyResponses { id surveyId } } }"

    recorded_api.recorder.reset()
    result = await post(recorded_api.url, keys["analyst"], query, {"id": session["_id"]})

    assert result["data"]["session"]["surveyResponses"] == [
        {"id": earlier["_id"], "surveyId": "sv_1"},
        {"id": later["_id"], "surveyId": "sv_2"},
    ]
    reads = recorded_api.recorder.of("responses")
    assert len(reads) == 3 and all(r.by_id for r in reads)
