"""Runs the Chinese living documentation in features/ against the real evaluator.

Steps only put facts in and read results out: no step computes points itself.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from bdd.steps_warnings import *  # noqa: F401,F403 - the steps of features/完整性提示.feature
from bdd.world import World
from conftest import POLICY

from evaluator.inputs.yamlio import load_document

scenarios("../features")



@pytest.fixture(scope="session")
def policy_data():
    data, problems = load_document(POLICY)
    assert not problems
    return data


@pytest.fixture
def world(policy, policy_data):
    return World(policy, policy_data)  # amendments copy the data (amend.derive), never change it


def number(text: str) -> Decimal:
    return Decimal(text.replace("−", "-").replace("+", ""))


# --- 假如 ------------------------------------------------------------------------------------
@given(parsers.parse("考核年度为 {year:d} 年"))
def given_year(world: World, year: int):
    world.year = year


@given("有以下工作机构:")
def given_units(world: World, datatable):
    world.add_units(datatable)


@given(parsers.parse('有以下"{kind}"记录:'))
def given_facts(world: World, kind: str, datatable):
    world.add_facts(kind, datatable)


@given(parsers.parse("考核办法中条款 {clause} 的参数 {name} 改为 {value}"))
def given_parameter(world: World, clause: str, name: str, value: str):
    world.change_policy({"clause": clause, "parameter": name, "value": number(value)})


@given(parsers.parse("考核办法中部分 {section} 的{word}改为 {value}"))
def given_section(world: World, section: str, word: str, value: str):
    from evaluator.domain.policy.amend import SECTION_WORDS
    [field] = [f for f, w in SECTION_WORDS.items() if w == word]
    world.change_policy({"section": section, field: number(value)})


@given(parsers.parse("考核办法中规则 {rule} 的分值改为 {value}"))
def given_rate(world: World, rule: str, value: str):
    world.change_policy({"rule": rule, "points": number(value)})


# --- 当 --------------------------------------------------------------------------------------
@when("按考核办法评估")
def when_evaluated(world: World):
    world.run()


# --- 那么 ------------------------------------------------------------------------------------
@then(parsers.parse('"{unit}"在条款 {clause} 的得分为 {points} 分'))
def then_clause_points(world: World, unit: str, clause: str, points: str):
    found = world.findings(unit, clause)
    assert sum((f.points for f in found), Decimal(0)) == number(points), [f.explanation for f in found]


@then(parsers.parse('"{unit}"在条款 {clause} 没有认定'))
def then_no_finding(world: World, unit: str, clause: str):
    assert world.findings(unit, clause) == []


@then(parsers.parse('"{unit}"在条款 {clause} 的认定说明包含"{text}"'))
def then_explanation(world: World, unit: str, clause: str, text: str):
    found = world.findings(unit, clause)
    assert any(text in f.explanation for f in found), [f.explanation for f in found]


@then(parsers.parse('"{unit}"在条款 {clause} 有以下认定:'))
def then_findings_table(world: World, unit: str, clause: str, datatable):
    header, *rows = datatable
    expected = sorted((r[header.index("规则")], number(r[header.index("分值")]),
                       tuple(sorted(r[header.index("依据")].split("、"))) if "依据" in header else None)
                      for r in rows)
    actual = sorted((f.rule, f.points, tuple(sorted(f.evidence)) if "依据" in header else None)
                    for f in world.findings(unit, clause))
    assert actual == expected


def section_of(world: World, unit: str, name: str):
    """A unit's score in the section the feature names by its title in the policy (日常工作 for 日常工作指标)."""
    parts = world.score(unit).sections
    found = [p for p in parts if p.section.title == name] or [p for p in parts if p.section.title.startswith(name)]
    assert len(found) == 1, f"sections: {'、'.join(p.section.title for p in parts)}"
    return found[0]


