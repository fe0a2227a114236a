"""A decision of one rule about one fact, for one unit: what it gives and how it reads.

A `Decision` (decisions.py builds the log of them) carries its clause, rule, exact points
(rate x quantity), the ids of its evidence records, and renders its explanation in Chinese
with the arithmetic when first read. A *finding* is a decision that moves points (kind
`awarded`): the reports and the JSON list findings. Everything here is driven by the
compiled policy: the rate, what it multiplies, who is credited.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Iterable, Mapping

from evaluator.domain.conditions import Test
from evaluator.domain.derive import DerivedFact, field_values
from evaluator.domain.numbers import ZERO, decimal, plain, signed
from evaluator.domain.policy.load import CompiledPolicy, CompiledRule, labelled, template_names


class RenderContext:
    """What rendering an explanation needs: shared by every decision of one log, with each
    rule's explainer made once (per rule and the type of fact it reads) for all of them."""
    __slots__ = ("policy", "names", "explainers")

    def __init__(self, policy: CompiledPolicy, names: Mapping[str, str]):
        self.policy, self.names = policy, names
        self.explainers: dict[tuple[str, str], Explainer] = {}

    def explainer(self, rule: CompiledRule, fact_type: str) -> "Explainer":
        key = (rule.key, fact_type)
        found = self.explainers.get(key)
        if found is None:
            found = self.explainers[key] = Explainer(self.policy, rule, fact_type)
        return found


@dataclass(slots=True, eq=False)
class Decision:
    kind: str
    unit: str                           # the unit the decision is for (the credited unit)
    clause: str
    rule: str                           # the rule's id ('' for an exclusion, which a derivation made)
    points: Decimal
    evidence: tuple[str, ...]           # the input records it rests on
    section: str
    rate: Decimal
    quantity: Decimal
    disqualifies: bool = False
    source_unit: str | None = None      # the fact's own unit, when another unit is credited
    derived_from: str | None = None     # the derived fact it reads (or, excluded, that left it out)
    compiled: CompiledRule | None = None
    fact: Any = None
    joined: tuple = ()
    by: CompiledRule | None = None      # withheld: the rule that replaced this award (R7)
    missed: tuple[Test, ...] = ()       # near miss: the tests the fact missed
    _context: RenderContext | None = None
    _text: str | None = None

    @property
    def id(self) -> str:
        """Stable across runs of the same inputs."""
        return f"{self.unit}/{self.clause}/{self.rule}/{self.evidence[0] if self.evidence else '-'}"

    @property
    def explanation(self) -> str:
        """The rule's explanation with the fact's values and the arithmetic, rendered once, when first read."""
        if self._text is None:
            self._text = self._render()
        return self._text

    def explanation_unkept(self) -> str:
        """The explanation, not kept on the decision unless it already was: what a writer that
        streams a million findings reads (kept, their texts would outlive the write, ~0.3 GB)."""
        return self._text if self._text is not None else self._render()

    def _render(self) -> str:
        compiled, c = self.compiled, self._context
        if compiled is None or c is None:
            return ""
        explainer = c.explainers.get((compiled.key, self.fact.type)) or c.explainer(compiled, self.fact.type)
        # An award's points are its rule's rate × quantity, one shared Decimal per count (decisions.py),
        # whose text `signed` has cached; any other kind holds 0 and shows what the rule would give.
        points = self.points if self.kind == "awarded" else compiled.rate * self.quantity
        return explainer.text(self.fact, self.joined, self.quantity, points, self.unit, c.names)

    @property
    def fact_id(self) -> str:
        """The input record a decision is about (a derived fact's first record)."""
        return self.evidence[0] if self.evidence else (self.fact.id if self.fact is not None else "")


# A finding is a decision that moves points (or that the scorecard reads): the name the
# reports, the JSON and the method's own text use.
Finding = Decision


def quantity_of(rule: CompiledRule, fact: Any) -> Decimal:
    q = rule.quantity
    if q.kind == "count":
        return decimal(fact.quantity)
    values = field_values(fact)
    if q.kind == "field":
        return decimal(values[q.field])
    if q.kind == "size_of":
        return decimal(len(values[q.field]))
    return max(ZERO, decimal(values[q.field]) - q.over)  # excess


def credited_units(rule: CompiledRule, fact: Any) -> list[str]:
    """The units a rule gives a fact's points to: its own unit, each coordinator, a reviewer."""
    credit = rule.rule.credit
    if credit == "unit":
        return [fact.unit]
    value = field_values(fact).get(credit)
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value] if value else []


