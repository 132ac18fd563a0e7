"""Text redaction by field kind: size cap, cache, batched NER, time budget, placeholders."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymizer.allowlist import allowed_regions, inside_any
from anonymizer.audit import Audit
from anonymizer.engine import Engine
from anonymizer.guard import FieldTimeoutError, field_budget, remaining_s
from anonymizer.policy import PolicyConfig
from anonymizer.urls import URL_IN_TEXT_RE, UrlRedactor

logger = logging.getLogger(__name__)

# Field kinds of free text. `text`: interface text; `survey`: resident-written text; `error`: JS
# messages and stacks; `selector`: CSS selectors; `pattern`: structured values (patterns only).
NER_KINDS = frozenset({"text", "survey", "error"})
CACHED_KINDS = frozenset({"text", "selector", "pattern"})
CAPS_RUN_RE = re.compile(r"\b[A-Z][A-Z'’-]+(?:\s+[A-Z][A-Z'’-]+)+\b")
# Broad heuristics that would flag ordinary interface text; only resident-written text gets them.
SURVEY_ONLY_RECOGNIZERS = frozenset({"ProperNounRecognizer", "AddressBlockRecognizer"})
# Labels after which an address block is expected: "Address: Jakobi 69", "Deliver to …".
ADDRESS_CUE_RE = re.compile(
    r"(?i)\b(?:address|deliver(?:ed|y)?[ \t]+to|ship(?:ping)?[ \t]+to|send[ \t]+to|lives?[ \t]+at|"
    r"located[ \t]+at|mail(?:ing)?[ \t]+to|return[ \t]+to|residence)\b[ \t:,-]*$"
)
# Internal entities and the label they are stored as.
LABELS = {"ADDRESS_BLOCK": "US_STREET_ADDRESS"}
TIMEOUT_PLACEHOLDER = "<REDACTED>"
# Longer texts are analyzed in chunks of about this size.
CHUNK_CHARS = 400
TRUNCATED_PLACEHOLDER = "<TRUNCATED>"
# Escapes left in text taken from JSON or code (`…\\neyJ…` in a console payload): read as
# whitespace, else the letter glues onto the value after it and word boundaries fail.
ESCAPE_RE = re.compile(r"\\[nrtfb](?=\w)")


@dataclass(frozen=True)
class Finding:
    """One span to replace; `recognizer` is kept for the audit only."""

    start: int
    end: int
    entity: str
    recognizer: str
    score: float


def chunk_text(text: str, size: int) -> list[tuple[int, str]]:
    """(offset, chunk) pieces of at most `size` chars, cut at whitespace not between digits."""
    chunks: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            for cut in range(end - 1, start + size // 2, -1):
                between_digits = text[cut - 1].isdigit() and text[cut + 1].isdigit()
                if text[cut].isspace() and not between_digits:
                    end = cut + 1
                    break
        chunks.append((start, text[start:end]))
        start = end
    return chunks


def caps_to_title(text: str) -> str:
    """Title-case runs of two or more ALL-CAPS words so NER sees "SOPHY SANTINO" as a name.

    Lengths stay equal, so NER offsets match the original text.
    """
    normalized = CAPS_RUN_RE.sub(lambda m: m.group(0).title(), text)
    return normalized if len(normalized) == len(text) else text


def merge(findings: list[Finding]) -> list[Finding]:
    """Union overlapping findings; the entity of the strongest (then longest) one names it."""
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            strongest = max((last, finding), key=lambda f: (f.score, f.end - f.start))
            merged[-1] = Finding(
                last.start,
                max(last.end, finding.end),
                strongest.entity,
                strongest.recognizer,
                strongest.score,
            )
        else:
            merged.append(finding)
    return merged


class TextRedactor:
    """Redacts strings of one field kind at a time, with the process engine."""

    def __init__(self, engine: Engine, config: PolicyConfig) -> None:
        self.engine = engine
        self.config = config
        self.urls = UrlRedactor(config, self.redact_value)
        # Short strings in which nothing was found, per kind: interface labels, selectors and
        # URL segments repeat endlessly. Strings with findings are never kept, so the cache
        # holds no personal data.
        self.clean: set[tuple[str, str]] = set()
        self.entities = {
            "text": list(config.text_entities),
            "survey": list(config.survey_entities),
            "error": list(config.pattern_entities) + ["PERSON"],
            "selector": list(config.pattern_entities),
            "pattern": list(config.pattern_entities),
        }
        self.max_chars = {
            "text": config.text_max_chars,
            "survey": config.survey_max_chars,
            "error": config.error_max_chars,
            "selector": config.text_max_chars,
            "pattern": config.text_max_chars,
        }

    def redact(self, text: str, kind: str, audit: Audit, context: Sequence[str] = ()) -> str:
        """Redact one string."""
        return self.redact_many([text], kind, audit, context)[0]

    def redact_value(self, value: str, audit: Audit) -> str:
        """A URL part: words go through the full analyzer, anything else patterns only."""
        kind = "text" if re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", value) else "pattern"
        return self.redact_many([value], kind, audit, part_of="url")[0]

    def redact_many(
        self,
        texts: Sequence[str],
        kind: str,
        audit: Audit,
        context: Sequence[str] = (),
        part_of: str = "",
    ) -> list[str]:
        """Redact strings of one kind; NER for them runs as one `nlp.pipe` batch.

        `part_of`: the strings are parts of a field of that kind, already counted (URL parts);
        the audit counts their findings under that field kind.
        """
        field = part_of or kind
        out: list[str] = list(texts)
        todo: list[int] = []
        for index, text in enumerate(texts):
            if not part_of:
                audit.seen(kind)
            if not text or not any(c.isalnum() for c in text):
                continue
            if not context and (kind, text) in self.clean:
                continue
            todo.append(index)
        if not todo:
            return out

        capped = [texts[i][: self.max_chars[kind]] for i in todo]
        short = [len(text) <= CHUNK_CHARS for text in capped]
        # Short strings (nearly all) share one NER batch; long ones are analyzed chunk by chunk.
        batched = iter(self._artifacts([t for t, s in zip(capped, short, strict=True) if s], kind))
        for index, text, is_short in zip(todo, capped, short, strict=True):
            rest = texts[index][len(text) :]
            # Past the cap only text that cannot hold PII (no letters or digits) is kept.
            truncated = any(c.isalnum() for c in rest)
            art = next(batched) if is_short else None
            try:
                with field_budget(self.config.field_budget_ms):
                    if art is not None:
                        redacted, findings = self._redact_one(text, kind, art, audit, context)
                    else:
                        redacted, findings = self._redact_chunks(text, kind, audit, context)
            except FieldTimeoutError:
                logger.warning("redaction budget spent on one %s field; masked whole", kind)
                audit.timeouts += 1
                audit.count("UNKNOWN", field, "time_budget", "mask")
                out[index] = TIMEOUT_PLACEHOLDER
                continue
            if truncated:
                redacted += TRUNCATED_PLACEHOLDER
                audit.count("TRUNCATED", field, "size_cap", "truncate")
            else:
                redacted += rest
            for finding in findings:
                audit.count(finding.entity, field, finding.recognizer, "replace")
            if not context and not truncated and redacted == texts[index]:
                self._remember_clean(kind, redacted)
            out[index] = redacted
        return out

    def _remember_clean(self, kind: str, text: str) -> None:
        """Remember a short interface string in which nothing was found."""
        if kind not in CACHED_KINDS or len(text) > self.config.cache_max_chars:
            return
        if len(self.clean) >= self.config.cache_max_entries:
            self.clean.clear()
        self.clean.add((kind, text))

    def _redact_chunks(
        self, text: str, kind: str, audit: Audit, context: Sequence[str]
    ) -> tuple[str, list[Finding]]:
        """A long text chunk by chunk, so cost grows linearly and the budget is checked often.

        Presidio's context step is quadratic in findings × tokens on one text; chunks bound it.
        """
        pieces: list[str] = []
        findings: list[Finding] = []
        for offset, chunk in chunk_text(text, CHUNK_CHARS):
            if not any(c.isalnum() for c in chunk):
                pieces.append(chunk)  # nothing to find in punctuation and spaces
                continue
            remaining_s()
            art = self._artifacts([chunk], kind)[0]
            redacted, found = self._redact_one(chunk, kind, art, audit, context)
            pieces.append(redacted)
            findings.extend(
                Finding(f.start + offset, f.end + offset, f.entity, f.recognizer, f.score)
                for f in found
            )
        return "".join(pieces), findings

    def _artifacts(self, texts: list[str], kind: str) -> list[NlpArtifacts]:
        """`_artifacts_unlocked` under the engine lock: spaCy pipelines are not documented as
        thread-safe, and the worker calls us from threads."""
        with self.engine.lock:
            return self._artifacts_unlocked(texts, kind)

    def _artifacts_unlocked(self, texts: list[str], kind: str) -> list[NlpArtifacts]:
        """Full spaCy artifacts (one batch) where NER can matter; tokenizer-only ones elsewhere.

        Outside survey text a PERSON from NER is kept only when a name word backs it up, so
        texts without any name word skip the model.
        """
        nlp_engine = self.engine.nlp_engine
        needs_ner = [
            kind == "survey" or (kind in NER_KINDS and self.engine.names.has_name_word(text))
            for text in texts
        ]
        docs = iter(
            self.engine.nlp.pipe(
                [caps_to_title(t) for t, ner in zip(texts, needs_ner, strict=True) if ner],
                batch_size=64,
            )
        )
        artifacts = []
        for text, ner in zip(texts, needs_ner, strict=True):
            if ner:
                artifacts.append(nlp_engine._doc_to_nlp_artifact(next(docs), "en"))
                continue
            doc = self.engine.nlp.make_doc(text)
            artifacts.append(
                NlpArtifacts(
                    entities=[],
                    tokens=doc,
                    tokens_indices=[token.idx for token in doc],
                    lemmas=[token.lower_ for token in doc],
                    nlp_engine=nlp_engine,
                    language="en",
                )
            )
        return artifacts

    def _redact_one(
        self, text: str, kind: str, art: NlpArtifacts, audit: Audit, context: Sequence[str]
    ) -> tuple[str, list[Finding]]:
        """Find, filter, merge and replace; URLs inside the text get the URL rule."""
        # Same length as `text`, so every offset found in `scan` applies to `text`.
        scan = ESCAPE_RE.sub("  ", text)
        urls = [m for m in URL_IN_TEXT_RE.finditer(scan)]
        url_spans = []
        for match in urls:
            end = match.end()
            while end > match.start() and text[end - 1] in ".,;:!?)]}'\"":
                end -= 1
            url_spans.append((match.start(), end))

        results = self.engine.analyzer.analyze(
            scan,
            language="en",
            entities=self.entities[kind],
            nlp_artifacts=art,
            score_threshold=self.config.text_min_score,
            context=list(context) or None,
        )
        regions = allowed_regions(text)
        findings = [
            Finding(
                r.start,
                _trim_possessive(text, r),
                LABELS.get(r.entity_type, r.entity_type),
                _recognizer(r),
                r.score,
            )
            for r in results
            if self._keep(r, text, kind, regions, url_spans)
        ]

        pieces: list[str] = []
        cursor = 0
        replacements = [(f.start, f.end, f"<{f.entity}>") for f in merge(findings)]
        for start, end in url_spans:
            replacements.append((start, end, self.urls.redact(text[start:end], audit)))
        for start, end, new in sorted(replacements):
            pieces.append(text[cursor:start])
            pieces.append(new)
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces), merge(findings)

    def _keep(
        self,
        result: RecognizerResult,
        text: str,
        kind: str,
        regions: list[tuple[int, int]],
        url_spans: list[tuple[int, int]],
    ) -> bool:
        """Drop findings inside allow-listed text or URLs, and weak names in error messages."""
        if inside_any(result.start, result.end, regions):
            return False
        if any(s < result.end and result.start < e for s, e in url_spans):
            return False
        recognizer = _recognizer(result)
        if recognizer in SURVEY_ONLY_RECOGNIZERS and kind != "survey":
            # An address block in interface text only right after an address label.
            cued = ADDRESS_CUE_RE.search(text[max(0, result.start - 40) : result.start])
            if not (recognizer == "AddressBlockRecognizer" and kind == "text" and cued):
                return False
        span = text[result.start : result.end]
        if recognizer == "SpacyRecognizer" and not any(c.isalpha() for c in span):
            return False  # the small model sometimes calls a date a person
        if (
            recognizer == "SpacyRecognizer"
            and span.islower()
            and not self.engine.names.mentions_name(span)
        ):
            # NER tags on all-lowercase words are mostly noise ("suffix" as a place).
            return False
        if result.entity_type != "PERSON" or kind == "survey":
            return True
        if recognizer == "SpacyRecognizer" and not self.engine.names.has_name_word(span):
            # The small model tags Title Case labels ("Solid Waste", "Library Card") as
            # people; outside resident-written text a name word must back the tag up.
            return False
        if kind == "error":
            if recognizer == "NameCueRecognizer":
                return True  # "profile of …", "user …": the cue vouches for a single word
            words = span.split()
            strong = result.score >= self.config.error_person_min_score
            return strong and len(words) >= 2 and all(_name_word(w) for w in words)
        return True


def _trim_possessive(text: str, result: RecognizerResult) -> int:
    """End of a name without its possessive "'s", so "Jane Roe's" keeps the "'s"."""
    if result.entity_type == "PERSON" and text[result.end - 2 : result.end] in ("'s", "’s"):
        return result.end - 2
    return result.end


def _name_word(word: str) -> bool:
    """A capitalized ("Gábor") or ALL CAPS word of letters, apostrophes and hyphens."""
    letters = word.replace("'", "").replace("’", "").replace("-", "")
    return letters.isalpha() and word[0].isupper() and (word[1:].islower() or word.isupper())


def _recognizer(result: RecognizerResult) -> str:
    metadata = result.recognition_metadata or {}
    return str(metadata.get(RecognizerResult.RECOGNIZER_NAME_KEY, "unknown"))