@then(parsers.parse('"{unit}"的{section}得分为 {points} 分'))
def then_section(world: World, unit: str, section: str, points: str):
    assert section_of(world, unit, section).score == number(points)


@then(parsers.parse('"{unit}"的{section}扣分为 {points} 分'))
def then_deductions(world: World, unit: str, section: str, points: str):
    part = section_of(world, unit, section)
    assert not part.section.per_staff, f"{section} is scored per staff: it has points, not deductions"
    assert part.points == number(points)


@then(parsers.parse('"{unit}"的{section}未完成 {n:d} 项'))
def then_missed(world: World, unit: str, section: str, n: int):
    part = section_of(world, unit, section)
    [name] = [k for k, c in part.section.counts.items() if (c.label, c.unit) == ("未完成", "项")]   # the policy's words
    assert part.counts[name] == n


@then(parsers.parse('"{unit}"的{section}累计积分为 {points} 分'))
def then_points(world: World, unit: str, section: str, points: str):
    part = section_of(world, unit, section)
    assert part.section.per_staff, f"{section} is not scored per staff"
    assert part.points == number(points)


@then(parsers.parse('"{unit}"的总分为 {points} 分'))
def then_total(world: World, unit: str, points: str):
    assert world.score(unit).total == number(points)


@then(parsers.parse('"{unit}"的名次为 {rank:d}'))
def then_rank(world: World, unit: str, rank: int):
    assert world.score(unit).rank == rank


@then(parsers.parse('"{unit}"具备评优资格'))
def then_eligible(world: World, unit: str):
    assert world.score(unit).eligible


@then(parsers.parse('"{unit}"不具备评优资格,原因包含"{text}"'))
def then_ineligible(world: World, unit: str, text: str):
    score = world.score(unit)
    assert not score.eligible and any(text in r for r in score.ineligible_because), score.ineligible_because


@then(parsers.parse('评优建议名单为"{names}"'))
def then_recommended(world: World, names: str):
    expected = [world.unit_id(n) for n in names.split("、")] if names else []
    assert world.ev.scorecard.recommended == expected


@then(parsers.parse('评估报错,提示包含"{text}"'))
def then_error(world: World, text: str):
    assert world.error is not None, "the evaluation succeeded"
    assert text in str(world.error), str(world.error)


# --- 修订草案的比较 (evaluator diff) ------------------------------------------------------------
@when(parsers.parse('按修订草案 "{draft}" 与现行办法比较示例年度 "{example}"'))
def when_compared(world: World, draft: str, example: str):
    from conftest import EXAMPLES, ROOT
    from evaluator.domain.diff import diff
    from evaluator.domain.evaluate import evaluate
    from evaluator.domain.factset import load_factset
    from evaluator.domain.policy import load_policy
    from evaluator.domain.policy.registry import choose_policy, versions
    factset = load_factset(EXAMPLES / example)
    [path] = [v.path for v in versions(ROOT / "policies") if v.id == draft]
    world.comparison = diff(evaluate(factset, choose_policy(factset.year, None, folder=ROOT / "policies")),
                            evaluate(factset, load_policy(path)))


def _unit_in_comparison(world: World, name: str) -> str:
    units = world.comparison.new.factset.units.values()
    return next(u.id for u in units if name in (u.id, u.name))


@then(parsers.parse('"{unit}"在条款 {clause} 的分值变化为 {delta} 分,原因包含"{text}"'))
def then_clause_delta(world: World, unit: str, clause: str, delta: str, text: str):
    uid = _unit_in_comparison(world, unit)
    [moved] = [c for c in world.comparison.clauses if c.unit == uid and c.clause == clause]
    assert moved.delta == number(delta)
    assert any(text in b for b in moved.because), moved.because


@then(parsers.parse("只有条款 {clauses} 的分值发生变化"))
def then_only_clauses(world: World, clauses: str):
    assert {c.clause for c in world.comparison.clauses} == set(clauses.split("、"))
