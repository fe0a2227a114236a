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

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Number = Union[Decimal, str]  # a literal number, or "$name" of a clause parameter


class Ruling(_Strict):
    title: str
    text: str                          # may name parameters: {4.1.2.leave_limit}, {common.full_marks}
    literal_numbers: list[str] = []    # phrases of the text whose numbers are no parameter (a worked example)


class Section(_Strict):
    title: str
    clause: str                          # the number of the method's part it scores
    full_marks: Decimal | None = None    # the score before deductions (R2)
    floor: Decimal | None = None         # the lowest score (R2); None: no bound
    per_staff: bool = False              # divide the points by the unit's staff (R16)
    round_places: int | None = None      # round the per-staff score, half up (R6)
    rulings: list[str] = []


class Awards(_Strict):
    quota: int | None = Field(default=None, ge=1)   # how many units may be recommended (R17)
    rulings: list[str] = []


class Parameter(_Strict):
    value: Decimal
    unit: str = ""        # 分, 天, 人, 字 ...
    text: str             # the method's words that set it


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
    sections: dict[Literal["common", "annual", "daily"], Section]
    awards: Awards = Awards()
    labels: Labels = Labels()
    derivations: list[Derivation] = []
    clauses: list[Clause]
