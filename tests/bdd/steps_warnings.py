"""Steps of features/完整性提示.feature: completeness warnings (提示) and refused fact sets.

Registered by importing them into tests/test_features.py, where the scenarios are bound.
Like the other steps, they only put facts in and read results out: the warnings are the
evaluator's own (`Evaluation.notices`), the refusals its `FactSetError` problems.
"""
from __future__ import annotations

from pytest_bdd import parsers, then, when

from bdd.world import World
from evaluator.domain.completeness import TITLES
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset
from evaluator.domain.vocabulary import parse_date
from evaluator.errors import EvaluatorError, FactSetError


def _code(title: str) -> str:
    """A warning as the feature names it, by its check's Chinese title (同一人名写法不一), to its code."""
    codes = {t: code for code, t in TITLES.items()}
    assert title in codes, f"no warning titled '{title}' (the titles: {'、'.join(codes)})"
    return codes[title]


def _notices(world: World, title: str) -> list:
    code = _code(title)
    return [n for n in world.ev.notices if n.code == code]


def _shown(world: World) -> list[str]:
    return [f"{n.code} {n.unit}: {n.message}" for n in world.ev.notices]


# --- 当 --------------------------------------------------------------------------------------
@when(parsers.parse("截至 {day} 按考核办法评估"))
def when_evaluated_as_of(world: World, day: str):
    """A mid-year run: the year's facts, made up to `day` (2024-06-30 or 2024年6月30日)."""
    as_of = parse_date(day)
    assert not isinstance(as_of, str), f"'{day}' is not a date"
    data = {"year": world.year, "units": world.units, "facts": world.facts}
    policy = world.policy()
    try:
        world.evaluation = evaluate(check_factset(data, "scenario.yaml"), policy, as_of=as_of)
    except EvaluatorError as exc:
        world.error = exc


# --- 那么 ------------------------------------------------------------------------------------
@then(parsers.parse('提示 "{title}" 针对 "{unit}"'))
def then_warning_for(world: World, title: str, unit: str):
    uid = world.unit_id(unit)
    assert any(n.unit == uid for n in _notices(world, title)), _shown(world)


@then(parsers.parse('没有提示 "{title}" 针对 "{unit}"'))
def then_no_warning_for(world: World, title: str, unit: str):
    uid = world.unit_id(unit)
    assert not any(n.unit == uid for n in _notices(world, title)), _shown(world)


@then(parsers.parse('没有任何 "{title}" 提示'))
def then_no_warning(world: World, title: str):
    assert not _notices(world, title), _shown(world)


@then(parsers.parse('提示 "{title}" 的说明包含"{text}"'))
def then_warning_says(world: World, title: str, text: str):
    assert any(text in n.message for n in _notices(world, title)), _shown(world)


@then(parsers.parse('提示 "{title}" 共 {count:d} 条'))
def then_warning_count(world: World, title: str, count: int):
    assert len(_notices(world, title)) == count, _shown(world)


@then(parsers.parse('事实集不予接受,问题只在记录 "{fact_id}" 的"{field}"上'))
def then_refused(world: World, fact_id: str, field: str):
    """The fact set is refused, and its one problem is on that record's field, named as the
    ledger heads it (R20: the errors belong on one record)."""
    assert world.evaluation is None, "the fact set was accepted"
    assert isinstance(world.error, FactSetError), world.error
    on = [(p.fact_id, p.field_label) for p in world.error.problems]
    assert on == [(fact_id, field)], str(world.error)


# What `from bdd.steps_warnings import *` brings into a test module: the step fixtures alone.
__all__ = [name for name in dict(globals()) if name.startswith("pytestbdd_")]
