"""Survey GraphQL: types, `SurveyQueries` (surveys, survey with results and responses) and
`SurveyMutations` (create, update, pause, set status). Analysts may do all of it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.errors import Forbidden, InvalidInput, NotFound
from schema.context import Context, IsAnalyst
from schema.pagination import Connection, Edge, PageInfo, after_condition, encode_cursor
from schema.types import ms_to_datetime
from surveys import model as m
from surveys import records
from surveys.results import survey_results
from surveys.store import find_survey, has_responses, list_surveys, new_survey_id, save_survey
from surveys.validate import check_transition, check_update, parse_survey


@strawberry.enum
class SurveyStatus(Enum):
    DRAFT = m.DRAFT
    ACTIVE = m.ACTIVE
    PAUSED = m.PAUSED
    ENDED = m.ENDED


@strawberry.enum
class SurveyQuestionType(Enum):
    RATING = m.RATING
    NPS = m.NPS
    SINGLE_CHOICE = m.SINGLE_CHOICE
    MULTIPLE_CHOICE = m.MULTIPLE_CHOICE
    OPEN_TEXT = m.OPEN_TEXT


@strawberry.enum
class SurveyRuleKind(Enum):
    EXACT = m.EXACT
    PREFIX = m.PREFIX
    TEMPLATE = m.TEMPLATE
    GLOB = m.GLOB
    DEPARTMENT = m.DEPARTMENT


@strawberry.enum
class SurveyTriggerKind(Enum):
    LOAD = m.LOAD
    DELAY = m.DELAY
    EXIT = m.EXIT
    SIGNAL = m.SIGNAL


# -- definition types ------------------------------------------------------------------------


@strawberry.type
class SurveyText:
    lang: str
    text: str


@strawberry.type
class SurveyChoice:
    id: str
    texts: list[SurveyText]


@strawberry.type
class SurveyQuestion:
    id: str
    type: SurveyQuestionType
    texts: list[SurveyText]
    choices: list[SurveyChoice]
    min_value: int | None = strawberry.field(description="Lowest value of a rating or NPS scale.")
    max_value: int | None = strawberry.field(description="Highest value of a rating or NPS scale.")

    @classmethod
    def of(cls, question: m.Question) -> SurveyQuestion:
        low, high = m.SCALES.get(question.type, (None, None))
        return cls(
            id=question.id,
            type=SurveyQuestionType(question.type),
            texts=_texts(question.text),
            choices=[SurveyChoice(id=c.id, texts=_texts(c.text)) for c in question.choices],
            min_value=low,
            max_value=high,
        )


@strawberry.type(description="Asked when the main answer is within [min, max] or among choices.")
class SurveyFollowUp:
    min_value: int | None
    max_value: int | None
    choice_ids: list[str]
    question: SurveyQuestion


@strawberry.type
class SurveyRule:
    kind: SurveyRuleKind
    value: str
    exclude: bool


@strawberry.type
class SurveyTrigger:
    kind: SurveyTriggerKind
    seconds: int | None
    signal: str | None


@strawberry.type
class SurveyCaps:
    per_session: int
    per_visitor: int
    per_visitor_days: int


# -- results types ---------------------------------------------------------------------------


@strawberry.type
class SurveyChoiceCount:
    id: str
    text: str
    count: int
    percent: float | None = strawberry.field(description="Of the respondents who answered.")


@strawberry.type
class SurveyValueCount:
    value: int
    count: int


@strawberry.type
class SurveyQuestionResults:
    question_id: str
    type: SurveyQuestionType
    answered: int
    choices: list[SurveyChoiceCount]
    distribution: list[SurveyValueCount]
    average: float | None
    satisfied_percent: float | None = strawberry.field(description="CSAT: share answering 4-5.")
    nps: float | None = strawberry.field(description="% promoters (9-10) − % detractors (0-6).")
    promoters: int | None
    passives: int | None
    detractors: int | None

    @classmethod
    def of(cls, result: dict[str, Any], question: m.Question, lang: str) -> SurveyQuestionResults:
        texts = {c.id: c.text.get(lang, "") for c in question.choices}
        return cls(
            question_id=result["question_id"],
            type=SurveyQuestionType(result["type"]),
            answered=result["answered"],
            choices=[
                SurveyChoiceCount(
                    id=c["id"], text=texts[c["id"]], count=c["count"], percent=c["percent"]
                )
                for c in result.get("choices", [])
            ],
            distribution=[SurveyValueCount(**v) for v in result.get("distribution", [])],
            average=result.get("average"),
            satisfied_percent=result.get("satisfied_percent"),
            nps=result.get("nps"),
            promoters=result.get("promoters"),
            passives=result.get("passives"),
            detractors=result.get("detractors"),
        )


@strawberry.type
class SurveyResultGroup:
    key: str = strawberry.field(description="The page template or the day (YYYY-MM-DD).")
    shown: int
    dismissed: int
    answered: int
    response_rate_percent: float | None = strawberry.field(description="answered / shown × 100.")
    question: SurveyQuestionResults
    follow_up: SurveyQuestionResults | None


@strawberry.type
class SurveyResults:
    shown: int
    dismissed: int
    answered: int
    response_rate_percent: float | None = strawberry.field(description="answered / shown × 100.")
    question: SurveyQuestionResults
    follow_up: SurveyQuestionResults | None
    by_page: list[SurveyResultGroup]
    by_day: list[SurveyResultGroup]


# -- responses -------------------------------------------------------------------------------


@strawberry.type
class SurveyAnswer:
    question_id: str
    value: int | None = strawberry.field(description="Rating or NPS value.")
    choice_ids: list[str] | None
    text: str | None = strawberry.field(
        description="Open text, as redacted before storage; null while `pending`."
    )
    pending: bool = strawberry.field(
        default=False,
        description="An open text the worker has not redacted yet: its text is not shown.",
    )


@strawberry.type(description="The signal just before the answer: where to jump in the replay.")
class SurveySignal:
    id: str
    kind: str
    ts: datetime


@strawberry.type
class SurveyResponse:
    id: strawberry.ID
    session_id: str
    window_id: str | None
    ts: datetime
    lang: str
    template: str | None
    negative: bool
    answers: list[SurveyAnswer]
    ts_ms: strawberry.Private[int]
    stored_signal: strawberry.Private[dict[str, Any] | None]

    @strawberry.field(description="The session's last signal at or before the answer.")
    async def signal(self, info: Info[Context, Any]) -> SurveySignal | None:
        found = self.stored_signal
        if found is None:  # detection may have finished after the answer was stored
            found = await records.nearest_signal(info.context.store, self.session_id, self.ts_ms)
        if found is None:
            return None
        return SurveySignal(id=str(found["id"]), kind=found["kind"], ts=ms_to_datetime(found["ts"]))  # type: ignore[arg-type]

    @classmethod
    def from_doc(cls, doc: dict[str, Any], survey: m.Survey) -> SurveyResponse:
        answers = []
        pending = doc.get(records.PENDING) or {}
        for question_id, question in survey.questions().items():
            if question_id not in doc["answers"]:
                continue
            value = doc["answers"][question_id]
            answers.append(
                SurveyAnswer(
                    question_id=question_id,
                    value=value if question.type in m.SCALES else None,
                    choice_ids=(
                        (value if isinstance(value, list) else [value])
                        if question.type in m.CHOICE_TYPES
                        else None
                    ),
                    # A pending text is null in the store; never show anything else for it.
                    text=value
                    if question.type == m.OPEN_TEXT and question_id not in pending
                    else None,
                    pending=question_id in pending,
                )
            )
        return cls(
            id=strawberry.ID(doc["_id"]),
            session_id=doc["session_id"],
            window_id=doc.get("window_id"),
            ts=ms_to_datetime(doc["ts"]),  # type: ignore[arg-type]
            lang=doc.get("lang", survey.default_language),
            template=doc.get("template"),
            negative=bool(doc.get("negative")),
            answers=answers,
            ts_ms=doc["ts"],
            stored_signal=doc.get("signal"),
        )


# -- the survey ------------------------------------------------------------------------------


@strawberry.type(description="A micro-survey shown to residents on targeted pages.")
class Survey:
    id: strawberry.ID
    site_id: str
    name: str
    status: SurveyStatus
    default_language: str
    languages: list[str]
    question: SurveyQuestion
    follow_up: SurveyFollowUp | None
    rules: list[SurveyRule]
    trigger: SurveyTrigger
    sample_percent: float
    caps: SurveyCaps
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[m.Survey]

    @classmethod
    def of(cls, survey: m.Survey) -> Survey:
        follow_up = None
        if survey.follow_up is not None:
            when = survey.follow_up.when
            follow_up = SurveyFollowUp(
                min_value=when.min_value,
                max_value=when.max_value,
                choice_ids=list(when.choice_ids),
                question=SurveyQuestion.of(survey.follow_up.question),
            )
        return cls(
            id=strawberry.ID(survey.id),
            site_id=survey.site_id,
            name=survey.name,
            status=SurveyStatus(survey.status),
            default_language=survey.default_language,
            languages=survey.languages,
            question=SurveyQuestion.of(survey.question),
            follow_up=follow_up,
            rules=[
                SurveyRule(kind=SurveyRuleKind(r.kind), value=r.value, exclude=r.exclude)
                for r in survey.rules
            ],
            trigger=SurveyTrigger(
                kind=SurveyTriggerKind(survey.trigger.kind),
                seconds=survey.trigger.seconds,
                signal=survey.trigger.signal,
            ),
            sample_percent=survey.sample_percent,
            caps=SurveyCaps(
                per_session=survey.caps.per_session,
                per_visitor=survey.caps.per_visitor,
                per_visitor_days=survey.caps.per_visitor_days,
            ),
            starts_at=ms_to_datetime(survey.starts_at),
            ends_at=ms_to_datetime(survey.ends_at),
            created_at=ms_to_datetime(survey.created_at),  # type: ignore[arg-type]
            updated_at=ms_to_datetime(survey.updated_at),  # type: ignore[arg-type]
            model=survey,
        )

    @strawberry.field(description="Active and inside its period: offered to residents now.")
    def live(self) -> bool:
        return self.model.is_live(_now_ms())

    @strawberry.field(
        description="Results over [from, to), overall, per page template and per day."
    )
    async def results(
        self,
        info: Info[Context, Any],
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> SurveyResults:
        from_ms, to_ms = _ms(from_), _ms(to)
        if from_ms is not None and to_ms is not None and to_ms <= from_ms:
            raise InvalidInput("to must be after from", field="to")
        responses, events = await records.results_inputs(
            info.context.store, self.model.id, from_ms, to_ms
        )
        result = survey_results(self.model, responses, events)
        return SurveyResults(
            **_totals(result, self.model),
            by_page=[
                SurveyResultGroup(key=g["key"], **_totals(g, self.model)) for g in result["by_page"]
            ],
            by_day=[
                SurveyResultGroup(key=g["key"], **_totals(g, self.model)) for g in result["by_day"]
            ],
        )

    @strawberry.field(description="Responses, newest first; open text is stored redacted.")
    async def responses(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[SurveyResponse]:
        limit = info.context.settings.graphql_max_page_size
        if not 0 < first <= limit:
            raise InvalidInput(f"first must be between 1 and {limit}", field="first")
        query: dict[str, Any] = {"survey_id": self.model.id}
        keyset = after_condition("ts", after)
        if keyset:
            query = {"$and": [query, keyset]}
        docs = (
            await info.context.store.responses.find(query)
            .sort([("ts", -1), ("_id", -1)])
            .limit(first + 1)
            .to_list(None)
        )
        edges = [
            Edge(
                cursor=encode_cursor([d["ts"], d["_id"]]),
                node=SurveyResponse.from_doc(d, self.model),
            )
            for d in docs[:first]
        ]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(docs) > first, end_cursor=edges[-1].cursor if edges else None
            ),
        )


# -- inputs ----------------------------------------------------------------------------------


@strawberry.input
class SurveyTextInput:
    lang: str
    text: str


@strawberry.input
class SurveyChoiceInput:
    id: str = strawberry.field(description="Stable id; answers in every language count toward it.")
    texts: list[SurveyTextInput]


@strawberry.input
class SurveyQuestionInput:
    type: SurveyQuestionType
    texts: list[SurveyTextInput]
    choices: list[SurveyChoiceInput] | None = None


@strawberry.input(description="Asked when the main answer is within [min, max] or among choices.")
class SurveyFollowUpInput:
    question: SurveyQuestionInput
    min_value: int | None = None
    max_value: int | None = None
    choice_ids: list[str] | None = None


@strawberry.input
class SurveyRuleInput:
    kind: SurveyRuleKind
    value: str = strawberry.field(
        description="A path (exact, prefix), a template (/permits/:id/apply), a glob (* within a "
        "segment, ** across segments, ? one character) or a department name."
    )
    exclude: bool = False


@strawberry.input
class SurveyTriggerInput:
    kind: SurveyTriggerKind
    seconds: int | None = None
    signal: str | None = strawberry.field(default=None, description="Signal kind, e.g. rage_click.")


@strawberry.input
class SurveyCapsInput:
    per_session: int | None = None
    per_visitor: int | None = None
    per_visitor_days: int | None = None


@strawberry.input
class SurveyInput:
    name: str
    default_language: str
    question: SurveyQuestionInput
    rules: list[SurveyRuleInput]
    trigger: SurveyTriggerInput
    follow_up: SurveyFollowUpInput | None = None
    sample_percent: float = 100.0
    caps: SurveyCapsInput | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: SurveyStatus | None = strawberry.field(
        default=None, description="On create: draft (default) or active. On update: kept if null."
    )


# -- queries and mutations -------------------------------------------------------------------


@strawberry.type
class SurveyQueries:
    @strawberry.field(permission_classes=[IsAnalyst], description="Surveys, newest first.")
    async def surveys(
        self,
        info: Info[Context, Any],
        site_id: str | None = None,
        status: SurveyStatus | None = None,
        first: int = 50,
    ) -> list[Survey]:
        limit = info.context.settings.graphql_max_page_size
        if not 0 < first <= limit:
            raise InvalidInput(f"first must be between 1 and {limit}", field="first")
        query = await info.context.site_filter(site_id)
        if status is not None:
            query["status"] = status.value
        return [Survey.of(s) for s in await list_surveys(info.context.store, query, first)]

    @strawberry.field(permission_classes=[IsAnalyst], description="One survey by id.")
    async def survey(self, info: Info[Context, Any], id: strawberry.ID) -> Survey | None:
        survey = await find_survey(info.context.store, str(id))
        if survey is None or not (await info.context.principal()).sees_site(survey.site_id):
            return None
        return Survey.of(survey)


@strawberry.type
class SurveyMutations:
    @strawberry.mutation(permission_classes=[IsAnalyst], description="Create a survey.")
    async def create_survey(
        self, info: Info[Context, Any], site_id: str, input: SurveyInput
    ) -> Survey:
        principal = await info.context.principal()
        if not principal.sees_site(site_id):
            raise Forbidden("this API key may not change that site", field="siteId")
        if await info.context.store.sites.find_one({"_id": site_id}, {"_id": 1}) is None:
            raise NotFound("no such site", field="siteId")
        data = _definition(input)
        if data["status"] not in (m.DRAFT, m.ACTIVE):
            raise InvalidInput("a new survey is draft or active", field="status")
        now_ms = _now_ms()
        survey = parse_survey(
            data, survey_id=new_survey_id(), site_id=site_id, now_ms=now_ms, created_at=now_ms
        )
        await save_survey(info.context.store, survey)
        return Survey.of(survey)

    @strawberry.mutation(
        permission_classes=[IsAnalyst],
        description="Replace a survey's definition. Once answered, question types stay and "
        "choices may be added or reworded but not removed.",
    )
    async def update_survey(
        self, info: Info[Context, Any], id: strawberry.ID, input: SurveyInput
    ) -> Survey:
        old = await _own_survey(info, str(id))
        data = _definition(input)
        data["status"] = input.status.value if input.status is not None else old.status
        survey = parse_survey(
            data, survey_id=old.id, site_id=old.site_id, now_ms=_now_ms(), created_at=old.created_at
        )
        check_update(old, survey, await has_responses(info.context.store, old.id))
        await save_survey(info.context.store, survey)
        return Survey.of(survey)

    @strawberry.mutation(permission_classes=[IsAnalyst], description="Stop showing a survey.")
    async def pause_survey(self, info: Info[Context, Any], id: strawberry.ID) -> Survey:
        return await _set_status(info, str(id), m.PAUSED)

    @strawberry.mutation(
        permission_classes=[IsAnalyst],
        description="draft → active; active ⇄ paused; any → ended (final).",
    )
    async def set_survey_status(
        self, info: Info[Context, Any], id: strawberry.ID, status: SurveyStatus
    ) -> Survey:
        return await _set_status(info, str(id), status.value)


async def _own_survey(info: Info[Context, Any], survey_id: str) -> m.Survey:
    survey = await find_survey(info.context.store, survey_id)
    if survey is None or not (await info.context.principal()).sees_site(survey.site_id):
        raise NotFound("no such survey", field="id")
    return survey


async def _set_status(info: Info[Context, Any], survey_id: str, status: str) -> Survey:
    old = await _own_survey(info, survey_id)
    check_transition(old.status, status)
    doc = old.to_doc()
    doc.update(status=status, updated_at=_now_ms())
    survey = m.Survey.from_doc(doc)
    await save_survey(info.context.store, survey)
    return Survey.of(survey)


def _definition(input: SurveyInput) -> dict[str, Any]:
    """The GraphQL input as the plain dict `surveys.validate.parse_survey` checks."""
    follow_up = None
    if input.follow_up is not None:
        follow_up = {
            "question": _question(input.follow_up.question, "follow_up.question"),
            "when": {
                "min": input.follow_up.min_value,
                "max": input.follow_up.max_value,
                "choices": input.follow_up.choice_ids or [],
            },
        }
    caps = input.caps or SurveyCapsInput()
    return {
        "name": input.name,
        "status": input.status.value if input.status is not None else m.DRAFT,
        "default_language": input.default_language,
        "question": _question(input.question, "question"),
        "follow_up": follow_up,
        "rules": [
            {"kind": r.kind.value, "value": r.value, "exclude": r.exclude} for r in input.rules
        ],
        "trigger": {
            "kind": input.trigger.kind.value,
            "seconds": input.trigger.seconds,
            "signal": input.trigger.signal,
        },
        "sample_percent": input.sample_percent,
        "caps": {
            "per_session": caps.per_session,
            "per_visitor": caps.per_visitor,
            "per_visitor_days": caps.per_visitor_days,
        },
        "starts_at": _ms(input.starts_at),
        "ends_at": _ms(input.ends_at),
    }


def _question(question: SurveyQuestionInput, path: str) -> dict[str, Any]:
    return {
        "type": question.type.value,
        "text": _text_map(question.texts, f"{path}.texts"),
        "choices": [
            {"id": c.id, "text": _text_map(c.texts, f"{path}.choices[{n}].texts")}
            for n, c in enumerate(question.choices or [])
        ],
    }


def _text_map(texts: list[SurveyTextInput], path: str) -> dict[str, str]:
    mapped = {t.lang.strip().lower(): t.text for t in texts}
    if len(mapped) != len(texts):
        raise InvalidInput("has a language twice", field=path)
    return mapped


def _totals(result: dict[str, Any], survey: m.Survey) -> dict[str, Any]:
    questions = result["questions"]
    lang = survey.default_language
    follow_up = None
    if survey.follow_up is not None:
        follow_up = SurveyQuestionResults.of(
            questions[m.FOLLOW_UP], survey.follow_up.question, lang
        )
    return {
        "shown": result["shown"],
        "dismissed": result["dismissed"],
        "answered": result["answered"],
        "response_rate_percent": result["response_rate_percent"],
        "question": SurveyQuestionResults.of(questions[m.MAIN], survey.question, lang),
        "follow_up": follow_up,
    }


def _texts(texts: dict[str, str]) -> list[SurveyText]:
    return [SurveyText(lang=lang, text=text) for lang, text in sorted(texts.items())]


def _ms(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def _now_ms() -> int:
    return int(time.time() * 1000)
