"""From the engine's matches to findings: who gets how many points, and why.

A finding is one rule's decision about one fact (or derived fact) for one unit:
its clause, rule, exact points (rate x quantity), the ids of its evidence facts and
an explanation in Chinese with the arithmetic. Everything here is driven by the
compiled policy: the rate, what it multiplies, who is credited, what is overridden.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Iterable, Mapping

from .derive import DerivedFact, field_values
from .engine import Match
from .numbers import ZERO, plain, signed
from .policy.load import CompiledPolicy, CompiledRule, template_names


@dataclass(slots=True)  # not frozen: a frozen __init__ costs a second per million findings
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
    decisions = list(_decisions(matches))
    overridden = {(rule.clause.id, rule.rule.replaces, fact.id)
                  for rule, fact, _ in decisions if rule.rule.replaces}
    findings: list[Finding] = []
    for rule, fact, joined in decisions:
        if rule.rule.silent or (overridden and (rule.clause.id, rule.id, fact.id) in overridden):
            continue
        findings.extend(_findings_of(policy, rule, fact, joined, unit_names))
    return sort_findings(policy, findings)


def sort_findings(policy: CompiledPolicy, findings: Iterable[Finding]) -> list[Finding]:
    order = {r.id: r.order for r in policy.rules}
    clauses = policy.clause_order
    return sorted(findings, key=lambda f: (f.unit, clauses[f.clause], order[f.rule], f.evidence))


def _decisions(matches: Iterable[Match]):
    """(rule, fact, joined) once per rule and fact. A rule without joins fires once per
    engine fact; a join can fire for one fact with several partners, merged here."""
    joins: dict[tuple, tuple[CompiledRule, Any, dict[str, dict[str, Any]]]] = {}
    for m in matches:
        if not m.joined:
            for fact in m.facts:
                yield m.rule, fact, ()
            continue
        for fact in m.facts:
            _, _, partners = joins.setdefault((m.rule.key, fact.id), (m.rule, fact, {}))
            for name, facts in m.joined:
                partners.setdefault(name, {}).update((f.id, f) for f in facts)
    for rule, fact, partners in joins.values():
        yield rule, fact, tuple((n, tuple(sorted(fs.values(), key=lambda f: f.id))) for n, fs in sorted(partners.items()))


def quantity_of(rule: CompiledRule, fact: Any) -> Decimal:
    q = rule.quantity
    if q.kind == "count":
        return Decimal(fact.quantity)
    values = field_values(fact)
    if q.kind == "field":
        return Decimal(values[q.field])
    if q.kind == "size_of":
        return Decimal(len(values[q.field]))
    return max(ZERO, Decimal(values[q.field]) - q.over)  # excess


def credited_units(rule: CompiledRule, fact: Any) -> list[str]:
    """The units a rule gives a fact's points to: its own unit, each coordinator, a reviewer."""
    credit = rule.rule.credit
    if credit == "unit":
        return [fact.unit]
    value = field_values(fact).get(credit)
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value] if value else []


def _findings_of(policy: CompiledPolicy, rule: CompiledRule, fact: Any, joined: tuple,
                 unit_names: Mapping[str, str]) -> list[Finding]:
    quantity = quantity_of(rule, fact)
    if rule.rate != 0 and quantity == 0:
        return []  # nothing to give or take (no errors, no missing steps)
    points = rule.rate * quantity
    evidence = fact.evidence if isinstance(fact, DerivedFact) else (fact.id,)
    for _, facts in joined:
        evidence += tuple(f.id for f in facts)
    derived_from = fact.id if isinstance(fact, DerivedFact) else None
    return [Finding(unit, rule.clause.id, rule.id, points, evidence,
                    explain(policy, rule, fact, joined, quantity, points, unit, unit_names),
                    rule.clause.section, rule.rate, quantity, rule.rule.disqualifies,
                    fact.unit if unit != fact.unit else None, derived_from)
            for unit in credited_units(rule, fact)]


class _Context(dict):
    """Template values; a field the fact does not have renders as empty, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def explain(policy: CompiledPolicy, rule: CompiledRule, fact: Any, joined: tuple, quantity: Decimal,
            points: Decimal, credited: str, unit_names: Mapping[str, str]) -> str:
    """The rule's explanation for one fact. Its clause's `{parameter}`s were filled in when the
    policy was compiled (policy/wording.py); what is left are the fact's values and the arithmetic."""
    used = template_names(rule.rule.explain)
    context = _Context(_labelled(policy, fact, used))
    for name in used & _CONSTANTS.keys():
        context[name] = _CONSTANTS[name](rule, fact, quantity, points, credited, unit_names)
    if isinstance(fact, DerivedFact):
        if "breakdown" in used:
            context["breakdown"] = _parts(policy, fact, fact.breakdown)
        if "not_counted" in used:
            context["not_counted"] = _parts(policy, fact, fact.not_counted_breakdown)
    for name, facts in joined:
        context[name] = SimpleNamespace(id="、".join(f.id for f in facts),
                                        **{k: v for k, v in _labelled(policy, facts[0], None).items() if k != "id"})
    return rule.rule.explain.format_map(context).strip()


# Values an explanation can name beside the fact's fields (policy/load.py EXPLAIN_NAMES).
_CONSTANTS = {
    "quantity": lambda r, f, q, p, c, n: plain(q),
    "rate": lambda r, f, q, p, c, n: signed(r.rate),
    "rate_abs": lambda r, f, q, p, c, n: plain(abs(r.rate)),
    "points": lambda r, f, q, p, c, n: signed(p),
    "over": lambda r, f, q, p, c, n: plain(r.quantity.over) if r.quantity.over is not None else "",
    "unit_name": lambda r, f, q, p, c, n: n.get(f.unit, f.unit),
    "credited": lambda r, f, q, p, c, n: c,
    "credited_name": lambda r, f, q, p, c, n: n.get(c, c),
    "clause": lambda r, f, q, p, c, n: r.clause.id,
    "id": lambda r, f, q, p, c, n: f.id,
}


def _labelled(policy: CompiledPolicy, fact: Any, used: frozenset[str] | None) -> dict[str, Any]:
    """The fact's fields as an explanation shows them; only those the template uses."""
    values = field_values(fact)
    out = {}
    for name in values if used is None else used & values.keys():
        value = values[name]
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
