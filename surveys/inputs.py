"""Survey input waiting for the worker's redactor: open text and page paths, encrypted in Redis.

The API keeps Presidio and spaCy out of its process (about 100 MB and seconds to load), so it
hands open-text answers and page paths to a worker job the way `/collect` hands over batches:
Fernet-encrypted under the raw-batch keys, with the raw-batch expiry, and a pending record the
worker re-drives; the job carries only the input's id.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import RedisError

from api.errors import Unavailable

if TYPE_CHECKING:
    from api.resources import Resources

logger = logging.getLogger(__name__)

INPUT_PREFIX = "stuckpoint:survey-input:"
PENDING_KEY = "stuckpoint:survey-inputs-pending"
LOCK_PREFIX = "stuckpoint:survey-response-lock:"
SURVEY_JOB = "redact_survey_input"
"""The arq job (`workers.survey_text`) that redacts one input and settles it on its document."""

RESPONSE, EVENT = "response", "event"
"""What an input belongs to: a document of `responses` or of `survey_events`."""


class InputMissing(LookupError):
    """The input is gone: already settled, expired, or never stored."""


class InputCorrupt(ValueError):
    """The stored input does not decrypt with the configured keys."""


@dataclass(frozen=True)
class SurveyInput:
    """Raw values for one document: open texts by question id, and the page's path template.

    `id` is also the token the document's pending marks carry, so only the newest post's
    values ever settle on it.
    """

    id: str
    kind: str
    doc_id: str
    texts: dict[str, str]
    path: str | None

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {"kind": self.kind, "doc_id": self.doc_id, "texts": self.texts, "path": self.path}
        )

    @classmethod
    def from_bytes(cls, input_id: str, payload: bytes) -> SurveyInput:
        data: dict[str, Any] = orjson.loads(payload)
        return cls(input_id, data["kind"], data["doc_id"], data["texts"], data["path"])


def new_input_id() -> str:
    return uuid.uuid4().hex


class SurveyInputs:
    """Encrypted survey inputs in the queue's Redis, with a pending record for the re-drive."""

    def __init__(
        self,
        redis: Redis,
        fernet: Fernet | MultiFernet,
        ttl_s: int,
        queue_name: str | None = None,
    ) -> None:
        self.redis = redis
        self.fernet = fernet
        self.ttl_s = ttl_s
        # None: arq's pool default, the queue the workers read.
        self.queue_name = queue_name

    def lock(self, rid: str, timeout_s: float = 10, wait_s: float = 5) -> Lock:
        """One writer of a response at a time: the API's post or the worker's settle.

        FerretDB v1 applies an update as a read and then a write of the whole document, so two
        updates of one response at once could undo each other (a settled text overwriting a
        newer post's pending mark). The lock expires after `timeout_s` should its holder die.
        """
        return self.redis.lock(LOCK_PREFIX + rid, timeout=timeout_s, blocking_timeout=wait_s)

    async def put(self, item: SurveyInput) -> None:
        """Encrypt and store one input, recorded as pending; a queue that fails is a 503."""
        token = self.fernet.encrypt(item.to_bytes())
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(INPUT_PREFIX + item.id, token, ex=self.ttl_s)
                pipe.zadd(PENDING_KEY, {item.id: int(time.time() * 1000)})
                await pipe.execute()
        except (RedisError, OSError) as err:
            logger.warning("queue unavailable, survey input refused: %s", type(err).__name__)
            raise Unavailable("the queue is unavailable; retry later", retry_after_s=5) from err

    async def enqueue(self, input_id: str, job_id: str | None = None) -> None:
        """Start the worker's job; a lost enqueue is left to the re-drive (the input is pending)."""
        try:
            await self.redis.enqueue_job(  # type: ignore[attr-defined]
                SURVEY_JOB, input_id, _job_id=job_id or input_id, _queue_name=self.queue_name
            )
        except (RedisError, OSError):
            logger.warning("enqueue failed for survey input %s; left for re-drive", input_id)

    async def get(self, input_id: str) -> SurveyInput:
        token = await self.redis.get(INPUT_PREFIX + input_id)
        if token is None:
            raise InputMissing(input_id)
        try:
            return SurveyInput.from_bytes(input_id, self.fernet.decrypt(token))
        except InvalidToken as err:
            raise InputCorrupt(input_id) from err

    async def done(self, input_id: str) -> None:
        """Forget an input: its encrypted values and its pending record."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(INPUT_PREFIX + input_id)
            pipe.zrem(PENDING_KEY, input_id)
            await pipe.execute()

    async def pending_older_than(self, age_s: float, limit: int = 500) -> list[str]:
        cutoff_ms = int((time.time() - age_s) * 1000)
        ids = await self.redis.zrangebyscore(PENDING_KEY, 0, cutoff_ms, start=0, num=limit)
        return [i.decode() if isinstance(i, bytes) else str(i) for i in ids]

    async def rearm(self, input_ids: list[str]) -> None:
        """Restart the re-drive clock of inputs just re-driven; settled ones stay gone."""
        if input_ids:
            now_ms = int(time.time() * 1000)
            await self.redis.zadd(PENDING_KEY, dict.fromkeys(input_ids, now_ms), xx=True)


def survey_inputs(resources: Resources) -> SurveyInputs:
    """The inputs store on the resources' queue, under the raw batches' keys and expiry."""
    raw = resources.raw_batches
    return SurveyInputs(resources.queue, raw.fernet, raw.ttl_s)
