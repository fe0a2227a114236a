"""The scorecard: three section scores, total, rank and award eligibility per unit.

The sections' bounds, the per-staff division and its rounding are read from the
policy (R2, R6, R16); ranks share places on equal totals (R17); a disqualifying
finding makes a unit ineligible but leaves it scored and ranked (R5).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from .facts import Unit
from .findings import Finding
from .numbers import ZERO, round_half_up
from .policy.load import CompiledPolicy
from .policy.model import Section


@dataclass
class UnitScore:
    unit: str
    name: str
    staff: int
    common_deductions: Decimal
    common_score: Decimal
    annual_missed: int
    annual_deductions: Decimal
    annual_score: Decimal
    daily_points: Decimal
    daily_score: Decimal
    total: Decimal
    rank: int = 0
    eligible: bool = True
    ineligible_because: list[str] = field(default_factory=list)   # the reasons as sentences, for people
    ineligible_clauses: list[str] = field(default_factory=list)   # the clause ids behind them (R5), for tools


@dataclass
class Scorecard:
    units: list[UnitScore]                 # in rank order; equal ranks in the order units are listed
    recommended: list[str]                 # eligible units in rank order, within the quota


def bounded(section: Section, points: Decimal) -> Decimal:
    """A bounded section's score from its raw points (R2)."""
    score = (section.full_marks or ZERO) + points
    return max(section.floor, score) if section.floor is not None else score


def per_staff(section: Section, points: Decimal, staff: int) -> Decimal:
    """The daily section: points divided by staff, rounded as the policy says (R6, R16)."""
    score = points / Decimal(staff)
    return round_half_up(score, section.round_places) if section.round_places is not None else score


def section_score(section: Section, points: Decimal, staff: int) -> Decimal:
    return per_staff(section, points, staff) if section.per_staff else bounded(section, points)


def build_scorecard(policy: CompiledPolicy, units: Iterable[Unit], findings: Iterable[Finding]) -> Scorecard:
    sections = policy.policy.sections
    raw: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    missed: dict[str, Decimal] = defaultdict(Decimal)
    reasons: dict[str, list[str]] = defaultdict(list)
    clauses: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        raw[f.unit, f.section] += f.points
        if f.section == "annual" and f.points < 0:
            missed[f.unit] += f.quantity
        if f.disqualifies:
            clause = policy.clauses[f.clause]
            reasons[f.unit].append(f"{clause.id} {clause.title}:{f.explanation}")
            clauses[f.unit].append(clause.id)
    scores = []
    for unit in units:
        common = section_score(sections["common"], raw[unit.id, "common"], unit.staff)
        annual = section_score(sections["annual"], raw[unit.id, "annual"], unit.staff)
        daily = section_score(sections["daily"], raw[unit.id, "daily"], unit.staff)
        scores.append(UnitScore(
            unit=unit.id, name=unit.name, staff=unit.staff,
            common_deductions=raw[unit.id, "common"], common_score=common,
            annual_missed=int(missed[unit.id]), annual_deductions=raw[unit.id, "annual"], annual_score=annual,
            daily_points=raw[unit.id, "daily"], daily_score=daily, total=common + annual + daily,
            eligible=not reasons[unit.id], ineligible_because=reasons[unit.id],
            ineligible_clauses=list(dict.fromkeys(clauses[unit.id]))))
    _rank(scores)
    listed = {s.unit: i for i, s in enumerate(scores)}
    scores.sort(key=lambda s: (s.rank, listed[s.unit]))
    quota = policy.policy.awards.quota
    recommended = [s.unit for s in scores if s.eligible]
    return Scorecard(scores, recommended[:quota] if quota else recommended)


def _rank(scores: list[UnitScore]) -> None:
    """Competition ranking by total, highest first: equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(scores, key=lambda s: -s.total)
    for position, score in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        score.rank = previous.rank if previous and previous.total == score.total else position
