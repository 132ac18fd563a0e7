"""Open-text answers are redacted by the worker, with the survey-text policy, before they are
stored; the API keeps them encrypted in Redis until then.

Cases from /work/shared/cases/pii/adversarial.md (survey-text rows and extra checks).
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from api.resources import Resources
from tests.helpers import all_documents
from tests.surveys.factory import graphql_input
from tests.surveys.public import Site, create_survey, post, wait_inputs_settled

OPEN_TEXT = {
    "type": "OPEN_TEXT",
    "texts": [{"lang": "en", "text": "Anything we should know?"}],
}

CASES = [
    ("card is 4111.1111.1111.1111 thanks", "card is <CREDIT_CARD> thanks"),  # row 7
    ("my new card 2221 0000 0000 0009", "my new card <CREDIT_CARD>"),  # row 8
    ("card 4111 1111 1111 1112", "card <CREDIT_CARD>"),  # row 9, fails Luhn
    ("my social is 536-22-8714", "my social is <US_SSN>"),  # row 12
    (
        "Thanks, Maria Gonzalez helped me at the front desk",
        "Thanks, <PERSON> helped me at the front desk",
    ),  # row 15
    ("SOPHY SANTINO was rude at the counter", "<PERSON> was rude at the counter"),  # row 16
    ("jane dot roe at example dot com", "<EMAIL_ADDRESS>"),
    ("write to user@xn--80ak6aa92e.com", "write to <EMAIL_ADDRESS>"),
    ("The upload kept failing on step 2 of 3", "The upload kept failing on step 2 of 3"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
async def test_open_text_is_stored_redacted_and_the_raw_text_nowhere(
    client: httpx.AsyncClient,
    resources: Resources,
    keys: dict[str, str],
    site: Site,
    worker: object,
    text: str,
    expected: str,
) -> None:
    survey_input = graphql_input(
        defaultLanguage="en",
        question=OPEN_TEXT,
        followUp=None,
        rules=[{"kind": "PREFIX", "value": "/"}],
    )
    survey_id = await create_survey(client, keys["analyst"], site, survey_input)
    session, visitor = uuid.uuid4().hex, uuid.uuid4().hex

    posted = await post(
        client,
        survey_id,
        "responses",
        site,
        {"session_id": session, "visitor_id": visitor, "answers": {"main": text}},
    )
    assert posted.status_code == 201, posted.text
    assert text not in posted.text
    await wait_inputs_settled(resources)

    stored = await resources.store.responses.find_one({"_id": posted.json()["id"]})
    assert stored is not None
    assert stored["answers"] == {"main": expected}
    assert stored["pending"] == {}

    if expected != text:
        audit = await resources.store.redaction_audit.find_one(
            {"_id": f"response:{posted.json()['id']}:main"}
        )
        assert audit is not None
        assert audit["fields_seen"] == {"survey": 1}
        assert sum(audit["by_entity"].values()) >= 1
        assert not [name for name, doc in await all_documents(resources) if text in str(doc)]
