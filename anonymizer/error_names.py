"""Names in JavaScript error text, found by the words error messages put around them.

"user John Smith not found", "could not send receipt to Maria Lopez", "Hello, Ann",
"Tyler's account is locked", `{"name":"Sean O'Brien"}`: error text keeps only strong full names
from the model, so single, hyphenated, foreign and titled names there need a cue. Cues come in
three strengths: words that address a person ("Hello", "notify", "cc") vouch for any name-like
word; prepositions and "… not found" vouch for census names, and for runs of two or more words
that are no everyday English; name keys (`"name":`, `owner=`) vouch for their value, also in
lower case. Error class names, product names and interface words never count as names.
"""

from __future__ import annotations

import regex
from presidio_analyzer import LocalRecognizer, RecognizerResult
from spacy.lang.en.stop_words import STOP_WORDS

from anonymizer.guard import finditer
from anonymizer.name_cues import INTERFACE_WORDS, ORG_WORDS, ROLE_WORDS
from anonymizer.names import PLACE_WORDS, CensusNameRecognizer, is_product_word, person_result

SCORE = 0.9
# A title; in lower case only with its dot ("account of ms. Williams"); upper case as in
# "ACCOUNT OF MS. WILLIAMS". Known gap: a lower-case name after a title ("mrs. o'brien").
TITLE = (
    r"(?:(?:mr|mrs|ms|mx|dr|prof)\.|(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?"
    r"|(?:MR|MRS|MS|MISS|MX|DR|PROF)\.)"
)
# A capitalized word ("Maria", "O'Brien", "Nowak-Wiśniewska", "McDonald") or a middle initial.
_WORD = r"\p{Lu}[\p{L}'’-]*\p{L}"
INITIAL_RE = regex.compile(r"\p{Lu}\.")
_RUN = rf"(?P<title>{TITLE}[ \t]+)?(?P<name>{_WORD}(?:[ \t]+(?:\p{{Lu}}\.|{_WORD})){{0,3}})"
# Words that address a person: any name-like word after them is a name.
_PERSONAL = (
    r"hello|hi|hey|dear|thanks|thank[ \t]+you|welcome|greet|greeting|notify|notifying|notified|"
    r"email|emailing|emailed|message|messaging|messaged|invite|inviting|invited|cc|bcc|"
    r"user|username|customer|resident|applicant|owner|member|patient|contact|employee|recipient|"
    r"sender|assignee|requester|author|holder|cardholder|landlord|tenant"
)
# Prepositions: only census names, or runs of two or more unknown words, after them.
_PREPOSITION = r"for|by|to|from|with|about|of"
BEFORE_RE = regex.compile(
    rf"(?:^|(?<=[\s(\[\"'’:;,=]))(?P<cue>(?i:{_PERSONAL})|(?i:{_PREPOSITION}))"
    rf"[ \t]*[:,]?[ \t]+(?:\\?[\"'])?{_RUN}"
)
AFTER_RE = regex.compile(
    rf"(?<![\w.'’-]){_RUN}(?=['’]s\b|[ \t]+(?i:not[ \t]+found|was[ \t]+not[ \t]+found|"
    r"could[ \t]+not[ \t]+be[ \t]+found|cannot[ \t]+be[ \t]+found|does[ \t]+not[ \t]+exist|"
    r"doesn't[ \t]+exist|is[ \t]+not[ \t]+(?:registered|found|eligible|authori[sz]ed|allowed|"
    r"verified|active|a[ \t]+member)|has[ \t]+no\b|already[ \t]+(?:exists|registered|has)|"
    r"is[ \t]+missing|not[ \t]+registered|not[ \t]+authori[sz]ed))"
)
# Labels after which a name is written in any case: an address's addressee ("billing address:
# tracy smith-jones") and the subject of a lookup ("user not found: maria lopez").
_LOWER_WORD = r"\p{L}[\p{L}'’-]*\p{L}"
LABEL_RE = regex.compile(
    r"(?i:\b(?:(?:billing|shipping|mailing|home|postal|delivery|residential)[ \t_-]?)?address|"
    r"\bship(?:ping)?[ \t]+to|\bdeliver(?:y)?[ \t]+to|\bbill[ \t]+to|\bmail[ \t]+to|"
    r"\bnot[ \t]+found|\bdoes[ \t]+not[ \t]+exist|\bno[ \t]+such[ \t]+(?:user|account|customer)|"
    r"\bunknown[ \t]+(?:user|account|customer|resident))"
    r"\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?"
    rf"(?P<name>{_LOWER_WORD}(?:[ \t]+{_LOWER_WORD}){{0,2}})"
)
# A login-style name: "maria.lopez", "tyler_brooks"; after a cue ("profile") a surname that is
# also a word counts ("maria.brown").
LOGIN_RE = regex.compile(
    r"(?<![\w.@/\\-])(?P<first>\p{Ll}{2,})[._](?P<last>\p{Ll}{3,})(?![\w@(-]|\.\w)"
)
LOGIN_CUE_RE = regex.compile(
    r"(?i:\b(?:profile|user(?:name)?|login|account|member|customer|for|of|to|by)[ \t]*[:=]?[ \t]*"
    r"\\?[\"']?)$"
)
# `"name":"Ann"`, `owner=Jane Roe`, `firstName: 'Tyler'`, also inside escaped JSON.
KEY_RE = regex.compile(
    r"(?i:\b(?:(?:first|last|full|display|given|family|middle|sur|user|customer|contact|owner|"
    r"applicant|resident|recipient|sender|author|person|client|patient|member|account|holder)"
    r"[_ -]?)?name|\b(?:owner|customer|applicant|recipient|resident|contact|assignee|requester|"
    r"author|sender|holder|cardholder))(?:\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?|[ \t]+\\?[\"'])"
    r"(?P<value>(?:[^\"'’\\,;&}\])\r\n=:]|['’](?=\p{L})){1,80})"
)


