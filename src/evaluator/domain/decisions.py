"""The decision log: every decision the evaluation made, recorded once.

The engine says which rule matched which fact; this module turns each match into a
`Decision` for each unit the rule credits, of one kind:

- `awarded`   the rule gives or takes points (or, at rate 0, decides something the scorecard
              reads, such as a disqualification): a *finding*;
- `zero`      the rule matched but its quantity is nothing (no errors, no missed step): no points;
- `silent`    the rule decides that nothing is due (a leave within the limit): no points, by design;
- `withheld`  the rule matched but another rule of its clause replaces its award (R7);
- `excluded`  a record a derivation considered and did not count (R8), with the derived fact;
- `near_miss` a rule whose threshold to be reached the fact missed by less than `NEAR` of it (a
              tier not reached), found by the engine in the same pass (nearmiss.py).

Findings, `explain`, `why-not`, `coverage` and the reports are views of this log: none of them
evaluates a condition again. The one exception is kept here too: why a rule did *not* apply to a
fact (`DecisionLog.outcomes`) is the rule's parsed condition tried on the fact's values, for the
unit and clause asked about, when asked — it is not a decision the evaluation made, and trying
every rule on every fact in advance would cost more than the evaluation itself.

An explanation is rendered when it is first read (a report, the JSON, a page), not for every
match: a million findings cost a million `format_map`s only when their text is written.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from operator import attrgetter
from typing import Any, Iterable, Iterator, Mapping

from evaluator.domain.conditions import Test
from evaluator.domain.derive import DerivedFact, field_values
from evaluator.domain.engine import Match
from evaluator.domain.findings import Decision, RenderContext, credited_units, quantity_of
from evaluator.domain.nearmiss import missed_tests
from evaluator.domain.numbers import ZERO, decimal
from evaluator.domain.policy.load import CompiledPolicy, CompiledRule

KINDS = ("awarded", "zero", "silent", "withheld", "excluded", "near_miss")


@dataclass
class DecisionLog:
    policy: CompiledPolicy
    decisions: list[Decision]                 # awarded, zero, silent, withheld, excluded; in policy order
    near_misses: list[Decision] = field(default_factory=list)   # found by the engine in the same pass
    sources: tuple[Iterable[Any], ...] = ()   # the facts and the derived facts the decisions were made on

    @cached_property
    def facts(self) -> dict[str, Any]:
        """Every fact and derived fact by id (built when a view first asks)."""
        return {f.id: f for facts in self.sources for f in facts}

    @cached_property
    def findings(self) -> list[Decision]:
        return [d for d in self.decisions if d.kind == "awarded"]

    def of(self, unit: str | None = None, clause: str | None = None, kinds: Iterable[str] | None = None) -> list[Decision]:
        wanted = set(kinds) if kinds is not None else None
        near = self.near_misses if wanted is None or "near_miss" in wanted else ()
        return [d for d in (*self.decisions, *near)
                if (unit is None or d.unit == unit) and (clause is None or d.clause == clause)
                and (wanted is None or d.kind in wanted)]

    def counts(self) -> dict[str, dict[str, int]]:
        """clause -> kind -> how many decisions (near misses included)."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
        for d in (*self.decisions, *self.near_misses):
            out[d.clause][d.kind] += 1
        return out

    def outcomes(self, unit: str, clause: str) -> list[tuple[Any, list[Decision | "NotMet"]]]:
        """Every fact the clause considers for the unit, with what each of its rules decided about it:
        the log's decisions, and for a rule that did not apply, the tests that failed (NotMet)."""
        rules = self.policy.rules_of(clause)
        types = {r.rule.fact for r in rules}
        mine: dict[str, list[Decision]] = defaultdict(list)
        for d in self.decisions:
            if d.unit == unit and d.clause == clause and d.fact is not None:
                mine[d.fact.id].append(d)
        considered = [f for f in self.facts.values() if f.type in types and (
            f.unit == unit or any(unit in credited_units(r, f) for r in rules if r.rule.fact == f.type))]
        out = []
        for fact in sorted(considered, key=lambda f: f.id):
            decided = {d.compiled.key: d for d in mine.get(fact.id, ()) if d.compiled is not None}
            entries: list[Decision | NotMet] = []
            for rule in (r for r in rules if r.rule.fact == fact.type):
                if rule.key in decided:
                    entries.append(decided[rule.key])
                elif unit in credited_units(rule, fact):
                    entries.append(NotMet(rule, fact, tuple(rule.condition.failures(field_values(fact)))))
            entries += [d for d in mine.get(fact.id, ()) if d.kind == "excluded"]
            out.append((fact, entries))
        return out


