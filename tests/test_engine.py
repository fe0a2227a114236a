"""The engine's guards: no silent loss, no swallowed errors, no threads, any number of units."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from evaluator.domain import engine
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset
from evaluator.domain.policy.load import compile_policy
from evaluator.errors import EngineError
from evaluator.inputs.yamlio import load_document

from conftest import POLICY


def lectures(units: int, per_unit: int = 1) -> dict:
    return {"year": 2024, "units": [{"id": f"u{i}", "name": f"第{i}委", "staff": 1} for i in range(units)],
            "facts": [{"id": f"F{i}-{j}", "type": "lecture", "unit": f"u{i}", "title": f"讲座{j}"}
                      for i in range(units) for j in range(per_unit)]}


def test_more_units_than_a_ruleset_has_states(policy):
    # durable-rules refuses a 1,025th state; states are deleted as each unit finishes.
    ev = evaluate(check_factset(lectures(1100), "many.yaml"), policy)
    assert len(ev.scorecard.units) == 1100
    assert all(s.daily_points == 2 for s in ev.scorecard.units)


def test_no_background_threads_are_left(policy):
    before = threading.active_count()
    evaluate(check_factset(lectures(5, 3), "few.yaml"), policy)
    assert threading.active_count() == before


def test_engine_ids_do_not_collide_in_the_engines_32_bit_hash():
    ids = engine._engine_ids(300_000)
    assert len(set(ids)) == len(ids)
    assert len({engine._fnv(i, True) for i in ids}) == len(ids)
    assert len({engine._fnv(i, False) for i in ids}) == len(ids)


def test_identical_facts_are_asserted_once_and_each_is_evidence(policy):
    data = {"year": 2024, "units": [{"id": "office", "name": "办公厅", "staff": 2}],
            "facts": [{"id": f"P{i}", "type": "petition", "unit": "office", "kind": "letter"} for i in range(500)]}
    factset = check_factset(data, "letters.yaml")
    with engine.RuleEngine(policy) as rules:
        assert len(rules._group(factset.facts, [])) == 1
    ev = evaluate(factset, policy)
    assert sorted(e for f in ev.findings for e in f.evidence) == sorted(f"P{i}" for i in range(500))
    assert sum(f.points for f in ev.findings) == Decimal(50)


def test_a_fact_no_rule_decides_fails_the_run_by_name():
    data, _ = load_document(POLICY)
    data["clauses"] = [c for c in data["clauses"] if c["id"] != "4.3.2.7"]  # drop the lecture clause
    policy = compile_policy(data, "without-lectures.yaml")
    with pytest.raises(EngineError, match=r"matched by no rule .* F0-0"):
        evaluate(check_factset(lectures(1), "one.yaml"), policy)


def test_an_error_while_recording_names_the_rule(policy, monkeypatch):
    def broken(self, *args):
        raise ValueError("boom")
    monkeypatch.setattr(engine.RuleEngine, "_record", broken)
    with pytest.raises(EngineError, match=r"action failed: rule 4\.3\.2\.7/lecture .*boom"):
        evaluate(check_factset(lectures(1), "one.yaml"), policy)


def test_finding_ids_are_unique_and_stable(policy):
    from conftest import EXAMPLES
    from evaluator.domain.factset import load_factset
    first = evaluate(load_factset(EXAMPLES / "2024.yaml"), policy)
    second = evaluate(load_factset(EXAMPLES / "2024.yaml"), policy)
    ids = [f.id for f in first.findings]
    assert len(set(ids)) == len(ids)
    assert ids == [f.id for f in second.findings]


def test_a_rule_with_alternatives_decides_once_when_both_hold(policy):
    # 1 participant and 4.5 days: both "不足 60 人" and "不足 5 天" hold; the lower tier is given once.
    data = {"year": 2024, "units": [{"id": "edu", "name": "教科文卫工委", "staff": 1}],
            "facts": [{"id": "T1", "type": "training_program", "unit": "edu", "title": "研修班",
                       "participants": 1, "days": Decimal("4.5")}]}
    ev = evaluate(check_factset(data, "year.yaml"), policy)
    assert [(f.rule, f.points) for f in ev.findings] == [("training-small", 3)]


def _states(monkeypatch) -> list[tuple[str, int]]:
    """(state id, engine facts asserted) of every state the engine runs."""
    states: list[tuple[str, int]] = []
    run_state = engine.RuleEngine._run_state

    def recording(self, sid, whose, groups, matches, unmatched):
        states.append((sid, len(groups)))
        return run_state(self, sid, whose, groups, matches, unmatched)
    monkeypatch.setattr(engine.RuleEngine, "_run_state", recording)
    return states


def test_alike_facts_of_all_units_are_one_engine_fact_when_no_join_reads_them(policy, monkeypatch):
    states = _states(monkeypatch)
    ev = evaluate(check_factset(lectures(300, 2), "many.yaml"), policy)
    assert [(sid, n) for sid, n in states if n] == [("pool-0", 1)]   # 600 lectures, one engine fact
    assert len(ev.findings) == 600 and all(s.daily_points == 4 for s in ev.scorecard.units)


def test_the_pool_is_split_into_states_and_decides_the_same(policy, monkeypatch):
    from conftest import EXAMPLES
    from evaluator.domain.factset import load_factset
    factset = load_factset(EXAMPLES / "2024.yaml")
    whole = evaluate(factset, policy)
    states = _states(monkeypatch)
    monkeypatch.setattr(engine, "POOL_STATE", 3)
    split = evaluate(factset, policy)
    pooled = [n for sid, n in states if sid.startswith("pool-")]
    assert len(pooled) > 3 and max(pooled) == 3
    assert [(f.id, f.points, f.evidence) for f in split.findings] == [(f.id, f.points, f.evidence) for f in whole.findings]
    assert split.scorecard == whole.scorecard


def test_facts_a_join_reads_stay_in_their_units_state(policy, monkeypatch):
    joined = {t for r in policy.rules if r.joins for t in (r.rule.fact, *(j.fact for j in r.joins))}
    assert joined, "the policy has a rule that joins two records"
    from conftest import EXAMPLES
    from evaluator.domain.factset import load_factset
    factset = load_factset(EXAMPLES / "2024.yaml")
    asserted: list[tuple[str, set[str]]] = []
    group = engine.RuleEngine._group

    def recording(self, facts, unread):
        asserted.append(({f.unit for f in facts if f.type in joined}, {f.type for f in facts}))
        return group(self, facts, unread)
    monkeypatch.setattr(engine.RuleEngine, "_group", recording)
    evaluate(factset, policy)
    *units, pool = asserted
    assert all(len(owners) <= 1 for owners, _ in units)            # a unit's state: that unit's join facts only
    assert any(owners for owners, _ in units) and not pool[0] and not pool[1] & joined
