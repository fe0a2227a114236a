"""Facts and units in words, for reviewers: `请假 张三 事假 10 天 (examples/2024.yaml:120)`."""
from __future__ import annotations

from typing import Any

from evaluator.domain.derive import DerivedFact, field_values
from evaluator.domain.evaluate import Evaluation
from evaluator.domain.numbers import plain
from evaluator.errors import UsageError, did_you_mean
from evaluator.i18n import current, listing, say

_SKIP = {"id", "type", "unit", "date", "note"}


def fact_summary(ev: Evaluation, fact: Any) -> str:
    """The fact's type and fields in the policy's Chinese labels."""
    policy = ev.policy
    labels = policy.policy.labels
    parts = [fact.derivation if isinstance(fact, DerivedFact) else labels.types.get(fact.type, fact.type)]
    names = {u.id: u.name for u in ev.factset.units.values()}
    unit_fields = {n for n, spec in policy.type_fields.get(fact.type, {}).items()
                   if spec.kind == "unit" or spec.item == "unit"} - {"unit"}
    for name, value in field_values(fact).items():
        if name in _SKIP or value in (None, [], (), False) or (name == "count" and value == 1):
            continue
        label = labels.fields.get(name, name)
        if value is True:
            parts.append(label)
        elif name in unit_fields:  # units by their names, as reviewers know them
            units = value if isinstance(value, (list, tuple)) else [value]
            parts.append(f"{label}:{'、'.join(names.get(u, u) for u in units)}")
        elif isinstance(value, (list, tuple)):
            parts.append(f"{label}:{policy.label(fact.type, name, value)}")
        elif isinstance(value, str):
            parts.append(str(policy.label(fact.type, name, value)))  # names and titles as they are
        else:
            parts.append(f"{label} {plain(value)}")
    return " ".join(parts)


def where(ev: Evaluation, fact_id: str) -> str:
    line = ev.factset.line_of(fact_id)
    at = f"{ev.factset.path}:{line}" if line is not None else ev.factset.path
    source = ev.factset.sources.get(fact_id)   # a merged year: the unit's own submission
    return f"{at} ← {source}" if source else at


def find_unit(ev: Evaluation, name: str) -> str:
    for unit in ev.factset.units.values():
        if name in (unit.id, unit.name):
            return unit.id
    choices = [u.id for u in ev.factset.units.values()] + [u.name for u in ev.factset.units.values()]
    raise UsageError(say("{f} 中没有机构“{n}”{hint}(机构:{units})", "no unit '{n}' in {f}{hint} (units: {units})",
                         n=name, f=ev.factset.path, hint=did_you_mean(name, choices),
                         units=listing(u.name if current() == "zh" else u.id for u in ev.factset.units.values())))


def find_clause(ev: Evaluation, clause: str) -> str:
    if clause in ev.policy.clauses:
        return clause
    raise UsageError(say("{p}中没有条款“{c}”{hint}", "policy {p} has no clause '{c}'{hint}",
                         p=ev.policy.named, c=clause, hint=did_you_mean(clause, ev.policy.clauses)))
