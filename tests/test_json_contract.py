"""The JSON result's stable keys (spec/facts.md): what other tools read."""
from __future__ import annotations

import json

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.views.result import to_json

from conftest import EXAMPLES


def test_ineligible_because_lists_clause_ids_and_the_reasons_are_sentences(policy):
    out = json.loads(to_json(evaluate(load_factset(EXAMPLES / "2024.yaml"), policy)))
    [unit] = [u for u in out["units"] if not u["eligible"]]
    disqualifying = {r.clause.id for r in policy.rules if r.rule.disqualifies}
    assert unit["ineligible_because"] and set(unit["ineligible_because"]) <= disqualifying
    assert len(unit["ineligible_reasons"]) >= len(unit["ineligible_because"])
    for clause, reason in zip(unit["ineligible_because"], unit["ineligible_reasons"]):
        assert reason.startswith(clause + " ")
    assert all(u["ineligible_because"] == [] == u["ineligible_reasons"] for u in out["units"] if u["eligible"])
    assert {"warnings", "adjustments", "stage", "as_of"} <= set(out)