class ErrorNameCueRecognizer(LocalRecognizer):
    """PERSON for the name-like words that error-message cues point at; error text only."""

    name: str

    def __init__(self, names: CensusNameRecognizer) -> None:
        self.names = names
        super().__init__(supported_entities=["PERSON"], name="ErrorNameCueRecognizer")

    def load(self) -> None:
        """Nothing to load."""

    def census(self, word: str) -> bool:
        """A census first name (not an interface word such as "Will") or a census last name that
        is no everyday English word ("Nguyen", "O'Brien"; not "Field")."""
        key = word.lower().replace("’", "'")
        squashed = key.replace("'", "")
        parts = [p for p in regex.split(r"[-']", key) if p]
        if key in self.names.first or any(p in self.names.first for p in parts):
            return True
        return squashed in self.names.last and not self.names.is_word(squashed)

    def name_like(self, word: str, lower_ok: bool = False) -> bool:
        """A word that may be part of a name: a census name or no everyday English word."""
        key = word.lower().replace("’", "'").removesuffix("'s")
        if not lower_ok and not word[0].isupper():
            return False
        if not key.replace("'", "").replace("-", "").isalpha() or is_product_word(word):
            return False
        if key in ROLE_WORDS or key in ORG_WORDS or key in INTERFACE_WORDS or key in STOP_WORDS:
            return False
        parts = [p for p in regex.split(r"[-']", key) if p]
        if any(p in STOP_WORDS for p in parts) or ("-" in key and not word[0].isupper()):
            return False  # "my-secret", "main-nav": identifiers, not names
        unknown = len(key) >= 3 and not any(self.names.is_word_form(p) for p in parts)
        return self.census(word) or unknown

    def plain(self, word: str, lower_ok: bool) -> bool:
        """A word that may continue a name already begun: letters, not a role, interface, stop
        or product word ("Smith" after "Mr.", "lopez" after "maria")."""
        key = word.lower().replace("’", "'").removesuffix("'s")
        if not lower_ok and not word[0].isupper():
            return False
        if not key.replace("'", "").replace("-", "").isalpha() or is_product_word(word):
            return False
        return not (
            key in ROLE_WORDS or key in ORG_WORDS or key in INTERFACE_WORDS or key in STOP_WORDS
        )

    def accept(self, words: list[str], personal: bool, titled: bool, lower_ok: bool) -> int:
        """How many leading `words` make the name (0: none)."""
        taken = 0
        for index, word in enumerate(words):
            if INITIAL_RE.fullmatch(word):
                if not 0 < index < len(words) - 1:
                    break
                taken += 1  # "John Q. Public"
                continue
            # A name begun goes on with capitalized words ("Mr. Smith") and census last names
            # ("john smith", "smith-jones"), not with lower-case words ("name=jane roe
            # rejected").
            begun = taken > 0 or titled
            parts = [p for p in regex.split(r"[-'’]", word.lower()) if p]
            more = self.plain(word, lower_ok) and (
                word[0].isupper() or all(p in self.names.last for p in parts)
            )
            if not (self.name_like(word, lower_ok) or (begun and more)):
                break
            taken += 1
        while taken and INITIAL_RE.fullmatch(words[taken - 1]):
            taken -= 1  # an initial ends no name
        if not taken or titled or personal:
            return taken
        name = [w for w in words[:taken] if not INITIAL_RE.fullmatch(w)]
        if len(name) == 1:
            # Known gap: a single unknown word after a preposition or before "not found" is
            # kept ("booking by Adeyemi failed"), as are names inside code ("lookup(Tyler)"):
            # it reads like a library name ("Swiper not found"). A gazetteer of library and
            # product names would let unknown words count here.
            return taken if self.census(name[0]) else 0
        if name[0].lower() in self.names.first:
            return taken  # "Sean O'Brien", "John Q. Public"
        census = [self.census(w) for w in name]
        # "Oluwaseun Adeyemi" (no word known), "Nguyen Tran" (every word a census name).
        return taken if all(census) or not any(census) else 0

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: object = None
    ) -> list[RecognizerResult]:
        """One finding per cue that points at name-like words."""
        results: list[RecognizerResult] = []
        for match in finditer(BEFORE_RE, text, overlapped=True):
            personal = regex.fullmatch(_PREPOSITION, match.group("cue").lower()) is None
            self._add(results, text, match, personal, from_end=False)
        for match in finditer(AFTER_RE, text):
            self._add(results, text, match, personal=False, from_end=True)
        for match in finditer(LABEL_RE, text):
            self._add_label(results, text, match)
        for match in finditer(LOGIN_RE, text):
            self._add_login(results, text, match)
        for match in finditer(KEY_RE, text):
            start = match.start("value")
            words = [(m.start(), m.end()) for m in regex.finditer(r"\S+", match.group("value"))]
            texts = [text[start + s : start + e] for s, e in words]
            taken = self.accept(texts, personal=True, titled=False, lower_ok=True)
            if taken:
                end = start + words[taken - 1][1]
                results.append(person_result(self.name, self.id, start, end, SCORE))
        return results

    def _add_label(
        self, results: list[RecognizerResult], text: str, match: regex.Match[str]
    ) -> None:
        """The name after an address or lookup label, in any letter case; not a street name."""
        start = match.start("name")
        spans = [(m.start(), m.end()) for m in regex.finditer(r"\S+", match.group("name"))]
        words = [text[start + s : start + e] for s, e in spans]
        taken = self.accept(words, personal=False, titled=False, lower_ok=True)
        if not taken:
            return
        following = regex.match(r"[ \t]+(\p{L}+)", text, pos=start + spans[taken - 1][1])
        if following and following.group(1).lower() in PLACE_WORDS:
            return  # "address: Lincoln Avenue": a street, for the address rule
        results.append(person_result(self.name, self.id, start, start + spans[taken - 1][1], SCORE))

    def _add_login(
        self, results: list[RecognizerResult], text: str, match: regex.Match[str]
    ) -> None:
        """A census first name and a surname joined by `.` or `_`; the surname must be a census
        name that is no everyday word ("maria.lopez"), or any census surname after a cue."""
        first, last = match.group("first"), match.group("last")
        if first not in self.names.first:
            return
        cued = LOGIN_CUE_RE.search(text[max(0, match.start() - 24) : match.start()]) is not None
        surname = last in self.names.last and not self.names.is_word(last)
        if surname or (cued and last in self.names.last):
            results.append(person_result(self.name, self.id, *match.span(), SCORE))

    def _add(
        self,
        results: list[RecognizerResult],
        text: str,
        match: regex.Match[str],
        personal: bool,
        from_end: bool,
    ) -> None:
        """The name of one cue match: leading words after a cue, trailing ones before one."""
        start = match.start("name")
        spans = [(m.start(), m.end()) for m in regex.finditer(r"\S+", match.group("name"))]
        words = [text[start + s : start + e] for s, e in spans]
        titled = match.group("title") is not None
        if from_end:
            # "Error: Profile Tyler Smith not found": the words nearest the cue.
            for skip in range(len(words)):
                taken = self.accept(words[skip:], personal, titled and not skip, lower_ok=False)
                if taken == len(words) - skip:
                    begin = match.start() if titled and not skip else start + spans[skip][0]
                    results.append(person_result(self.name, self.id, begin, match.end(), SCORE))
                    return
            return
        taken = self.accept(words, personal, titled, lower_ok=False)
        if taken:
            begin = match.start("title") if titled else start
            end = start + spans[taken - 1][1]
            results.append(person_result(self.name, self.id, begin, end, SCORE))
