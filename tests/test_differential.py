"""The engine against an independent plain-Python reading of the method (tests/oracle.py).

Random valid years (tests/strategies.py) are scored both ways; every unit's section
scores, total, rank and eligibility and every (unit, clause) sum must agree exactly.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset
from evaluator.domain.policy import load_policy

from conftest import POLICY
from oracle import oracle_score
from strategies import fact_sets


_POLICY = []


def shipped_policy():
    # Not the `policy` fixture: hypothesis would print the whole compiled policy with a failure.
    if not _POLICY:
        _POLICY.append(load_policy(POLICY))
    return _POLICY[0]


def engine_view(policy, data):
    ev = evaluate(check_factset(data, "generated.yaml"), policy)
    units = {s.unit: {"common_deductions": s.common_deductions, "common_score": s.common_score,
                      "annual_missed": s.annual_missed, "annual_score": s.annual_score,
                      "daily_points": s.daily_points, "daily_score": s.daily_score,
                      "total": s.total, "rank": s.rank, "eligible": s.eligible}
             for s in ev.scorecard.units}
    clauses = defaultdict(Decimal)
    for f in ev.findings:
        clauses[f.unit, f.clause] += f.points
    return units, {k: v for k, v in clauses.items() if v != 0}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(fact_sets(max_units=6, max_facts=60))
def test_engine_agrees_with_the_oracle(data):
    expected = oracle_score(data)
    units, clauses = engine_view(shipped_policy(), data)
    for unit, scores in expected["units"].items():
        assert units[unit] == scores, (unit, {k: (v, scores[k]) for k, v in units[unit].items() if v != scores[k]})
    assert clauses == {k: v for k, v in expected["clause_points"].items() if v != 0}
