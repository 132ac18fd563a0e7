"""The redaction policy: what each field kind keeps, drops or analyzes, with a version and hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

POLICY_VERSION = "2026-12-03.6"

# spaCy label → Presidio entity. Labels absent here are ignored (ORG, DATE, CARDINAL, ...):
# on interface text they are mostly noise ("TypeError" as ORG, "2 of 10" as a date).
NER_ENTITY_MAPPING: dict[str, str] = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
}

NER_LABELS_IGNORED: tuple[str, ...] = (
    "ORG",
    "ORGANIZATION",
    "NORP",
    "DATE",
    "TIME",
    "CARDINAL",
    "ORDINAL",
    "MONEY",
    "PERCENT",
    "QUANTITY",
    "EVENT",
    "LANGUAGE",
    "LAW",
    "PRODUCT",
    "WORK_OF_ART",
)

PATTERN_ENTITIES: tuple[str, ...] = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IP_ADDRESS",
    "IBAN_CODE",
    "US_STREET_ADDRESS",
    "US_ZIP_CODE",
    "DATE_OF_BIRTH",
    "ID_NUMBER",
    "JWT",
    "SECRET",
)


@dataclass(frozen=True)
class PolicyConfig:
    """Every knob of the redaction policy; its JSON form is hashed into `policy_hash`."""

    version: str = POLICY_VERSION
    ner_entity_mapping: dict[str, str] = field(default_factory=lambda: dict(NER_ENTITY_MAPPING))
    ner_labels_ignored: tuple[str, ...] = NER_LABELS_IGNORED
    pattern_entities: tuple[str, ...] = PATTERN_ENTITIES
    # Interface text (buttons, headings, alt, titles): patterns plus PERSON from NER.
    # ADDRESS_BLOCK (loose address shapes) counts in interface and error text only after an
    # address label; CUED_ADDRESS (a number and a name: "1234 Elm") only there, in any kind.
    text_entities: tuple[str, ...] = PATTERN_ENTITIES + ("PERSON", "ADDRESS_BLOCK", "CUED_ADDRESS")
    # Survey free text is written by residents: add LOCATION.
    survey_entities: tuple[str, ...] = PATTERN_ENTITIES + (
        "PERSON",
        "LOCATION",
        "ADDRESS_BLOCK",
        "CUED_ADDRESS",
    )
    # JS error messages and stacks: patterns, PERSON (cued or strong) and cued address blocks.
    error_entities: tuple[str, ...] = PATTERN_ENTITIES + ("PERSON", "ADDRESS_BLOCK", "CUED_ADDRESS")
    # Minimum score to replace a finding, per field kind.
    text_min_score: float = 0.4
    error_person_min_score: float = 0.7
    # Guard rails.
    text_max_chars: int = 2_000
    survey_max_chars: int = 5_000
    # 8,000 chars of dense personal data took 330 ms CPU, over the budget on a loaded machine.
    error_max_chars: int = 4_000
    url_max_chars: int = 4_096
    field_budget_ms: int = 700
    # Only strings this short are cached (interface labels repeat; free text does not).
    cache_max_chars: int = 120
    cache_max_entries: int = 50_000
    # URLs.
    url_allowed_keys: tuple[str, ...] = (
        "page",
        "p",
        "lang",
        "locale",
        "hl",
        "step",
        "tab",
        "view",
        "sort",
        "order",
        "dir",
        "per_page",
        "limit",
        "offset",
        "category",
        "type",
        "format",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
    )
    url_secret_words: tuple[str, ...] = (
        "token",
        "code",
        "key",
        "apikey",
        "session",
        "sessionid",
        "sid",
        "auth",
        "authorization",
        "password",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "reset",
        "signature",
        "sig",
        "otp",
        "nonce",
        "state",
        "ticket",
        "jwt",
        "bearer",
        "credential",
        "credentials",
        "saml",
        "samlresponse",
        "hash",
        "verify",
        "verification",
        "invite",
        "magic",
    )
    # Whole query keys (words joined, lower case) whose values identify a household or person;
    # matched whole so `account_type=business` stays.
    url_secret_keys: tuple[str, ...] = (
        "account",
        "acct",
        "accountnumber",
        "accountno",
        "accountnum",
        "acctnumber",
        "acctno",
        "acctnum",
    )
    # Query keys (words joined, lower case, or one word of the key) whose values are personal
    # data of a known kind: the value becomes that kind's label whatever it looks like.
    url_personal_keys: dict[str, str] = field(
        default_factory=lambda: {
            "ssn": "US_SSN",
            "social": "US_SSN",
            "socialsecurity": "US_SSN",
            "socialsecuritynumber": "US_SSN",
            "dob": "DATE_OF_BIRTH",
            "birth": "DATE_OF_BIRTH",
            "birthdate": "DATE_OF_BIRTH",
            "birthday": "DATE_OF_BIRTH",
            "dateofbirth": "DATE_OF_BIRTH",
            "bday": "DATE_OF_BIRTH",
            "zip": "US_ZIP_CODE",
            "zipcode": "US_ZIP_CODE",
            "postal": "US_ZIP_CODE",
            "postalcode": "US_ZIP_CODE",
            "postcode": "US_ZIP_CODE",
            "phone": "PHONE_NUMBER",
            "phonenumber": "PHONE_NUMBER",
            "tel": "PHONE_NUMBER",
            "telephone": "PHONE_NUMBER",
            "mobile": "PHONE_NUMBER",
            "cellphone": "PHONE_NUMBER",
            "email": "EMAIL_ADDRESS",
            "emailaddress": "EMAIL_ADDRESS",
            "mail": "EMAIL_ADDRESS",
            "name": "PERSON",
            "firstname": "PERSON",
            "lastname": "PERSON",
            "fullname": "PERSON",
            "fname": "PERSON",
            "lname": "PERSON",
            "surname": "PERSON",
            "givenname": "PERSON",
            "familyname": "PERSON",
            "username": "PERSON",
            "address": "US_STREET_ADDRESS",
            "addr": "US_STREET_ADDRESS",
            "street": "US_STREET_ADDRESS",
            "streetaddress": "US_STREET_ADDRESS",
            "passport": "ID_NUMBER",
            "license": "ID_NUMBER",
            "licence": "ID_NUMBER",
            "driverslicense": "ID_NUMBER",
        }
    )
    url_digit_run_min: int = 6
    token_min_chars: int = 16
    token_min_entropy_bits: float = 3.0
    # Letters-only tokens (`…/services/T…/B…/<secret>`): no word this long is this varied, nor
    # this poor in vowels (about 1 in 5 random letters is a vowel, 2 in 5 in English words).
    token_letters_min_chars: int = 20
    token_letters_min_entropy_bits: float = 4.2
    token_letters_max_vowel_share: float = 0.2
    token_letters_sparse_entropy_bits: float = 3.6
    # Inputs: substrings of a field's name, id or autocomplete that always drop its value.
    input_sensitive_names: dict[str, str] = field(
        default_factory=lambda: {
            "ssn": "US_SSN",
            "social": "US_SSN",
            "dob": "DATE_OF_BIRTH",
            "birth": "DATE_OF_BIRTH",
            "bday": "DATE_OF_BIRTH",
            "card": "CREDIT_CARD",
            "ccnum": "CREDIT_CARD",
            "cvv": "CREDIT_CARD",
            "cvc": "CREDIT_CARD",
            "pin": "PIN",
            "passport": "US_PASSPORT",
            "license": "US_DRIVER_LICENSE",
            "licence": "US_DRIVER_LICENSE",
            "password": "PASSWORD",
            "passwd": "PASSWORD",
            "secret": "SECRET",
            "token": "SECRET",
            "otp": "SECRET",
        }
    )

    def to_json(self) -> str:
        """Canonical JSON of the whole configuration."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))

    def config_hash(self) -> str:
        """sha256 of the canonical JSON."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()


@dataclass(frozen=True)
class SitePolicy:
    """Per-site choices made by the site's privacy officer."""

    site: str = ""
    # Input field names (name, id or autocomplete) whose values are analyzed instead of dropped.
    analyze_input_fields: frozenset[str] = frozenset()
    # Extra query keys whose values are kept as they are.
    url_allowed_keys: frozenset[str] = frozenset()
