"""The fact vocabulary of a yearly fact set (the contract in spec/facts.md).

One pydantic model per fact type. Models say what a well-formed fact is; they say
nothing about points or clauses, which live in the policy file. The policy loader
reads these models (via `FACT_TYPES` and `field_spec`) to check that every field a
rule mentions exists and every value it compares with is allowed.
"""
from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool,
                      model_validator)

UNIT_ID_PATTERN = r"^[a-z0-9_-]+$"
# Upper bounds far beyond any real ledger line. They keep every sum of points well inside
# exact decimal arithmetic (28 digits) and every number the rules engine compares below
# 1e16, where it would be written with an exponent that durable-rules cannot parse.
MAX_DAYS = 366              # one record covers at most a year
MAX_QUANTITY = 1_000_000    # items, errors, participants, person-times, characters, staff
MAX_AWARD = 1000            # points of one innovation award (R15)


def _halves(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    if value > MAX_DAYS:
        raise ValueError(f"must be at most {MAX_DAYS} (the days of a year)")
    if (value * 2) % 1 != 0:
        raise ValueError("must be a whole or half number (0.5, 1, 1.5, ...)")
    return value


def _as_text(value):
    # YAML reads `id: 12` as a number; an id is a label, so accept it as text.
    return str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value


FactId = Annotated[str, BeforeValidator(_as_text), Field(min_length=1)]


class _UnitRef:
    """Marks a field that names a unit, so the policy may credit it (`credit: reviewed_by`)."""


UNIT_REF = _UnitRef()
UnitId = Annotated[str, Field(pattern=UNIT_ID_PATTERN), UNIT_REF]
Text = Annotated[str, BeforeValidator(_as_text), Field(min_length=1)]
Days = Annotated[Decimal, AfterValidator(_halves)]
Count = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Errors = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
Positive = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Reason = Literal["personal_leave", "unexcused"]
PersonId = Text  # a staff number: who a person is where names may be spelled differently (R19)


class Unit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: UnitId
    name: Text
    staff: Positive  # R16: actual staff, a whole number >= 1


class Fact(BaseModel):
    """Fields every fact has. `unit` is the unit the clause credits or charges."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: FactId
    unit: UnitId
    date: dt.date | None = None
    note: str | None = None

    @property
    def quantity(self) -> int:
        return getattr(self, "count", 1)


class Counted(Fact):
    """Per-item types: one ledger line may stand for `count` items (e.g. 340 letters)."""
    count: Count = 1


# --- 四(一) common indicators -------------------------------------------------------------
class StudyAbsence(Counted):
    type: Literal["study_absence"]
    person: Text
    person_id: PersonId | None = None
    reason: Reason


class Leave(Fact):
    type: Literal["leave"]
    person: Text
    person_id: PersonId | None = None
    kind: Literal["personal", "sick", "hospitalization", "vacation", "special"]
    days: Days


class Absenteeism(Fact):
    type: Literal["absenteeism"]
    person: Text
    person_id: PersonId | None = None
    days: Days


class ConductViolation(Fact):
    type: Literal["conduct_violation"]
    reference: Text
    person: Text | None = None
    person_id: PersonId | None = None


class PartyActivityAbsence(Counted):
    type: Literal["party_activity_absence"]
    person: Text
    person_id: PersonId | None = None
    reason: Reason


class DisciplineCase(Fact):
    type: Literal["discipline_case"]
    reference: Text
    person: Text | None = None
    person_id: PersonId | None = None


# --- 四(二) annual targets ----------------------------------------------------------------
class AnnualTarget(Fact):
    type: Literal["annual_target"]
    title: Text
    completed: StrictBool


# --- 四(三)1 duties under the law -----------------------------------------------------------
class RegulationDraft(Fact):
    type: Literal["regulation_draft"]
    regulation: Text
    stage: Literal["first_reading", "second_reading", "submitted_to_congress"]
    major_revision: StrictBool = False

    @model_validator(mode="after")
    def _revision_only_on_second_reading(self):
        if self.major_revision and self.stage != "second_reading":
            raise ValueError("major_revision applies to a second_reading only")
        return self


class WorkReport(Fact):
    type: Literal["work_report"]
    title: Text
    satisfaction_vote: StrictBool = False
    special_inquiry: StrictBool = False
    missing_steps: list[Literal["research", "initial_review", "opinions_transmitted",
                                "rectification_supervised", "rectification_reported"]] = []


class MajorDecision(Fact):
    type: Literal["major_decision"]
    title: Text
    matter: Literal["general", "budget_adjustment", "recall", "removal", "coercive_measure"]


class EnforcementInspection(Fact):
    type: Literal["enforcement_inspection"]
    title: Text
    missing_steps: list[Literal["plan_drafted", "plan_approved", "team_formed", "inspection_conducted",
                                "report_written", "report_submitted", "opinions_transmitted",
                                "rectification_supervised", "rectification_reported"]] = []


class EnforcementResearch(Fact):
    type: Literal["enforcement_research"]
    title: Text
    missing_steps: list[Literal["plan_drafted", "plan_approved", "research_conducted", "report_written",
                                "report_discussed", "opinions_transmitted", "rectification_supervised"]] = []


class ThematicResearch(Fact):
    type: Literal["thematic_research"]
    title: Text
    missing_steps: list[Literal["plan_drafted", "research_conducted", "report_written", "report_discussed"]] = []


class DeputyInspection(Fact):
    type: Literal["deputy_inspection"]
    title: Text
    coordinators: list[UnitId] = []


class PersonnelMatter(Counted):
    type: Literal["personnel_matter"]
    title: Text
    kind: Literal["appointment", "dismissal", "recall", "removal", "coercive_measure"]


class OtherSubmission(Counted):
    type: Literal["other_submission"]
    title: Text
    kind: Literal["work_briefing", "list_or_report"]


# --- 四(三)2 meetings and study -----------------------------------------------------------
class StandingCommitteeSession(Fact):
    type: Literal["standing_committee_session"]
    session: Text
    days: Days
    errors: Errors = 0


class DirectorsMeeting(Counted):
    type: Literal["directors_meeting"]
    session: Text
    errors: Errors = 0


class PartyGroupMeeting(Counted):
    type: Literal["party_group_meeting"]
    kind: Literal["party_group", "central_group_study", "directors_office"]


class CitywideMeeting(Fact):
    type: Literal["citywide_meeting"]
    title: Text
    coordinators: list[UnitId] = []
    days: Days
    errors: Errors = 0


class TrainingProgram(Fact):
    type: Literal["training_program"]
    title: Text
    participants: Positive
    days: Days


class DeputyTraining(Fact):
    type: Literal["deputy_training"]
    title: Text
    coordinators: list[UnitId] = []
    participants: Positive
    days: Days


class Lecture(Counted):
    type: Literal["lecture"]
    title: Text


class StudyVisit(Fact):
    type: Literal["study_visit"]
    title: Text
    report_written: StrictBool


# --- 四(三)3 hosting ------------------------------------------------------------------------
class HostedVisit(Fact):
    type: Literal["hosted_visit"]
    title: Text
    level: Literal["senior", "peer"]
    coordinators: list[UnitId] = []


# --- 四(三)4 other work ---------------------------------------------------------------------
class LeadingGroupMembership(Fact):
    type: Literal["leading_group_membership"]
    group: Text


class CongressSessionService(Fact):
    type: Literal["congress_session_service"]
    session: Text
    person_times: Positive


class NormativeDocument(Counted):
    type: Literal["normative_document"]
    title: Text
    reviewed_by: UnitId | None = None
    corrected: StrictBool = False

    @model_validator(mode="after")
    def _corrected_needs_reviewer(self):
        if self.corrected and self.reviewed_by is None:
            raise ValueError("corrected: true needs reviewed_by (the unit that reviewed the document)")
        return self


class Petition(Counted):
    type: Literal["petition"]
    kind: Literal["letter", "visit"]
    resolved: StrictBool = False


class AnnualDuty(Fact):
    type: Literal["annual_duty"]
    duty: Literal["documents", "personnel", "finance"]
    errors: Errors = 0


class InformationItem(Counted):
    type: Literal["information_item"]
    title: Text


class LateActivityInformation(Counted):
    type: Literal["late_activity_information"]
    activity: Text


class JournalIssue(Counted):
    type: Literal["journal_issue"]
    issue: Text


class Publication(Counted):
    type: Literal["publication"]
    title: Text
    level: Literal["national", "provincial", "municipal", "news"]


class SpeechDraft(Fact):
    type: Literal["speech_draft"]
    title: Text
    characters: Positive


# --- 四(三)5 innovation ---------------------------------------------------------------------
class RuleMaking(Fact):
    type: Literal["rule_making"]
    title: Text
    scope: Literal["standing_committee", "organs"]
    kind: Literal["new", "revision"]


class InnovationAward(Fact):
    type: Literal["innovation_award"]
    title: Text
    points: Annotated[Decimal, Field(gt=0, le=MAX_AWARD)]
    decision: Text  # R15: the reference of the directors' meeting decision


FACT_MODELS: tuple[type[Fact], ...] = (
    StudyAbsence, Leave, Absenteeism, ConductViolation, PartyActivityAbsence, DisciplineCase,
    AnnualTarget, RegulationDraft, WorkReport, MajorDecision, EnforcementInspection,
    EnforcementResearch, ThematicResearch, DeputyInspection, PersonnelMatter, OtherSubmission,
    StandingCommitteeSession, DirectorsMeeting, PartyGroupMeeting, CitywideMeeting,
    TrainingProgram, DeputyTraining, Lecture, StudyVisit, HostedVisit, LeadingGroupMembership,
    CongressSessionService, NormativeDocument, Petition, AnnualDuty, InformationItem,
    LateActivityInformation, JournalIssue, Publication, SpeechDraft, RuleMaking, InnovationAward,
)
FACT_TYPES: dict[str, type[Fact]] = {m.model_fields["type"].annotation.__args__[0]: m for m in FACT_MODELS}
AnyFact = Annotated[Union[FACT_MODELS], Field(discriminator="type")]  # type: ignore[valid-type]


# --- validated facts as the evaluator keeps them --------------------------------------------
class Record:
    """A validated fact, as the evaluator keeps it: its fields as plain attributes.

    The pydantic model checks a fact; it is not kept. A model instance carries its own
    field dict and the set of fields the user gave (about 0.9 KB each); records of one type
    share their attribute names (about 0.2 KB each), which matters for a million facts."""

    type: str
    id: str
    unit: str

    def __init__(self, fields: dict):
        for name, value in fields.items():  # always in the model's field order: shared keys
            setattr(self, name, value)

    @property
    def quantity(self) -> int:
        return self.__dict__.get("count", 1)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and self.__dict__ == other.__dict__

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__!r})"


RECORDS: dict[str, type[Record]] = {t: type(f"{m.__name__}Record", (Record,), {}) for t, m in FACT_TYPES.items()}


def as_records(models: list[Fact]) -> list[Record]:
    return [RECORDS[m.type](m.__dict__) for m in models]


# --- what the policy loader needs to know about fields ------------------------------------
@dataclass(frozen=True)
class FieldSpec:
    """The shape of one field, as far as a rule condition or a point rate cares."""
    kind: str                      # number | bool | enum | text | unit | list | date
    values: tuple[str, ...] = ()   # allowed values of an enum, or of a list's items
    required: bool = True
    item: str = ""                 # for a list: the kind of its items (enum or unit)


def field_spec(model: type[BaseModel], name: str) -> FieldSpec | None:
    info = model.model_fields.get(name)
    if info is None:
        return None
    if UNIT_REF in info.metadata:  # pydantic keeps a top-level Annotated's marks here
        return FieldSpec("unit", required=info.is_required())
    return _spec_of(info.annotation, info.is_required())


def _spec_of(annotation, required: bool) -> FieldSpec:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        base = args[0]
        if UNIT_REF in annotation.__metadata__:
            return FieldSpec("unit", required=required)
        return _spec_of(base, required)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _spec_of(inner[0], False)
    if origin is Literal:
        return FieldSpec("enum", tuple(args), required)
    if origin is list:
        item = _spec_of(args[0], True)
        return FieldSpec("list", item.values, required, item=item.kind)
    if annotation is bool:
        return FieldSpec("bool", required=required)
    if annotation in (int, Decimal):
        return FieldSpec("number", required=required)
    if annotation is dt.date:
        return FieldSpec("date", required=required)
    return FieldSpec("text", required=required)


def fields_of(fact_type: str) -> dict[str, FieldSpec]:
    model = FACT_TYPES[fact_type]
    specs = {name: field_spec(model, name) for name in model.model_fields}
    if issubclass(model, Counted):
        specs["count"] = FieldSpec("number", required=False)
    return specs  # type: ignore[return-value]
