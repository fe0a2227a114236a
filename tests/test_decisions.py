"""The decision log: every decision once, and the views read it instead of deciding again."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest
from rich.console import Console

from evaluator.domain.conditions import Condition
from evaluator.domain.decisions import KINDS
from evaluator.domain.derive import DerivedFact
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset, load_factset
from evaluator.domain.nearmiss import NEAR
from evaluator.views.coverage import clause_coverage
from evaluator.views.explain import print_explanation
from evaluator.views.result import to_dict
from evaluator.views.whynot import why_not

from conftest import EXAMPLES


@pytest.fixture(scope="module")
def example(policy):
    return evaluate(load_factset(EXAMPLES / "2024.yaml"), policy)


def _training(policy, participants: int):
    """One unit, one training course with 5 days and the given participants; the threshold comes from the policy."""
    data = {"year": 2024, "units": [{"id": "edu", "name": "教科文卫工委", "staff": 5}],
            "facts": [{"id": "T1", "type": "training_program", "unit": "edu", "title": "研修班",
                       "participants": participants, "days": 5}]}
    return evaluate(check_factset(data, "year.yaml"), policy)


def _threshold(policy, rule_id: str, field: str) -> Decimal:
    rule = next(r for r in policy.rules if r.id == rule_id)
    return next(t.value for t in rule.condition.tests if t.field == field)


def test_every_fact_is_decided_by_some_entry_of_the_log(example):
    log = example.decisions
    decided = {e for d in log.decisions for e in d.evidence} | {d.fact.id for d in log.decisions if d.fact is not None}
    counted_by_derivation = {s for d in example.derived for s in (*d.sources, *d.not_counted)}
    for fact in example.factset.facts:
        assert fact.id in decided, fact.id
    for d in example.derived:
        assert d.id in decided, d.id
    assert counted_by_derivation <= decided
    assert {d.kind for d in log.decisions} <= set(KINDS)


def test_findings_are_exactly_the_awarded_decisions(example):
    log = example.decisions
    assert example.findings == [d for d in log.decisions if d.kind == "awarded"]
    others = [d for d in log.decisions if d.kind != "awarded"]
    assert others and all(d.points == 0 and not d.disqualifies for d in others)
    assert {"awarded", "zero", "silent", "withheld", "excluded"} <= {d.kind for d in log.decisions}


def test_zero_decisions_are_rules_with_a_rate_and_nothing_to_multiply(example):
    zero = example.decisions.of(kinds=("zero",))
    assert zero and all(d.rate != 0 and d.quantity == 0 for d in zero)


def test_a_withheld_award_names_the_rule_that_replaced_it_and_that_rule_decided_the_same_fact(example):
    log = example.decisions
    withheld = log.of(kinds=("withheld",))
    assert withheld
    for d in withheld:
        assert d.by.rule.replaces == d.rule and d.by.clause.id == d.clause
        replacing = [x for x in log.decisions if x.compiled is d.by and x.fact is d.fact and x.unit == d.unit]
        assert replacing and replacing[0].kind == "awarded"


def test_excluded_records_are_the_ones_the_derivation_did_not_count(example):
    excluded = example.decisions.of(kinds=("excluded",))
    assert excluded
    derived = {d.id: d for d in example.derived}
    for d in excluded:
        assert isinstance(d.fact, DerivedFact) and d.fact_id in derived[d.derived_from].not_counted
    assert len(excluded) == sum(len(d.not_counted) for d in example.derived)


def test_a_course_just_short_of_the_large_tier_is_a_near_miss_and_one_far_short_is_not(policy):
    threshold = _threshold(policy, "training-large", "participants")
    near = _training(policy, int(threshold) - 1)
    [miss] = near.decisions.near_misses
    assert (miss.kind, miss.rule, miss.unit, miss.fact.id) == ("near_miss", "training-large", "edu", "T1")
    assert [t.field for t in miss.missed] == ["participants"] and miss.points == 0
    far = _training(policy, int(threshold * (1 - NEAR)) - 1)
    assert far.decisions.near_misses == []
    reached = _training(policy, int(threshold))
    assert reached.decisions.near_misses == [] and {f.rule for f in reached.findings} == {"training-large"}


def test_why_not_reads_the_near_miss_from_the_log(policy):
    ev = _training(policy, int(_threshold(policy, "training-large", "participants")) - 1)
    _, _, facts = why_not(ev, "edu", "4.3.2.5")
    outcomes = {o.rule.id: o for fo in facts for o in fo.outcomes}
    assert outcomes["training-large"].verdict == "failed" and outcomes["training-large"].near_misses
    assert outcomes["training-small"].verdict == "awarded"


def test_explanations_are_rendered_when_first_read(policy):
    ev = evaluate(load_factset(EXAMPLES / "2024.yaml"), policy)
    unread = [f for f in ev.findings if not f.disqualifies]
    assert unread and all(f._text is None for f in unread)
    text = unread[0].explanation
    assert text and unread[0]._text == text and unread[0].explanation is text


def test_the_views_do_not_evaluate_a_condition_again(policy, monkeypatch):
    ev = evaluate(load_factset(EXAMPLES / "2024.yaml"), policy)

    def refuse(*args, **kwargs):
        raise AssertionError("a view evaluated a condition instead of reading the decision log")

    monkeypatch.setattr(Condition, "failures", refuse)
    monkeypatch.setattr(Condition, "holds", refuse)
    console = Console(record=True, width=200)
    for unit in ev.factset.units:
        print_explanation(ev, unit, None, console)
    assert clause_coverage(ev, None)
    assert to_dict(ev)["findings"]


def test_the_log_is_the_same_in_any_order_of_the_facts(policy):
    factset = load_factset(EXAMPLES / "2024.yaml")

    def log_of(facts):
        ev = evaluate(type(factset)(**{**factset.__dict__, "facts": facts}), policy)
        return [(d.kind, d.unit, d.clause, d.rule, d.points, d.evidence) for d in ev.decisions.decisions]

    expected = log_of(list(factset.facts))
    for seed in (1, 2):
        shuffled = list(factset.facts)
        random.Random(seed).shuffle(shuffled)
        assert log_of(shuffled) == expected
