"""One evaluation: a fact set under a policy, from facts to findings to scorecard."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .derive import DerivedFact, derive
from .engine import RuleEngine
from .errors import EngineError
from .factset import FactSet
from .findings import Finding, make_findings
from .policy.load import CompiledPolicy
from .scorecard import Scorecard, build_scorecard


@dataclass
class Evaluation:
    factset: FactSet
    policy: CompiledPolicy
    derived: list[DerivedFact]
    findings: list[Finding]
    scorecard: Scorecard


def evaluate(factset: FactSet, policy: CompiledPolicy) -> Evaluation:
    derived, consumed = derive(policy.derivations, factset.facts)
    by_unit: dict[str, list[Any]] = defaultdict(list)
    for fact in (*(f for f in factset.facts if f.id not in consumed), *derived):
        by_unit[fact.unit].append(fact)
    with RuleEngine(policy) as engine:
        matches, seen = engine.run(by_unit)
    _check_conservation(factset, derived, consumed, seen, policy.id)
    names = {u.id: u.name for u in factset.units.values()}
    findings = make_findings(policy, matches, names)
    return Evaluation(factset, policy, derived, findings, build_scorecard(policy, factset.units.values(), findings))


def _check_conservation(factset: FactSet, derived: list[DerivedFact], consumed: set[str], seen: set[str],
                        policy_id: str) -> None:
    """Every fact must have been decided by some rule: never a quietly smaller score."""
    lost = [f.id for f in factset.facts if f.id not in consumed and f.id not in seen]
    lost += [d.id for d in derived if d.id not in seen]
    if lost:
        shown = ", ".join(lost[:20]) + (f" and {len(lost) - 20} more" if len(lost) > 20 else "")
        raise EngineError(f"{len(lost)} fact(s) were matched by no rule of policy {policy_id} and would "
                          f"silently earn nothing: {shown} (the policy needs a rule, or a silent one, for them)")
