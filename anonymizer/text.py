"""Text redaction by field kind: size cap, cache, batched NER, time budget, placeholders."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from anonymizer.addresses import ADDRESS_CUE_RE
from anonymizer.allowlist import allowed_regions, inside_any
from anonymizer.audit import Audit
from anonymizer.chunks import CHUNK_CHARS, CHUNK_OVERLAP_CHARS, chunk_text
from anonymizer.engine import Engine
from anonymizer.error_names import ErrorNameCueRecognizer
from anonymizer.guard import FieldTimeoutError, field_budget, remaining_s
from anonymizer.name_cues import INTERFACE_WORDS, ORG_WORDS, ROLE_WORDS
from anonymizer.names import NAME_PREFIXES, is_product_word, names_a_product
from anonymizer.policy import PolicyConfig
from anonymizer.recognizers import COOKIE_LABEL_RE, cookie_value_spans
from anonymizer.survey_names import LowerCaseNameRecognizer
from anonymizer.urls import URL_IN_TEXT_RE, UrlRedactor

logger = logging.getLogger(__name__)

# Field kinds of free text. `text`: interface text; `survey`: resident-written text; `error`: JS
# messages and stacks; `selector`: CSS selectors; `pattern`: structured values (patterns only).
NER_KINDS = frozenset({"text", "survey", "error"})
CACHED_KINDS = frozenset({"text", "selector", "pattern"})
CAPS_RUN_RE = re.compile(r"\b[A-Z][A-Z'’-]+(?:\s+[A-Z][A-Z'’-]+)+\b")
# Broad heuristics that would flag ordinary interface text; only resident-written text gets them.
SURVEY_ONLY_RECOGNIZERS = frozenset({"ProperNounRecognizer", "AddressBlockRecognizer"})
# Cues of error text ("… not found", "for …") that would flag interface text.
ERROR_ONLY_RECOGNIZERS = frozenset({"ErrorNameCueRecognizer"})
# A title and a middle initial in a name: "Dr. Patel", "John Q. Public".
TITLE_RE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?")
INITIAL_RE = re.compile(r"[A-Z]\.")
# Recognizers that read unknown capitalized words as people, and so products too.
PRODUCT_CHECKED_RECOGNIZERS = frozenset({"SpacyRecognizer", "ProperNounRecognizer"})
# A form-encoded value after `=` holding `+`, up to the next separator; none with an `@`.
FORM_VALUE_RE = re.compile(r"(?<==)[^&\s\"'@;=<>]*(?:\+|%20)[^&\s\"'@;=<>]*(?=[&\s\"';<>]|$)")
ADDRESS_CUE_KINDS = frozenset({"text", "error", "survey"})
# Internal entities and the label they are stored as.
LABELS = {"ADDRESS_BLOCK": "US_STREET_ADDRESS", "CUED_ADDRESS": "US_STREET_ADDRESS"}
TIMEOUT_PLACEHOLDER = "<REDACTED>"
TRUNCATED_PLACEHOLDER = "<TRUNCATED>"
# Escapes left in text taken from JSON or code (`…\\neyJ…` in a console payload): read as
# whitespace, else the letter glues onto the value after it and word boundaries fail.
ESCAPE_RE = re.compile(r"\\[nrtfb](?=\w)")
# The word after a name ("Hi Tyler brooks"), perhaps hyphenated ("smith-jones").
NEXT_WORD_RE = re.compile(r"[ \t]+([^\W\d_]+(?:[-'’][^\W\d_]+)?)(?![\w'’-])")


@dataclass(frozen=True)
class Finding:
    """One span to replace; `recognizer` is kept for the audit only."""

    start: int
    end: int
    entity: str
    recognizer: str
    score: float


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
        self.urls = UrlRedactor(config, self.redact_value, engine.names)
        self.error_names = ErrorNameCueRecognizer(engine.names)
        self.lower_names = LowerCaseNameRecognizer(engine.names)
        # Short strings in which nothing was found, per kind: interface labels, selectors and
        # URL segments repeat endlessly. Strings with findings are never kept, so the cache
        # holds no personal data.
        self.clean: set[tuple[str, str]] = set()
        self.entities = {
            "text": list(config.text_entities),
            "survey": list(config.survey_entities),
            "error": list(config.error_entities),
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
        """A long text window by window, so cost grows linearly and the budget is checked often.

        Windows overlap (`chunk_text`), findings of all windows are joined, and the text is
        replaced once. URLs and Cookie headers are found on the whole text: a URL is one word,
        but a Cookie header's values can be far from its `Cookie:` label.
        """
        url_spans = _url_spans(text)
        findings: list[Finding] = [
            Finding(start, end, "SECRET", "SecretRecognizer", 1.0)
            for start, end in cookie_value_spans(text)
            if not any(s < end and start < e for s, e in url_spans)
        ]
        # Nothing to find in punctuation and spaces; the model reads all windows in one batch.
        windows = [
            (offset, chunk)
            for offset, chunk in chunk_text(text, CHUNK_CHARS, CHUNK_OVERLAP_CHARS)
            if any(c.isalnum() for c in chunk)
        ]
        remaining_s()
        artifacts = self._artifacts([chunk for _, chunk in windows], kind)
        for (offset, chunk), art in zip(windows, artifacts, strict=True):
            remaining_s()
            local_urls = [
                (max(s, offset) - offset, min(e, offset + len(chunk)) - offset)
                for s, e in url_spans
                if s < offset + len(chunk) and offset < e
            ]
            findings.extend(
                Finding(f.start + offset, f.end + offset, f.entity, f.recognizer, f.score)
                for f in self._find(chunk, kind, art, context, local_urls)
            )
        merged = merge(findings)
        return self._replace(text, merged, url_spans, audit), merged

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
        url_spans = _url_spans(text)
        merged = merge(self._find(text, kind, art, context, url_spans))
        return self._replace(text, merged, url_spans, audit), merged

    def _find(
        self,
        text: str,
        kind: str,
        art: NlpArtifacts,
        context: Sequence[str],
        url_spans: list[tuple[int, int]],
    ) -> list[Finding]:
        """The findings the field kind keeps, outside URLs and allow-listed text."""
        # Same length as `text`, so every offset found in `scan` applies to `text`.
        scan = _form_spaces(ESCAPE_RE.sub("  ", text))
        results = self.engine.analyzer.analyze(
            scan,
            language="en",
            entities=self.entities[kind],
            nlp_artifacts=art,
            score_threshold=self.config.text_min_score,
            context=list(context) or None,
        )
        # Run apart from the analyzer: of two equal spans Presidio keeps only the stronger, so
        # their findings there would push out the model's in the field kinds they are not for.
        proper: frozenset[int] = frozenset()
        if kind == "error":
            results = results + self.error_names.analyze(scan, ["PERSON"])
        elif kind == "survey":
            tags = {token.idx: (token.pos_, token.lemma_) for token in art.tokens}
            proper = frozenset(start for start, (pos, _) in tags.items() if pos == "PROPN")
            results = results + self.lower_names.analyze(scan, tags)
            people = [(r.start, r.end) for r in results if r.entity_type == "PERSON"]
            results = results + self.lower_names.joined(scan, people)
        regions = allowed_regions(text)
        return [
            Finding(
                r.start,
                self._surname_end(text, r.start, _trim_possessive(text, r), r.entity_type),
                LABELS.get(r.entity_type, r.entity_type),
                _recognizer(r),
                r.score,
            )
            for r in results
            if self._keep(r, text, kind, regions, url_spans, proper)
        ]

    def _surname_end(self, text: str, start: int, end: int, entity: str) -> int:
        """End of a person's name with the surname that follows its first name, in either letter
        case ("Hi Tyler brooks", "Contact: tyler Brooks"): a cue or the model may stop at the
        first name, and a family name alone still identifies."""
        if entity != "PERSON" or text[end - 2 : end] in ("'s", "’s"):
            return end
        names = self.engine.names
        last_word = text[start:end].split()[-1].lower() if text[start:end].split() else ""
        if last_word not in names.all_first:
            return end
        following = NEXT_WORD_RE.match(text, end)
        if following is None:
            return end
        word = following.group(1)
        key = word.lower().replace("’", "'")
        if (
            key in STOP_WORDS
            or key in ROLE_WORDS
            or key in INTERFACE_WORDS
            or key in ORG_WORDS
            or is_product_word(word)
        ):
            return end
        parts = [p for p in re.split(r"[-']", key) if p]
        surname = all(
            p in names.last and (p in names.frequent_last or not names.is_word(p)) for p in parts
        )
        return following.end() if surname else end

    def _replace(
        self,
        text: str,
        findings: list[Finding],
        url_spans: list[tuple[int, int]],
        audit: Audit,
    ) -> str:
        """`text` with each finding replaced by its label and each URL by its redacted form."""
        pieces: list[str] = []
        cursor = 0
        replacements = [(f.start, f.end, f"<{f.entity}>") for f in findings]
        for start, end in url_spans:
            replacements.append((start, end, self.urls.redact(text[start:end], audit)))
        for start, end, new in sorted(replacements):
            pieces.append(text[cursor:start])
            pieces.append(new)
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces)

    def _keep(
        self,
        result: RecognizerResult,
        text: str,
        kind: str,
        regions: list[tuple[int, int]],
        url_spans: list[tuple[int, int]],
        proper: frozenset[int] = frozenset(),
    ) -> bool:
        """Drop findings inside allow-listed text or URLs, and weak names in error messages."""
        if inside_any(result.start, result.end, regions) or _cookie_label(text, result):
            return False
        if any(s < result.end and result.start < e for s, e in url_spans):
            return False
        recognizer = _recognizer(result)
        if recognizer in ERROR_ONLY_RECOGNIZERS and kind != "error":
            return False
        cued_only = recognizer == "CuedAddressRecognizer"
        if (recognizer in SURVEY_ONLY_RECOGNIZERS and kind != "survey") or cued_only:
            # An address block in interface and error text only right after an address label;
            # a bare number and name ("1234 Elm") only there, in any field kind.
            cued = ADDRESS_CUE_RE.search(text[max(0, result.start - 40) : result.start])
            block = recognizer in ("AddressBlockRecognizer", "CuedAddressRecognizer")
            if not (block and kind in ADDRESS_CUE_KINDS and cued):
                return False
        span = text[result.start : result.end]
        if recognizer == "SpacyRecognizer" and not any(c.isalpha() for c in span):
            return False  # the small model sometimes calls a date a person
        if (
            recognizer == "SpacyRecognizer"
            and span.islower()
            and not self.engine.names.mentions_name(span)
            and not (kind == "survey" and _all_proper(span, result.start, proper))
        ):
            # NER tags on all-lowercase words are mostly noise ("suffix" as a place), unless the
            # tagger also reads every word as a proper noun ("from chicago") in survey text.
            return False
        if (
            recognizer in PRODUCT_CHECKED_RECOGNIZERS
            and result.entity_type == "PERSON"
            and names_a_product(span)
        ):
            return False  # "Google API", "Chrome", "OAuth": the model's people that are products
        if result.entity_type != "PERSON" or kind == "survey":
            return True
        if recognizer == "SpacyRecognizer" and not self.engine.names.has_name_word(span):
            # The small model tags Title Case labels ("Solid Waste", "Library Card") as
            # people; outside resident-written text a name word must back the tag up.
            return False
        if kind == "error":
            return self._keep_error_person(result, span, recognizer)
        return True

    def _keep_error_person(self, result: RecognizerResult, span: str, recognizer: str) -> bool:
        """In error text a name needs a cue, or a high score and two capitalized words (a title
        or a middle initial may come with them: "Dr. Patel", "John Q. Public")."""
        if recognizer in ("NameCueRecognizer", "ErrorNameCueRecognizer"):
            return True  # "profile of …", "… not found": the cue vouches for a single word
        words = span.split()
        titled = bool(words) and TITLE_RE.fullmatch(words[0]) is not None
        name = [w for w in words[titled:] if not INITIAL_RE.fullmatch(w)]
        strong = result.score >= self.config.error_person_min_score
        return strong and len(name) >= 2 - titled and all(_name_word(w) for w in name)


def _url_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the URLs inside a text, without the punctuation that ends a sentence."""
    scan = ESCAPE_RE.sub("  ", text)
    spans = []
    for match in URL_IN_TEXT_RE.finditer(scan):
        end = match.end()
        while end > match.start() and text[end - 1] in ".,;:!?)]}'\"":
            end -= 1
        spans.append((match.start(), end))
    return spans


