"""The scorecard: each section's score, the total, rank and award eligibility per unit.

The sections are the policy's, in its order, and each is scored as it declares: bounded by
full marks and a floor (R2), or divided by staff and rounded (R6, R16); what a section counts
beside its points (the targets a unit missed) is declared there too. Ranks share places on
equal totals (R17); a disqualifying finding makes a unit ineligible but leaves it scored and
ranked (R5). No section is known here by its name.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from evaluator.domain.facts import Unit
from evaluator.domain.findings import Finding
from evaluator.domain.numbers import ZERO, round_half_up
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.domain.policy.model import Count, Section

# The words the JSON result (spec/facts.md) puts after a section's id: {id}_score, and its raw
# points as {id}_deductions (a bounded section: deductions from full marks) or {id}_points.
SCORE, RAW = "score", {"bounded": "deductions", "per_staff": "points"}


@dataclass(frozen=True)
class SectionScore:
    id: str                     # the policy's id of the section: the prefix of its JSON keys
    section: Section            # what the policy says of it: title, kind, counts
    points: Decimal             # the sum of the unit's finding points in the section
    score: Decimal              # the points as the section's kind scores them
    counts: dict[str, int]      # count name -> how many (e.g. the targets missed)

    @property
    def raw_key(self) -> str:
        return f"{self.id}_{RAW[self.section.kind]}"

    @property
    def score_key(self) -> str:
        return f"{self.id}_{SCORE}"

    def fields(self) -> dict[str, Any]:
        """The section's keys of the JSON result, in their order: counts, raw points, score."""
        return {**{f"{self.id}_{name}": n for name, n in self.counts.items()},
                self.raw_key: self.points, self.score_key: self.score}


@dataclass
class UnitScore:
    unit: str
    name: str
    staff: int
    sections: list[SectionScore]   # one per section of the policy, in its order
    total: Decimal
    rank: int = 0
    eligible: bool = True
    ineligible_because: list[str] = field(default_factory=list)   # the reasons as sentences, for people
    ineligible_clauses: list[str] = field(default_factory=list)   # the clause ids behind them (R5), for tools

    def section(self, sid: str) -> SectionScore:
        return next(s for s in self.sections if s.id == sid)

    def fields(self) -> dict[str, Any]:
        """Every section's keys of the JSON result ({id}_score ...), in the policy's order."""
        out: dict[str, Any] = {}
        for s in self.sections:
            out.update(s.fields())
        return out

    def __getattr__(self, name: str) -> Any:
        # The JSON result's names read as attributes (score.<id>_score), as tools and tests say them.
        if name.startswith("_") or name == "sections":
            raise AttributeError(name)
        found = self.fields()
        if name in found:
            return found[name]
        raise AttributeError(f"'UnitScore' has no attribute '{name}'")


@dataclass
class Scorecard:
    units: list[UnitScore]                 # in rank order; equal ranks in the order units are listed
    recommended: list[str]                 # eligible units in rank order, within the quota


def bounded(section: Section, points: Decimal) -> Decimal:
    """A bounded section's score from its raw points (R2)."""
    score = (section.full_marks or ZERO) + points
    return max(section.floor, score) if section.floor is not None else score


def per_staff(section: Section, points: Decimal, staff: int) -> Decimal:
    """A per-staff section: points divided by staff, rounded as the policy says (R6, R16)."""
    score = points / Decimal(staff)
    return round_half_up(score, section.round_places) if section.round_places is not None else score


def section_score(section: Section, points: Decimal, staff: int) -> Decimal:
    return per_staff(section, points, staff) if section.per_staff else bounded(section, points)


def counted(count: Count, finding: Finding) -> bool:
    """Whether a finding of the section is one that `count` counts."""
    if count.when == "deduction":
        return finding.points < 0
    if count.when == "award":
        return finding.points > 0
    return True


def build_scorecard(policy: CompiledPolicy, units: Iterable[Unit], findings: Iterable[Finding]) -> Scorecard:
    sections = policy.policy.sections
    raw: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    tally: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    reasons: dict[str, list[str]] = defaultdict(list)
    clauses: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        raw[f.unit, f.section] += f.points
        section = sections.get(f.section)
        for name, count in (section.counts.items() if section else ()):
            if counted(count, f):
                tally[f.unit, f.section, name] += f.quantity
        if f.disqualifies:
            clause = policy.clauses[f.clause]
            reasons[f.unit].append(f"{clause.id} {clause.title}:{f.explanation}")
            clauses[f.unit].append(clause.id)
    scores = []
    for unit in units:
        parts = [SectionScore(sid, section, raw[unit.id, sid], section_score(section, raw[unit.id, sid], unit.staff),
                              {name: int(tally[unit.id, sid, name]) for name in section.counts})
                 for sid, section in sections.items()]
        scores.append(UnitScore(
            unit=unit.id, name=unit.name, staff=unit.staff, sections=parts,
            total=sum((p.score for p in parts), ZERO),
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