class _Context(dict):
    """Template values; a field the fact does not have renders as empty, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


class Explainer:
    """A rule's explanation, ready for the facts it explains. Its clause's `{parameter}`s were
    filled in when the policy was compiled (policy/wording.py); what is left are the fact's
    values and the arithmetic. What does not depend on the fact is worked out once per rule,
    not once per finding: the rule's own values (its rate, its clause) are written into the
    template, and each field the template shows comes with its office labels."""
    __slots__ = ("policy", "template", "fields", "fixed", "shows_quantity", "shows_points", "per_fact", "derived")

    def __init__(self, policy: CompiledPolicy, rule: CompiledRule, fact_type: str):
        self.policy = policy
        used = template_names(rule.rule.explain)
        labels = policy.policy.labels.values
        self.fields = tuple((name, labels.get(f"{fact_type}.{name}", {}))   # a field and its office labels
                            for name in sorted(used - _CONSTANTS.keys() - _PER_FACT.keys() - _DERIVED_NAMES))
        constants = {name: _CONSTANTS[name](rule) for name in sorted(used & _CONSTANTS.keys())}
        self.template, self.fixed = _written_in(rule.rule.explain, constants)
        self.shows_quantity, self.shows_points = "quantity" in used, "points" in used
        self.per_fact = tuple((name, _PER_FACT[name]) for name in sorted(used & _PER_FACT.keys() - _ARITHMETIC))
        self.derived = used & _DERIVED_NAMES

    def text(self, fact: Any, joined: tuple, quantity: Decimal, points: Decimal, credited: str,
             unit_names: Mapping[str, str]) -> str:
        # Called once per finding written (a million at 1M facts): each step that most
        # explanations do not need is skipped by one test.
        values = fact.values if type(fact) is DerivedFact else fact.__dict__
        context = _Context()
        for name, labels in self.fields:
            value = values.get(name)
            if value is not None:
                # most shown fields are text: its label, or itself (labelled() without the calls)
                context[name] = labels.get(value, value) if type(value) is str else _shown_with(labels, value)
        if self.fixed:
            context.update(self.fixed)   # the computed names win over a field of the same name
        if self.shows_quantity:
            context["quantity"] = plain(quantity)
        if self.shows_points:
            context["points"] = signed(points)
        if self.per_fact:
            for name, value_of in self.per_fact:
                context[name] = value_of(fact, quantity, points, credited, unit_names)
        if self.derived and isinstance(fact, DerivedFact):
            if "breakdown" in self.derived:
                context["breakdown"] = _parts(self.policy, fact, fact.breakdown)
            if "not_counted" in self.derived:
                context["not_counted"] = _parts(self.policy, fact, fact.not_counted_breakdown)
        if joined:
            for name, facts in joined:
                context[name] = SimpleNamespace(id="、".join(f.id for f in facts),
                                                **{k: v for k, v in _labelled(self.policy, facts[0]).items() if k != "id"})
        return self.template.format_map(context).strip()


def _written_in(template: str, constants: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The template with the rule's own values written in where it shows them as they are, and
    those it shows otherwise (`{rate!r}`, `{rate:>4}`: none today) left to fill per fact."""
    out: list[str] = []
    left: dict[str, str] = {}
    for literal, name, spec, conversion in string.Formatter().parse(template):
        out.append(_escaped(literal))
        if name is None:
            continue
        if name in constants and not spec and not conversion:
            out.append(_escaped(constants[name]))
            continue
        if name in constants:
            left[name] = constants[name]
        out.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out), left


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


_DERIVED_NAMES = frozenset({"breakdown", "not_counted"})

# Values an explanation can name beside the fact's fields (policy/load.py EXPLAIN_NAMES):
# those of the rule alone, worked out once per rule, and those of each fact and its points.
_CONSTANTS = {
    "rate": lambda r: signed(r.rate),
    "rate_abs": lambda r: plain(abs(r.rate)),
    "over": lambda r: plain(r.quantity.over) if r.quantity.over is not None else "",
    "clause": lambda r: r.clause.id,
}
_PER_FACT = {
    "quantity": lambda f, q, p, c, n: plain(q),
    "points": lambda f, q, p, c, n: signed(p),
    "unit_name": lambda f, q, p, c, n: n.get(f.unit, f.unit),
    "credited": lambda f, q, p, c, n: c,
    "credited_name": lambda f, q, p, c, n: n.get(c, c),
    "id": lambda f, q, p, c, n: f.id,
}
_ARITHMETIC = frozenset({"quantity", "points"})   # of every explanation nearly: filled without a call


def _labelled(policy: CompiledPolicy, fact: Any) -> dict[str, Any]:
    """All the fact's fields as an explanation shows them (a joined partner's, `{first_reading.date}`)."""
    return {name: _shown(policy, fact.type, name, value) for name, value in field_values(fact).items()
            if value is not None}


def _shown(policy: CompiledPolicy, fact_type: str, name: str, value: Any) -> Any:
    """A field's value as an explanation shows it: 是/否, a plain number, the office's label."""
    return _shown_with(policy.policy.labels.values.get(f"{fact_type}.{name}", {}), value)


def _shown_with(labels: Mapping[str, str], value: Any) -> Any:
    """The same, with the field's labels at hand."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, (str, list, tuple)):
        return labelled(labels, value)
    return value


def _parts(policy: CompiledPolicy, fact: DerivedFact, parts: Iterable[tuple[str, Decimal]]) -> str:
    source = next(d.spec for d in policy.derivations if d.spec.type == fact.type)
    return " + ".join(f"{policy.label(source.source, source.breakdown_by or '', k)} {plain(v)}" for k, v in parts)
