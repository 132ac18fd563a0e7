"""The arq jobs for survey input: redact one input onto its document, and re-drive lost ones.

The API stores open texts and page paths encrypted (`surveys.inputs`) and marks the response or
survey event pending with the input's id; this job redacts with the worker's redactor and
settles each value only where the mark is still its own, so retries and re-posts are safe.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from arq import Retry

from api.resources import Resources
from storage.mongo import Store
from surveys import records
from surveys.inputs import (
    RESPONSE,
    InputCorrupt,
    InputMissing,
    SurveyInput,
    SurveyInputs,
    survey_inputs,
)
from surveys.redaction import page_template, redact_open_text
from surveys.store import SURVEY_EVENTS
from workers.dirty import mark_days, mark_of
from workers.jobs import ARQ_IN_PROGRESS_PREFIX, ARQ_JOB_PREFIX, TRANSIENT_ERRORS, retry_delay_s

logger = logging.getLogger(__name__)


async def redact_survey_input(ctx: dict[str, Any], input_id: str) -> dict[str, int | str]:
    """Redact one survey input and settle it; safe to run again for the same id.

    When the store or the queue does not answer, the job is retried with backoff; past arq's
    tries, the re-drive starts it again while the input has not expired.
    """
    try:
        return await _settle(ctx, input_id)
    except TRANSIENT_ERRORS as err:
        delay_s = retry_delay_s(int(ctx.get("job_try") or 1))
        logger.warning(
            "survey input %s: %s; retrying in %d s", input_id, type(err).__name__, delay_s
        )
        raise Retry(defer=delay_s) from err


async def _settle(ctx: dict[str, Any], input_id: str) -> dict[str, int | str]:
    resources: Resources = ctx["resources"]
    inputs = survey_inputs(resources)
    try:
        item = await inputs.get(input_id)
    except InputMissing:
        await inputs.done(input_id)  # its pending record, should one be left
        logger.info("survey input %s already settled or expired", input_id)
        return {"status": "missing"}
    except InputCorrupt:
        logger.warning("survey input %s does not decrypt with the current key; left", input_id)
        return {"status": "corrupt"}

    if item.kind == RESPONSE:
        settled = await _settle_response(ctx, inputs, resources.store, item)
    else:
        settled = await _settle_event(ctx, resources.store, item)
    await inputs.done(input_id)
    logger.info("survey input %s: %d values settled", input_id, settled)
    return {"status": "settled", "settled": settled}


async def _settle_response(
    ctx: dict[str, Any], inputs: SurveyInputs, store: Store, item: SurveyInput
) -> int:
    """Each open text and the template whose pending mark is still this input's.

    Redacted first (seconds at most), then checked again and written under the response's lock,
    so a post arriving meanwhile is never overwritten.
    """
    doc = await records.find_response(store, item.doc_id)
    if doc is None:  # erased, or the API's write failed
        return 0
    marks = doc.get(records.PENDING) or {}
    redacted = {
        question_id: await asyncio.to_thread(redact_open_text, ctx["redactor"], text)
        for question_id, text in item.texts.items()
        if marks.get(question_id) == item.id  # else a newer post's text, or a dropped answer
    }
    template = None
    if item.path is not None and doc.get(records.TEMPLATE_PENDING) == item.id:
        template = await asyncio.to_thread(page_template, ctx["redactor"], item.path)

    settled = 0
    timeout_s = ctx["resources"].settings.job_timeout_s
    async with inputs.lock(item.doc_id, timeout_s=timeout_s, wait_s=timeout_s / 2):
        doc = await records.find_response(store, item.doc_id)
        if doc is None:
            return 0
        marks = doc.get(records.PENDING) or {}
        audited = 0
        for question_id, (text, audit) in redacted.items():
            if marks.get(question_id) != item.id:
                continue
            if await records.settle_text(store, item.doc_id, question_id, item.id, text, _now_ms()):
                await records.save_redaction_audit(store, item.doc_id, question_id, doc, audit)
                settled += 1
                audited += 1
        if audited:
            # The day's redaction audit rollup (workers/audit_rollup.py) now misses these.
            await mark_days(ctx["resources"].queue, [mark_of(doc["site_id"], doc["day"])])
        if item.path is not None and doc.get(records.TEMPLATE_PENDING) == item.id:
            settled += int(
                await records.settle_template(
                    store, store.responses.name, item.doc_id, item.id, template, _now_ms()
                )
            )
    return settled


async def _settle_event(ctx: dict[str, Any], store: Store, item: SurveyInput) -> int:
    """The event's template; only the worker writes an event after the API inserted it."""
    if item.path is None:
        return 0
    template = await asyncio.to_thread(page_template, ctx["redactor"], item.path)
    settled = await records.settle_template(
        store, SURVEY_EVENTS, item.doc_id, item.id, template, _now_ms()
    )
    return int(settled)


async def _still_queued(inputs: SurveyInputs, input_id: str) -> bool:
    """The input's first job waits in the queue and has not started: it will run by itself."""
    async with inputs.redis.pipeline(transaction=False) as pipe:
        pipe.exists(ARQ_JOB_PREFIX + input_id)
        pipe.exists(ARQ_IN_PROGRESS_PREFIX + input_id)
        queued, running = await pipe.execute()
    return bool(queued) and not running


async def redrive_survey_inputs(ctx: dict[str, Any]) -> int:
    """Re-enqueue survey inputs still pending after ``redrive_after_s`` (a lost job)."""
    resources: Resources = ctx["resources"]
    inputs = survey_inputs(resources)
    ids = await inputs.pending_older_than(resources.settings.redrive_after_s)
    redriven = 0
    for input_id in ids:
        if await _still_queued(inputs, input_id):
            continue
        # A fresh job id: arq refuses an id whose result or in-progress key still exists.
        await inputs.enqueue(input_id, job_id=f"{input_id}:redrive:{int(time.time())}")
        redriven += 1
    await inputs.rearm(ids)
    if redriven:
        logger.warning("re-drove %d pending survey inputs", redriven)
    return redriven


def _now_ms() -> int:
    return int(time.time() * 1000)