@dataclass(frozen=True)
class NotMet:
    """A rule of the clause that did not apply to a fact: the tests that failed (none: it needed a
    partner record the unit does not have)."""
    rule: CompiledRule
    fact: Any
    failed: tuple[Test, ...]
    kind: str = "not_met"


def _in_order(policy: CompiledPolicy, decisions: Iterable[Decision]) -> list[Decision]:
    """By unit, clause (policy order), rule (policy order), then evidence: the same however the
    facts were asserted. Grouped first, so only the few groups are sorted by a composed key and
    each group by its evidence alone (a million composed keys cost seconds)."""
    clauses = policy.clause_order
    order = {r.id: r.order for r in policy.rules}
    groups: dict[tuple[str, str, str], list[Decision]] = defaultdict(list)
    for d in decisions:
        groups[d.unit, d.clause, d.rule].append(d)
    ordered: list[Decision] = []
    for key in sorted(groups, key=lambda k: (k[0], clauses[k[1]], order.get(k[2], -1), k[2])):
        group = groups[key]
        group.sort(key=_EVIDENCE)
        ordered += group
    return ordered


_EVIDENCE = attrgetter("evidence")


def decide(policy: CompiledPolicy, matches: Iterable[Match], unit_names: Mapping[str, str],
           derived: Iterable[DerivedFact] = (), sources: tuple[Iterable[Any], ...] = ()) -> DecisionLog:
    """The log of one evaluation, from the engine's matches (and the derivations' exclusions)."""
    context = RenderContext(policy, unit_names)
    matches = list(matches)
    matched = list(_matched(m for m in matches if not m.near))
    replacers = {r.key for r in policy.rules if r.rule.replaces}     # R7: a few rules; skip the rest fast
    replacing = {(rule.clause.id, rule.rule.replaces, fact.id): rule
                 for rule, facts, _ in matched if rule.key in replacers for fact in facts} if replacers else {}
    decisions: list[Decision] = []
    plans: dict[str, _Plan] = {}
    for rule, facts, joined in matched:
        plan = plans.get(rule.key)
        if plan is None:
            plan = plans[rule.key] = _Plan(rule)
        for fact in facts:
            by = replacing.get((plan.clause, plan.id, fact.id)) if replacing else None
            quantity = decimal(fact.quantity) if plan.counts else quantity_of(rule, fact)
            if by is not None:
                kind = "withheld"
            elif plan.silent:
                kind = "silent"
            elif plan.rated and quantity == 0:
                kind = "zero"
            else:
                kind = "awarded"
            for unit in (fact.unit,) if plan.own_unit else credited_units(rule, fact):
                decisions.append(plan.decision(context, kind, unit, fact, joined, quantity, by))
    readers = _readers(policy)
    for d in derived:
        clause = readers.get(d.type)
        for fid in d.not_counted if clause is not None else ():
            decisions.append(Decision("excluded", d.unit, clause.id, "", ZERO, (fid,), clause.section, ZERO, ZERO,
                                      derived_from=d.id, fact=d, _context=context))
    return DecisionLog(policy, _in_order(policy, decisions), _near_misses(context, matches), sources)


