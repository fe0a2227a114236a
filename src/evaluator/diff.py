"""`evaluator diff`: the same year under two versions of the method (or two years under one).

First the amendment itself, when the new version is a delta (policy/amend.py): each change
it makes, clause by clause, old → new. Then per unit: old and new section scores, total and rank, with deltas, and whether award
eligibility changed. Per clause: the points that moved for each unit, attributed to the
rules and parameters of that clause that differ between the two policies.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .evaluate import Evaluation
from .policy.amend import Edit, amendments_between
from .policy.compare import Change, policy_changes

FIELDS = ("common_score", "annual_score", "daily_score", "total")


@dataclass
class UnitDelta:
    unit: str
    name: str
    old: dict[str, Decimal]
    new: dict[str, Decimal]
    old_rank: int
    new_rank: int
    old_eligible: bool
    new_eligible: bool

    @property
    def delta(self) -> dict[str, Decimal]:
        return {k: self.new[k] - self.old[k] for k in FIELDS}


@dataclass
class ClauseDelta:
    unit: str
    clause: str
    old: Decimal
    new: Decimal
    because: list[str] = field(default_factory=list)

    @property
    def delta(self) -> Decimal:
        return self.new - self.old


@dataclass
class Diff:
    old: Evaluation
    new: Evaluation
    units: list[UnitDelta]
    clauses: list[ClauseDelta]
    changes: list[Change]
    amendment: list[Edit] = field(default_factory=list)   # what the new version's delta(s) change, in order
    amends: str | None = None                              # the version those changes start from

    @property
    def amendment_of_old(self) -> bool:
        """The amendment's changes lead from the old version to the new one."""
        return bool(self.amendment) and self.amends == self.old.policy.id


def diff(old: Evaluation, new: Evaluation) -> Diff:
    changes = policy_changes(old.policy, new.policy)
    old_scores = {s.unit: s for s in old.scorecard.units}
    units = []
    for s in new.scorecard.units:
        o = old_scores.get(s.unit)
        if o is None:
            continue
        units.append(UnitDelta(s.unit, s.name, {k: getattr(o, k) for k in FIELDS}, {k: getattr(s, k) for k in FIELDS},
                               o.rank, s.rank, o.eligible, s.eligible))
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for i, ev in enumerate((old, new)):
        for f in ev.findings:
            sums[f.unit, f.clause][i] += f.points
    by_clause = defaultdict(list)
    for c in changes:
        by_clause[c.clause].append(f"{c.rule + ' ' if c.rule else ''}{c.what}")
    order = {**old.policy.clause_order, **new.policy.clause_order}
    clauses = [ClauseDelta(u, c, a, b, by_clause.get(c, []) or ["事实不同"])
               for (u, c), (a, b) in sums.items() if a != b]
    clauses.sort(key=lambda d: (d.unit, order.get(d.clause, 10**6)))
    amends, amendment = amendments_between(old.policy, new.policy)
    return Diff(old, new, units, clauses, changes, amendment, amends)


def to_dict(d: Diff) -> dict:
    return {
        "old": {"policy": d.old.policy.id, "facts": d.old.factset.path},
        "new": {"policy": d.new.policy.id, "facts": d.new.factset.path},
        "amendment": {"policy": d.new.policy.id, "amends": d.amends, "changes": [e.as_json() for e in d.amendment]}
        if d.amendment else None,
        "policy_changes": [{"clause": c.clause, "rule": c.rule, "change": c.what} for c in d.changes],
        "units": [{"unit": u.unit, "name": u.name, "old": u.old, "new": u.new, "delta": u.delta,
                   "old_rank": u.old_rank, "new_rank": u.new_rank,
                   "old_eligible": u.old_eligible, "new_eligible": u.new_eligible} for u in d.units],
        "clauses": [{"unit": c.unit, "clause": c.clause, "old": c.old, "new": c.new, "delta": c.delta,
                     "because": c.because} for c in d.clauses],
    }