def _form_spaces(text: str) -> str:
    """`text` with the `+` and `%20` of form-encoded values read as spaces
    ("address=12+Oak+Street"), same length; emails ("jane+news@…") keep theirs."""
    if "+" not in text and "%20" not in text:
        return text
    chars = list(text)
    for match in FORM_VALUE_RE.finditer(text):
        for index in range(match.start(), match.end()):
            if chars[index] == "+" and chars[index - 1].isalnum() and chars[index + 1].isalnum():
                chars[index] = " "
            elif text.startswith("%20", index):
                chars[index : index + 3] = "   "
    return "".join(chars)


def _cookie_label(text: str, result: RecognizerResult) -> bool:
    """The finding is the `Cookie` of a "Cookie:" header label (the model reads it as a name)."""
    label = COOKIE_LABEL_RE.match(text, result.start)
    return label is not None and result.end <= label.end()


def _all_proper(span: str, start: int, proper: frozenset[int]) -> bool:
    """Every word of `span` (at `start`) begins a token tagged as a proper noun."""
    words = [match.start() for match in re.finditer(r"\S+", span)]
    return bool(words) and all(start + offset in proper for offset in words)


def _trim_possessive(text: str, result: RecognizerResult) -> int:
    """End of a name without its possessive "'s", so "Jane Roe's" keeps the "'s"."""
    if result.entity_type == "PERSON" and text[result.end - 2 : result.end] in ("'s", "’s"):
        return result.end - 2
    return result.end


def _name_word(word: str) -> bool:
    """A capitalized ("Gábor", "O'Brien", "Nowak-Wiśniewska", "McDonald") or ALL CAPS word."""
    for part in re.split(r"[-'’]", word):
        if not part.isalpha() or not part[0].isupper():
            return False
        inner = next((i for i, c in enumerate(part) if i > 0 and c.isupper()), None)
        if inner is not None and not part.isupper() and part[:inner].lower() not in NAME_PREFIXES:
            return False
    return True


def _recognizer(result: RecognizerResult) -> str:
    metadata = result.recognition_metadata or {}
    return str(metadata.get(RecognizerResult.RECOGNIZER_NAME_KEY, "unknown"))
