"""The Presidio analyzer, configured explicitly, offline, built once per process."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.language import Language

from anonymizer.addresses import AddressBlockRecognizer, CuedAddressRecognizer
from anonymizer.name_cues import NameCueRecognizer
from anonymizer.names import CensusNameRecognizer, ProperNounRecognizer
from anonymizer.policy import PolicyConfig
from anonymizer.recognizers import pattern_recognizers

logger = logging.getLogger(__name__)

# Pipes neither Presidio nor we use: the parser, and the sentence splitter (disabled in the
# model, but loaded unless excluded). The lemmatizer stays: Presidio's context step matches on
# lemmas, and its word index is `english_words`; leaving it out saved no measurable start-up or
# run time (docs/benchmarks.md, Startup).
EXCLUDED_PIPES = ("parser", "senter")
WARM_UP_TEXT = (
    "Call Jane Roe at (555) 010-0199 or jane@example.com, 1 Main St, card 4111111111111111."
)


class EngineError(Exception):
    """The analyzer could not be built (model missing or broken)."""


class OfflineSpacyNlpEngine(SpacyNlpEngine):
    """SpacyNlpEngine loading installed models only (Presidio's downloads a missing one)."""

    def load(self) -> None:
        """Load each configured model without its parser; never download."""
        self.loaded: dict[str, Language] = {}
        for model in self.models:
            name = model["model_name"]
            try:
                self.loaded[model["lang_code"]] = spacy.load(name, exclude=list(EXCLUDED_PIPES))
            except OSError as err:
                raise EngineError(f"spaCy model {name!r} is not installed") from err
        self.nlp = self.loaded  # type: ignore[assignment]


def turn_off_suffix_download() -> None:
    """Make tldextract's module-level extractor use its bundled suffix list, never the network.

    Our own email recognizer already uses an offline extractor; this covers any other caller in
    the process (stock Presidio recognizers call `tldextract.extract`).
    """
    tldextract.tldextract.TLD_EXTRACTOR.suffix_list_urls = ()


@dataclass
class Engine:
    """The built analyzer and what the audit says about it."""

    analyzer: AnalyzerEngine
    nlp_engine: OfflineSpacyNlpEngine
    nlp: Language
    names: CensusNameRecognizer
    model_name: str
    versions: dict[str, str]
    startup_ms: float
    lock: threading.Lock = field(default_factory=threading.Lock)


def english_words(nlp: Language) -> frozenset[str]:
    """Everyday English words: the WordNet lemma index inside the model's lemmatizer."""
    try:
        lemmatizer = nlp.get_pipe("lemmatizer")
        index = lemmatizer.lookups.get_table("lemma_index")  # type: ignore[attr-defined]
    except (KeyError, ValueError, AttributeError):
        # A model without lookup tables: the name recognizer then trusts capitalisation alone.
        return frozenset()
    return frozenset(word for pos in index.keys() for word in index[pos] if "_" not in word)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def build_engine(model_name: str, config: PolicyConfig) -> Engine:
    """Build the analyzer: offline spaCy NER with our mapping, our recognizers, no defaults."""
    started = time.perf_counter()
    turn_off_suffix_download()

    ner_config = NerModelConfiguration(
        model_to_presidio_entity_mapping=dict(config.ner_entity_mapping),
        labels_to_ignore=list(config.ner_labels_ignored),
        low_score_entity_names=[],
    )
    nlp_engine = OfflineSpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": model_name}],
        ner_model_configuration=ner_config,
    )
    nlp_engine.load()

    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON", "LOCATION"]))
    for recognizer in pattern_recognizers():
        registry.add_recognizer(recognizer)
    nlp = nlp_engine.loaded["en"]
    words = english_words(nlp)
    names = CensusNameRecognizer(words)
    registry.add_recognizer(names)
    registry.add_recognizer(NameCueRecognizer(names))
    registry.add_recognizer(ProperNounRecognizer(words))
    registry.add_recognizer(AddressBlockRecognizer(words))
    registry.add_recognizer(CuedAddressRecognizer(words))
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])

    # Compile every pattern now, so no field pays for it inside its time budget.
    analyzer.analyze(WARM_UP_TEXT, language="en")

    versions = {
        "presidio_analyzer": _version("presidio_analyzer"),
        "spacy": spacy.__version__,
        "model": f"{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', '')}-"
        f"{nlp.meta.get('version', '')}",
    }
    startup_ms = (time.perf_counter() - started) * 1000
    logger.info("redaction engine built in %.0f ms (model %s)", startup_ms, model_name)
    return Engine(analyzer, nlp_engine, nlp, names, model_name, versions, startup_ms)


_engines: dict[tuple[str, str], Engine] = {}
_lock = threading.Lock()


def get_engine(model_name: str, config: PolicyConfig) -> Engine:
    """The process-wide engine for this model and policy, built on first use."""
    key = (model_name, config.config_hash())
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = build_engine(model_name, config)
            _engines[key] = engine
        return engine
