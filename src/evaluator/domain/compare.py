"""`evaluator compare`: one year's results beside another's (year over year).

Each year is any fact set (a ledger workbook, YAML or JSON), scored under the policy its own
year picks. Units are matched by their id. For every unit in both years: each section's score
and the total, old → new with the change (Δ = new − old), the rank and its change, the staff
(人数) when it changed, and award eligibility when it changed; then the units that appear in the
new year and those gone from it. The numbers are the scorecards' own, exact Decimals.

`evaluator diff` is the other comparison: the same facts under two versions of the method.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evaluator.domain.evaluate import Evaluation
from evaluator.domain.policy.model import Policy
from evaluator.domain.scorecard import SCORE

TOTAL = "total"
CONTINUING, ADDED, REMOVED = "continuing", "added", "removed"


@dataclass(frozen=True)
class Side:
    """A unit's result in one of the two years."""
    name: str
    staff: int
    rank: int
    eligible: bool
    scores: dict[str, Decimal]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "staff": self.staff, "rank": self.rank, "eligible": self.eligible, **self.scores}


@dataclass(frozen=True)
class UnitChange:
    unit: str
    old: Side | None      # None: the unit was not assessed in the old year (it appears)
    new: Side | None      # None: it is not assessed in the new year (it is gone)

    @property
    def name(self) -> str:
        return (self.new or self.old).name

    @property
    def status(self) -> str:
        return ADDED if self.old is None else REMOVED if self.new is None else CONTINUING

    @property
    def delta(self) -> dict[str, Decimal] | None:
        if self.old is None or self.new is None:
            return None
        return {k: v - self.old.scores[k] for k, v in self.new.scores.items() if k in self.old.scores}

    @property
    def rank_change(self) -> int | None:
        """Places moved up (3 → 1 is +2), down is negative; None unless in both years."""
        if self.old is None or self.new is None:
            return None
        return self.old.rank - self.new.rank

    @property
    def staff_changed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.staff != self.new.staff

    @property
    def eligibility_changed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.eligible != self.new.eligible

    @property
    def renamed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.name != self.new.name


@dataclass
class Comparison:
    old: Evaluation
    new: Evaluation
    units: list[UnitChange]   # the new year's rank order, then the units gone, in their old rank order

    @property
    def continuing(self) -> list[UnitChange]:
        return [u for u in self.units if u.status == CONTINUING]

    @property
    def added(self) -> list[UnitChange]:
        return [u for u in self.units if u.status == ADDED]

    @property
    def removed(self) -> list[UnitChange]:
        return [u for u in self.units if u.status == REMOVED]

    @property
    def staff_changes(self) -> list[UnitChange]:
        return [u for u in self.units if u.staff_changed]

    @property
    def eligibility_changes(self) -> list[UnitChange]:
        return [u for u in self.units if u.eligibility_changed]

    @property
    def fields(self) -> tuple[str, ...]:
        """The scores set side by side: each section's of the new year that the old year has too, and the total."""
        old = set(score_fields(self.old.policy.policy))
        return tuple(k for k in score_fields(self.new.policy.policy) if k in old)

    @property
    def same_policy(self) -> bool:
        return self.old.policy.id == self.new.policy.id and self.old.policy.sha256 == self.new.policy.sha256


def score_fields(policy: Policy) -> tuple[str, ...]:
    """The JSON result's keys of a policy's section scores ({id}_score), in its order, and the total."""
    return (*(f"{sid}_{SCORE}" for sid in policy.sections), TOTAL)


def _sides(ev: Evaluation) -> dict[str, Side]:
    return {s.unit: Side(s.name, s.staff, s.rank, s.eligible,
                         {**{p.score_key: p.score for p in s.sections}, TOTAL: s.total})
            for s in ev.scorecard.units}


def compare(old: Evaluation, new: Evaluation) -> Comparison:
    before, after = _sides(old), _sides(new)
    units = [UnitChange(unit, before.get(unit), side) for unit, side in after.items()]
    units += [UnitChange(unit, side, None) for unit, side in before.items() if unit not in after]
    return Comparison(old, new, units)


def _year(ev: Evaluation) -> dict[str, Any]:
    return {"year": ev.factset.year, "facts": ev.factset.path, "facts_sha256": ev.factset.sha256,
            "policy": ev.policy.id, "policy_sha256": ev.policy.sha256, "stage": ev.stage_name,
            "as_of": ev.factset.as_of.isoformat() if ev.factset.as_of else None, "units": len(ev.scorecard.units)}


def to_dict(c: Comparison) -> dict[str, Any]:
    """The comparison as JSON data (numbers still Decimals: write them with result.json_number)."""
    return {
        "old": _year(c.old), "new": _year(c.new), "same_policy": c.same_policy,
        "units": [{"unit": u.unit, "name": u.name, "status": u.status,
                   "old": u.old.as_json() if u.old else None, "new": u.new.as_json() if u.new else None,
                   "delta": u.delta, "rank_change": u.rank_change,
                   "staff_change": {"old": u.old.staff, "new": u.new.staff} if u.staff_changed else None,
                   "eligibility_change": {"old": u.old.eligible, "new": u.new.eligible} if u.eligibility_changed else None,
                   "renamed": {"old": u.old.name, "new": u.new.name} if u.renamed else None}
                  for u in c.units],
        "added": [u.unit for u in c.added],
        "removed": [u.unit for u in c.removed],
        "staff_changes": [{"unit": u.unit, "name": u.name, "old": u.old.staff, "new": u.new.staff}
                          for u in c.staff_changes],
        "eligibility_changes": [{"unit": u.unit, "name": u.name, "old": u.old.eligible, "new": u.new.eligible}
                                for u in c.eligibility_changes],
    }
