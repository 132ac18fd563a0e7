"""Length cuts that leave no part of a personal detail (ingest/cut.py, native mapping)."""

from __future__ import annotations

from ingest.cut import cut_raw, cut_redacted
from ingest.native import MESSAGE_LIMIT, TEXT_LIMIT, to_events

FILLER = "Request to the permit service failed after several retries "  # 60 characters


def filler(chars: int) -> str:
    return (FILLER * (chars // len(FILLER) + 1))[:chars]


def test_an_email_crossing_the_cut_is_dropped_whole() -> None:
    text = filler(488) + " jane.roe@example.com"

    cut = cut_raw(text, 500)

    assert "jane" not in cut and "@" not in cut
    assert cut == text[:489]


def test_a_card_in_groups_crossing_the_cut_leaves_none_of_its_digits() -> None:
    text = filler(488) + " 4111 1111 1111 1111 was declined"

    cut = cut_raw(text, 500)

    assert not any(c.isdigit() for c in cut)
    assert text.startswith(cut) and len(cut) >= 480


def test_a_phone_whose_cut_falls_between_groups_is_dropped() -> None:
    text = filler(90) + " call (555) 014-2267 today"
    limit = text.index("014") - 1  # the cut falls on the space after "(555)"

    cut = cut_raw(text, limit)

    assert "555" not in cut and cut.endswith("call")


def test_ordinary_long_text_is_kept_up_to_the_limit() -> None:
    text = filler(3000)

    cut = cut_raw(text, 500)

    assert text.startswith(cut)
    assert 500 - len("retries ") <= len(cut) <= 500
    assert cut_raw("short text", 500) == "short text"


def test_a_cut_redacted_text_leaves_no_label_open() -> None:
    text = filler(190) + " <EMAIL_ADDRESS> more"

    assert cut_redacted(text, 200) == filler(190) + " "
    assert cut_redacted(filler(300), 200) == filler(200)


def test_native_mapping_cuts_message_and_target_text_without_partial_details() -> None:
    events = [
        {"type": "error", "ts": 1, "message": filler(488) + " jane.roe@example.com"},
        {"type": "error", "ts": 2, "message": filler(488) + " 4111 1111 1111 1111"},
        {
            "type": "click",
            "ts": 3,
            "target": {"tag": "a", "text": filler(190) + " jane.roe@example.com"},
        },
    ]

    first, second, click = to_events(events)

    assert first["data"]["message"] == filler(488) + " "
    assert len(first["data"]["message"]) <= MESSAGE_LIMIT
    assert not any(c.isdigit() for c in second["data"]["message"])
    assert click["target"] is not None
    assert click["target"]["text"] == filler(190) + " "
    assert len(click["target"]["text"]) <= TEXT_LIMIT