class _Plan:
    """What every decision of one rule shares, read from the compiled rule once, not once per
    fact (a year's hundred thousand decisions come from a few dozen rules)."""
    __slots__ = ("rule", "clause", "id", "section", "rate", "rated", "silent", "counts", "own_unit",
                 "disqualifies", "points_of")

    def __init__(self, rule: CompiledRule):
        self.rule, self.clause, self.id, self.section = rule, rule.clause.id, rule.id, rule.clause.section
        self.rate, self.rated, self.silent = rule.rate, rule.rate != 0, rule.rule.silent
        self.counts = rule.quantity.kind == "count"
        self.own_unit = rule.rule.credit == "unit"
        self.disqualifies = rule.rule.disqualifies
        # A year's million awards repeat a few counts: one Decimal (104 bytes) per count.
        self.points_of: dict[int, Decimal] = {}

    def decision(self, context: RenderContext, kind: str, unit: str, fact: Any, joined: tuple,
                 quantity: Decimal, by: CompiledRule | None = None, missed: tuple = ()) -> Decision:
        derived = type(fact) is DerivedFact
        evidence = fact.evidence if derived else (fact.id,)
        for _, facts in joined:
            evidence += tuple(f.id for f in facts)
        if kind != "awarded":
            points = ZERO
        elif self.counts and type(count := fact.quantity) is int:
            points = self.points_of.get(count)
            if points is None:
                points = self.points_of[count] = self.rate * quantity
        else:
            points = self.rate * quantity
        return Decision(kind, unit, self.clause, self.id, points, evidence, self.section, self.rate, quantity,
                        self.disqualifies and kind == "awarded", fact.unit if unit != fact.unit else None,
                        fact.id if derived else None, self.rule, fact, joined, by, missed, context)


def _near_misses(context: RenderContext, matches: list[Match]) -> list[Decision]:
    """A fact the lowered rule matched and the rule itself did not (nearmiss.py)."""
    near = [m for m in matches if m.near]
    if not near:
        return []
    # Only the facts a lowered rule matched can be near misses, and only the matches of the
    # few rules that have a lowered form can reach them: a million matched facts are never
    # visited one by one for this.
    candidates = {fact.id for m in near for fact in m.facts}
    lowered = {m.rule.key for m in near}
    reached = {(m.rule.key, fact.id) for m in matches if not m.near and m.rule.key in lowered
               for fact in m.facts if fact.id in candidates}
    found = []
    for m in near:
        plan = _Plan(m.rule)
        for fact in m.facts:
            if (m.rule.key, fact.id) not in reached:
                missed = missed_tests(m.rule.condition, field_values(fact))
                found += [plan.decision(context, "near_miss", unit, fact, (), quantity_of(m.rule, fact), missed=missed)
                          for unit in credited_units(m.rule, fact)]
    return _in_order(context.policy, found)


def _readers(policy: CompiledPolicy) -> dict[str, Any]:
    """The clause whose rules read each derived type (the first, in policy order)."""
    out: dict[str, Any] = {}
    for r in policy.rules:
        out.setdefault(r.rule.fact, r.clause)
    return out


def _matched(matches: Iterable[Match]) -> Iterator[tuple[CompiledRule, tuple[Any, ...], tuple]]:
    """(rule, facts, joined), each fact once per rule. A rule without joins fires once per
    engine fact, for all its alike facts at once; a join can fire for one fact with several
    partners, merged here."""
    joins: dict[tuple, tuple[CompiledRule, Any, dict[str, dict[str, Any]]]] = {}
    for m in matches:
        if not m.joined:
            yield m.rule, m.facts, ()
            continue
        for fact in m.facts:
            _, _, partners = joins.setdefault((m.rule.key, fact.id), (m.rule, fact, {}))
            for name, facts in m.joined:
                partners.setdefault(name, {}).update((f.id, f) for f in facts)
    for rule, fact, partners in joins.values():
        yield rule, (fact,), tuple((n, tuple(sorted(fs.values(), key=lambda f: f.id))) for n, fs in sorted(partners.items()))
