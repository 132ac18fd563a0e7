"""The API's cache of unpacked dashboard values, kept by their packed bytes."""

from __future__ import annotations

import pytest

import schema.loaders
from schema.loaders import forget_unpacked, unpacked
from storage.chunks import pack


def test_the_same_bytes_unpack_once_and_other_bytes_unpack_anew() -> None:
    forget_unpacked()
    day = pack([{"template": "/water/pay", "page_views": 3}])

    first = unpacked(day)
    again = unpacked(bytes(day))  # equal bytes read by another request
    rewritten = unpacked(pack([{"template": "/water/pay", "page_views": 4}]))

    assert first == [{"template": "/water/pay", "page_views": 3}]
    assert again is first
    assert rewritten == [{"template": "/water/pay", "page_views": 4}]
    assert unpacked(None) == [] and unpacked(b"") == []


def test_a_value_larger_than_the_cache_is_unpacked_but_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forget_unpacked()
    small = schema.loaders.LRUCache(maxsize=1000, getsizeof=lambda value: value[1])
    monkeypatch.setattr(schema.loaders, "_unpacked", small)
    big = pack([{"text": "x" * 5000}])

    assert unpacked(big) == [{"text": "x" * 5000}]
    assert len(small) == 0
    assert unpacked(pack([1, 2])) == [1, 2]
    assert len(small) == 1
