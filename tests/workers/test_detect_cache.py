"""The worker's memoised detection finds what `signals.detect.detect_session` finds."""

from __future__ import annotations

from signals.detect import detect_session
from signals.model import Signal
from tests.workers.test_timeline import generated_chunks
from workers.detect import PageViewDetections, to_page_view
from workers.timeline import WindowMappings, page_views_of


def test_memoised_detection_batch_by_batch_equals_detection_from_scratch() -> None:
    found: list[Signal] = []
    for seed in (1, 2):
        chunks = generated_chunks(seed)
        mappings, detections = WindowMappings(), PageViewDetections()
        for arrived in range(1, len(chunks) + 1):
            timelines = page_views_of("demo:s1", chunks[:arrived], mappings)
            last = {pv.window_id: pv.id for pv in timelines}
            views = [
                to_page_view("demo", "demo:s1", pv, is_open=last[pv.window_id] == pv.id)
                for pv in timelines
            ]
            memoised = detections.detect_session(views)
            assert memoised == detect_session(views)
        found += memoised

    assert found, "the generated visits hold no signal: the comparison proves nothing"
