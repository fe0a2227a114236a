"""`evaluator diff`: the same year under two versions of the method (or two years under one).

First the amendment itself, when the new version is a delta (policy/amend.py): each change
it makes, clause by clause, old → new. Then per unit: old and new section scores, total and rank, with deltas, and whether award
eligibility changed. Per clause: the points that moved for each unit, attributed to the
rules and parameters of that clause that differ between the two policies.

When the two sides are two fact sets (--against-facts), it also names what differs between
them that is no rule's doing: a unit whose staff changed, with how much of its per-staff
sections' move that alone makes, and the units present on one side only.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from evaluator.domain.compare import TOTAL, score_fields
from evaluator.domain.evaluate import Evaluation
from evaluator.domain.policy.amend import Edit, amendments_between
from evaluator.domain.policy.compare import Change, policy_changes
from evaluator.domain.scorecard import UnitScore, per_staff
from evaluator.i18n import say


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
        return {k: v - self.old[k] for k, v in self.new.items() if k in self.old}


@dataclass(frozen=True)
class StaffEffect:
    """A per-staff section of a unit whose staff changed: its score before and after, and what
    the new points would have scored at the old staff, so that the staff's own part is visible."""
    section: str
    title: str
    old: Decimal
    new: Decimal
    at_old_staff: Decimal

    @property
    def by_staff(self) -> Decimal:
        """How much of the move the staff change alone makes."""
        return self.new - self.at_old_staff


@dataclass(frozen=True)
class StaffChange:
    unit: str
    name: str
    old: int
    new: int
    effects: list[StaffEffect]


@dataclass(frozen=True)
class Present:
    """A unit scored on one side only."""
    unit: str
    name: str


@dataclass
class ClauseDelta:
    unit: str
    clause: str
    old: Decimal
    new: Decimal
    changes: list[Change] = field(default_factory=list)   # what the new version changes in this clause
    same_facts: bool = True

    @property
    def because(self) -> list[str]:
        """Why the clause's points moved, in words: its own changes, else what else can move them."""
        if self.changes:
            return [c.sentence for c in self.changes]
        if self.same_facts:   # the clause is as it was: another clause's change moved it (a cap, a replacement)
            return [say("本条款的规则和参数未改,分值随其他条款的修改而变(如封顶、替代)",
                        "this clause is unchanged; its points move with another clause's change (a cap, a replacement)")]
        return [say("事实不同", "the facts differ")]

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
    staff_changes: list[StaffChange] = field(default_factory=list)
    only_old: list[Present] = field(default_factory=list)  # units scored in the old fact set only
    only_new: list[Present] = field(default_factory=list)

    @property
    def fields(self) -> tuple[str, ...]:
        """The scores set side by side: the new policy's sections that the old one has too, and the total."""
        old = set(score_fields(self.old.policy.policy))
        return tuple(k for k in score_fields(self.new.policy.policy) if k in old)

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
        units.append(UnitDelta(s.unit, s.name, _scores(o), _scores(s), o.rank, s.rank, o.eligible, s.eligible))
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for i, ev in enumerate((old, new)):
        for f in ev.findings:
            sums[f.unit, f.clause][i] += f.points
    by_clause: dict[str, list[Change]] = defaultdict(list)
    for c in changes:
        by_clause[c.clause].append(c)
    order = {**old.policy.clause_order, **new.policy.clause_order}
    same_facts = old.factset is new.factset or bool(old.factset.sha256) and old.factset.sha256 == new.factset.sha256
    clauses = [ClauseDelta(u, c, a, b, by_clause.get(c, []), same_facts)
               for (u, c), (a, b) in sums.items() if a != b]
    clauses.sort(key=lambda d: (d.unit, order.get(d.clause, 10**6)))
    amends, amendment = amendments_between(old.policy, new.policy)
    new_scores = {s.unit: s for s in new.scorecard.units}
    return Diff(old, new, units, clauses, changes, amendment, amends,
                staff_changes=[_staff_change(old_scores[u.unit], new_scores[u.unit]) for u in units
                               if old_scores[u.unit].staff != new_scores[u.unit].staff],
                only_old=[Present(s.unit, s.name) for s in old.scorecard.units if s.unit not in new_scores],
                only_new=[Present(s.unit, s.name) for s in new.scorecard.units if s.unit not in old_scores])


def _scores(s: UnitScore) -> dict[str, Decimal]:
    return {**{p.score_key: p.score for p in s.sections}, TOTAL: s.total}


def _staff_change(old: UnitScore, new: UnitScore) -> StaffChange:
    before = {p.id: p for p in old.sections}
    effects = [StaffEffect(p.id, p.section.title, before[p.id].score if p.id in before else Decimal(0), p.score,
                           per_staff(p.section, p.points, old.staff))
               for p in new.sections if p.section.per_staff]
    return StaffChange(new.unit, new.name, old.staff, new.staff, effects)


def comparing(d: Diff) -> str:
    """2024 年按《…(试行)》与 2024 年按《…(2025 年修订草案)》: the two sides, old first, each policy by its title."""
    return say("{a} 年按{pa}与 {b} 年按{pb}", "{a} ({pa}) and {b} ({pb})", a=d.old.factset.year,
               pa=d.old.policy.named, b=d.new.factset.year, pb=d.new.policy.named)


def facts_compared(d: Diff) -> str:
    """The fact files of the two sides: one when both read the same, else old → new."""
    if d.old.factset.path == d.new.factset.path:
        return say("事实:{p}", "facts: {p}", p=d.new.factset.path)
    return say("事实:{a} → {b}", "facts: {a} → {b}", a=d.old.factset.path, b=d.new.factset.path)


def to_dict(d: Diff) -> dict:
    return {
        "comparing": comparing(d),
        "old": {"year": d.old.factset.year, "policy": d.old.policy.id, "facts": d.old.factset.path},
        "new": {"year": d.new.factset.year, "policy": d.new.policy.id, "facts": d.new.factset.path},
        "amendment": {"policy": d.new.policy.id, "amends": d.amends, "changes": [e.as_json(d.new.policy) for e in d.amendment]}
        if d.amendment else None,
        "policy_changes": [{"clause": c.clause, "rule": c.rule, "change": c.sentence} for c in d.changes],
        "units": [{"unit": u.unit, "name": u.name, "old": u.old, "new": u.new, "delta": u.delta,
                   "old_rank": u.old_rank, "new_rank": u.new_rank,
                   "old_eligible": u.old_eligible, "new_eligible": u.new_eligible} for u in d.units],
        "clauses": [{"unit": c.unit, "clause": c.clause, "old": c.old, "new": c.new, "delta": c.delta,
                     "because": c.because} for c in d.clauses],
        "staff_changes": [{"unit": c.unit, "name": c.name, "old": c.old, "new": c.new,
                           "sections": [{"section": e.section, "old": e.old, "new": e.new,
                                         "at_old_staff": e.at_old_staff, "by_staff": e.by_staff} for e in c.effects]}
                          for c in d.staff_changes],
        "only_old": [{"unit": p.unit, "name": p.name} for p in d.only_old],
        "only_new": [{"unit": p.unit, "name": p.name} for p in d.only_new],
    }
