"""From the engine's matches to findings: who gets how many points, and why.

A finding is one rule's decision about one fact (or derived fact) for one unit:
its clause, rule, exact points (rate x quantity), the ids of its evidence facts and
an explanation in Chinese with the arithmetic. Everything here is driven by the
compiled policy: the rate, what it multiplies, who is credited, what is overridden.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Iterable, Mapping

from .derive import DerivedFact, field_values
from .engine import Match
from .numbers import ZERO, plain, signed
from .policy.load import CompiledPolicy, CompiledRule


@dataclass(frozen=True)
class Finding:
    unit: str
    clause: str
    rule: str
    points: Decimal
    evidence: tuple[str, ...]
    explanation: str
    section: str
    rate: Decimal
    quantity: Decimal
    disqualifies: bool = False
    source_unit: str | None = None     # the fact's own unit, when another unit is credited
    derived_from: str | None = None    # the derived fact this finding reads, if any

    @property
    def id(self) -> str:
        """Stable across runs of the same inputs."""
        return f"{self.unit}/{self.clause}/{self.rule}/{self.evidence[0] if self.evidence else '-'}"


def make_findings(policy: CompiledPolicy, matches: Iterable[Match], unit_names: Mapping[str, str]) -> list[Finding]:
    merged = _merge(matches)
    overridden = {(m.rule.clause.id, m.rule.rule.replaces, m.fact.id)
                  for m in merged if m.rule.rule.replaces}
    findings: list[Finding] = []
    for match in merged:
        rule = match.rule
        if (rule.clause.id, rule.id, match.fact.id) in overridden or rule.rule.silent:
            continue
        findings.extend(_findings_of(policy, match, unit_names))
    return sort_findings(policy, findings)


def sort_findings(policy: CompiledPolicy, findings: Iterable[Finding]) -> list[Finding]:
    order = {r.id: r.order for r in policy.rules}
    return sorted(findings, key=lambda f: (f.unit, policy.clause_order[f.clause], order[f.rule], f.evidence))


def _merge(matches: Iterable[Match]) -> list[Match]:
    """One match per (rule, fact): a fact joined with several others is one decision."""
    joined: dict[tuple, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    first: dict[tuple, Match] = {}
    for m in matches:
        key = (m.rule.key, m.fact.id)
        first.setdefault(key, m)
        for name, facts in m.joined:
            joined[key][name].update((f.id, f) for f in facts)
    out = []
    for key, m in first.items():
        names = joined.get(key, {})
        out.append(Match(m.rule, m.fact, tuple((n, tuple(sorted(fs.values(), key=lambda f: f.id)))
                                               for n, fs in sorted(names.items()))))
    return out


def quantity_of(rule: CompiledRule, fact: Any) -> Decimal:
    q = rule.quantity
    values = field_values(fact)
    if q.kind == "count":
        return Decimal(fact.quantity)
    if q.kind == "field":
        return Decimal(values[q.field])
    if q.kind == "size_of":
        return Decimal(len(values[q.field]))
    return max(ZERO, Decimal(values[q.field]) - q.over)  # excess


def _credited(rule: CompiledRule, fact: Any) -> list[str]:
    credit = rule.rule.credit
    if credit == "unit":
        return [fact.unit]
    value = field_values(fact).get(credit)
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value] if value else []


def _findings_of(policy: CompiledPolicy, match: Match, unit_names: Mapping[str, str]) -> list[Finding]:
    rule, fact = match.rule, match.fact
    quantity = quantity_of(rule, fact)
    points = rule.rate * quantity
    if rule.rate != 0 and quantity == 0:
        return []  # nothing to give or take (no errors, no missing steps)
    evidence = list(fact.evidence if isinstance(fact, DerivedFact) else (fact.id,))
    for _, facts in match.joined:
        evidence += [f.id for f in facts]
    out = []
    for unit in _credited(rule, fact):
        text = explain(policy, match, quantity, points, unit, unit_names)
        out.append(Finding(
            unit=unit, clause=rule.clause.id, rule=rule.id, points=points, evidence=tuple(evidence),
            explanation=text, section=rule.clause.section, rate=rule.rate, quantity=quantity,
            disqualifies=rule.rule.disqualifies, source_unit=fact.unit if unit != fact.unit else None,
            derived_from=fact.id if isinstance(fact, DerivedFact) else None))
    return out


class _Context(dict):
    """Template values; a field the fact does not have renders as empty, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def explain(policy: CompiledPolicy, match: Match, quantity: Decimal, points: Decimal,
            credited: str, unit_names: Mapping[str, str]) -> str:
    rule, fact = match.rule, match.fact
    context = _Context(_labelled(policy, fact))
    context.update(
        quantity=plain(quantity), rate=signed(rule.rate), rate_abs=plain(abs(rule.rate)),
        points=signed(points), over=plain(rule.quantity.over) if rule.quantity.over is not None else "",
        unit_name=unit_names.get(fact.unit, fact.unit), credited=credited,
        credited_name=unit_names.get(credited, credited), clause=rule.clause.id, id=fact.id)
    context.update((name, plain(p.value).lstrip("\u2212")) for name, p in rule.clause.parameters.items())
    if isinstance(fact, DerivedFact):
        context["breakdown"] = _parts(policy, fact, fact.breakdown)
        context["not_counted"] = _parts(policy, fact, fact.not_counted_breakdown)
    for name, facts in match.joined:
        context[name] = SimpleNamespace(id="、".join(f.id for f in facts),
                                        **{k: v for k, v in _labelled(policy, facts[0]).items() if k != "id"})
    return rule.rule.explain.format_map(context).strip()


def _labelled(policy: CompiledPolicy, fact: Any) -> dict[str, Any]:
    out = {}
    for name, value in field_values(fact).items():
        if isinstance(value, bool):
            out[name] = "是" if value else "否"
        elif isinstance(value, Decimal):
            out[name] = plain(value)
        elif isinstance(value, (str, list, tuple)):
            out[name] = policy.label(fact.type, name, value)
        elif value is not None:
            out[name] = value
    return out


def _parts(policy: CompiledPolicy, fact: DerivedFact, parts: Iterable[tuple[str, Decimal]]) -> str:
    source = next(d.spec for d in policy.derivations if d.spec.type == fact.type)
    return " + ".join(f"{policy.label(source.source, source.breakdown_by or '', k)} {plain(v)}" for k, v in parts)
