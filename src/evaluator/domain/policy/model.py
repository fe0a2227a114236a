"""The shape of a policy file: the method as data.

A policy holds the method's sections, clauses (with the method's own wording), the
working group's rulings, and for each clause the rules that give or take points.
Every number the method states (points, rates, thresholds, limits) is a clause `parameter`
with the wording it comes from: rules refer to it as `$name`, titles, explanations and
rulings as a `{placeholder}` (wording.py), and `check-policy` checks that the numbers of the
wording agree with the parameters (number_checks/).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, Union

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evaluator.i18n import say


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")   # a section or count id: it becomes part of a JSON key
Number = Union[Decimal, str]  # a literal number, or "$name" of a clause parameter


class Ruling(_Strict):
    title: str
    text: str                          # may name parameters: {4.1.2.leave_limit}, {common.full_marks}
    literal_numbers: list[str] = []    # phrases of the text whose numbers are no parameter (a worked example)


class Count(_Strict):
    """Something a section counts beside its points, e.g. the targets a unit missed: the quantity
    of the section's findings that `when` picks, shown as `{label} {n} {unit}` (未完成 1 项)."""
    label: str                           # the word before the number in a sentence: 未完成
    unit: str = ""                       # the word after it: 项
    heading: str                         # a column heading: 年度目标未完成数
    when: Literal["deduction", "award", "any"] = "deduction"   # which findings: points < 0, > 0, or all
    label_en: str = ""                   # the same in English (--lang en); empty: the Chinese
    heading_en: str = ""


class Section(_Strict):
    """A part of the method with its own score. Its id names it in the JSON result ({id}_score);
    its kind is what it declares: bounded (full_marks, floor) or per_staff (round_places)."""
    title: str
    short: str = ""                      # the heading where room is short (共性); empty: the title
    clause: str                          # the number of the method's part it scores
    full_marks: Decimal | None = None    # the score before deductions (R2)
    floor: Decimal | None = None         # the lowest score (R2); None: no bound
    per_staff: bool = False              # divide the points by the unit's staff (R16)
    round_places: int | None = Field(default=None, ge=0)   # round the per-staff score, half up (R6)
    counts: dict[str, Count] = {}        # name -> what it counts; the JSON result has {id}_{name}
    title_en: str = ""                   # the title and short heading in English; empty: the Chinese
    short_en: str = ""
    rulings: list[str] = []

    @model_validator(mode="after")
    def _one_kind(self) -> "Section":
        # A section is either divided by staff or bounded: a bound on a per-staff score, or a rounding
        # of a bounded one, would be silently ignored by the scorecard.
        if self.per_staff and (self.full_marks is not None or self.floor is not None):
            raise ValueError(say("按人均计分(per_staff)的部分不设满分(full_marks)和最低分(floor)",
                                 "a per_staff section has no full_marks or floor"))
        if not self.per_staff and self.round_places is not None:
            raise ValueError(say("只有按人均计分(per_staff)的部分才四舍五入(round_places)",
                                 "round_places is for a per_staff section"))
        for name in self.counts:
            if not IDENTIFIER.match(name):
                raise ValueError(say("计数名“{name}”只能用小写字母、数字和下划线(它是 JSON 结果的键的一部分)",
                                     "count name '{name}' must be lower-case letters, digits and _ (it is part of a JSON key)",
                                     name=name))
        return self

    @property
    def kind(self) -> Literal["bounded", "per_staff"]:
        return "per_staff" if self.per_staff else "bounded"


class Awards(_Strict):
    quota: int | None = Field(default=None, ge=1)   # how many units may be recommended (R17)
    rulings: list[str] = []


class Parameter(_Strict):
    value: Decimal
    unit: str = ""        # 分, 天, 人, 字 ...
    text: str             # the method's words that set it
    title: str            # its name wherever Chinese output names it (全年请假限额): the id is a key of the file

    @field_validator("title")
    @classmethod
    def _named(cls, title: str) -> str:
        if not title.strip():
            raise ValueError(say("参数的标题(title)不能为空", "a parameter's title must not be empty"))
        return title


class Join(_Strict):
    """Another fact of the same unit that a rule needs, matched on equal fields."""
    fact: str
    when: dict[str, Any] = {}
    same: list[str]


class Rule(_Strict):
    id: str
    title: str                         # may name its clause's parameters: {large_participants}
    fact: str                          # the fact type the rule reads
    when: dict[str, Any] = {}          # conditions on that fact (see conditions.py)
    joins: dict[str, Join] = {}        # name -> another fact it must be seen with
    points: Number                     # points per unit of `per`: a $parameter; 0 records a decision
    per: Union[str, dict[str, Any]] = "count"   # count | a number field | {size_of: f} | {excess: f, over: n}
    credit: str = "unit"               # who gets the points: unit | coordinators | a unit field
    replaces: str | None = None        # a rule of the clause whose finding this one overrides
    disqualifies: bool = False         # R5: the unit is not eligible for awards this year
    silent: bool = False               # seen and decided, but no finding is written
    explain: str                       # Chinese, with {field} and {parameter} placeholders and the arithmetic
    rulings: list[str] = []


class Clause(_Strict):
    id: str
    title: str
    section: str
    text: str                          # the method's wording of the clause
    requirements: str = ""             # 考核要求, where the method gives them
    rulings: list[str] = []
    parameters: dict[str, Parameter] = {}
    literal_numbers: list[str] = []    # phrases of the wording whose numbers are no parameter (1 人/次)
    rules: list[Rule]


class Derivation(_Strict):
    """A derived fact per group: e.g. each person's counted leave for the year (R3)."""
    type: str
    title: str
    source: str = Field(alias="from")  # the fact type it is derived from
    group_by: list[str]                # within a unit
    sum: str                           # the number field that is added up
    into: str                          # the derived field that holds the counted sum
    counted_when: dict[str, Any] = {}  # which source facts count
    breakdown_by: str | None = None    # a field whose values are shown in the explanation
    rulings: list[str] = []
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Labels(_Strict):
    """Chinese names of the fact vocabulary: what explanations, reports, the ledger workbook
    and the Chinese features write, and what every reader accepts (vocabulary.py)."""
    types: dict[str, str] = {}
    fields: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}    # "type.field" -> value -> label
    booleans: dict[Literal["true", "false"], list[str]] = {}   # the first is the one written
    units: dict[Literal["id", "name", "staff"], str] = {}       # the roster's columns
    document: dict[Literal["year", "policy", "units", "facts"], str] = {}  # a fact set's top-level keys


class Policy(_Strict):
    id: str
    title: str
    effective_from: int
    effective_until: int | None = None
    status: Literal["in_force", "draft"] = "in_force"   # a draft is chosen only by id or --policy
    source: str = ""
    rulings: dict[str, Ruling]
    sections: dict[str, Section]       # in the method's order: the scorecard and every report follow it
    awards: Awards = Awards()
    labels: Labels = Labels()
    derivations: list[Derivation] = []
    clauses: list[Clause]

    @field_validator("sections")
    @classmethod
    def _section_ids(cls, sections: dict[str, Section]) -> dict[str, Section]:
        if not sections:
            raise ValueError(say("考核办法至少要有一个考核部分(sections)", "a policy has at least one section"))
        for sid in sections:
            if not IDENTIFIER.match(sid):
                raise ValueError(say("考核部分的代码“{sid}”只能用小写字母、数字和下划线(它是 JSON 结果的键的一部分)",
                                     "section id '{sid}' must be lower-case letters, digits and _ (it is part of a JSON key)",
                                     sid=sid))
        return sections
