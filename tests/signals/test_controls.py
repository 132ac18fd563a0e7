"""Labelled controls: every detector fires on its true positive and stays quiet on calm use."""

from __future__ import annotations

import pytest

from signals.detect import detect_session
from tests.signals.controls import NEGATIVES, POSITIVES, Control
from tests.signals.pages import counts, page_views_of


def _name(make: object) -> str:
    return str(getattr(make, "__name__", make)).strip("_")


@pytest.mark.parametrize("make", POSITIVES, ids=_name)
def test_positive_control_gives_exactly_its_signals(make: object) -> None:
    control: Control = make()  # type: ignore[operator]

    signals = detect_session(page_views_of(control.events, ended=control.ended))

    assert dict(counts(signals)) == control.expected, control.summary


@pytest.mark.parametrize("make", NEGATIVES, ids=_name)
def test_negative_control_gives_no_signal(make: object) -> None:
    control: Control = make()  # type: ignore[operator]

    signals = detect_session(page_views_of(control.events, ended=True))

    assert [s.kind for s in signals] == [], control.summary


def test_every_signal_kind_has_a_positive_control() -> None:
    from signals.model import SIGNAL_KINDS

    covered = {kind for make in POSITIVES for kind in make().expected}

    assert covered == set(SIGNAL_KINDS)
