"""A rule that types a number: its `points`, a number in `when` (or a join's), or `per`'s `over`
must be a `$parameter` of its clause, so the number has the method's words beside it and a
change is made in one place. Two literals mean no number of the method: `points: 0` (a rule
that only records a decision: 不予加分, 不在此列) and `points: 1` with `per: points` (R15: the
points the directors' meeting decided, as given).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator

from evaluator.domain.numbers import plain
from evaluator.domain.policy.number_checks._scan import Source, rule_title
from evaluator.errors import Problem
from evaluator.i18n import listing, say

CODE = "rule-literal"

# The keys of a rule, as an editor reads them in Chinese (a join's condition names the join).
_WHERE = {"points": ("分值(points)", "points"), "when": ("条件(when)", "when"), "per.over": ("计量的起算数(per 的 over)", "per.over")}


def literal(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def allowed_points(rule) -> bool:
    return literal(rule.points) and (Decimal(rule.points) == 0 or (Decimal(rule.points) == 1 and rule.per == "points"))


def when_literals(when: Any) -> Iterator[Any]:
    """Every number a condition compares with (at_least: 60, one_of: [1, 2], any: [...])."""
    if isinstance(when, dict):
        for value in when.values():
            yield from when_literals(value)
    elif isinstance(when, (list, tuple)):
        for value in when:
            yield from when_literals(value)
    elif literal(when):
        yield when


def check(source: Source) -> list[Problem]:
    problems = []
    for ci, clause in enumerate(source.policy.clauses):
        # what to write instead: `$name` is the syntax of the file, the title says which number it is
        names = (say("、", ", ").join(say("${n}({t})", "${n}", n=n, t=p.title) for n, p in clause.parameters.items())
                 or say("(本条款还没有参数)", "(the clause has no parameters yet)"))

        def report(rule, ri, what: str, values: list, *key: Any) -> None:
            zh, en = _WHERE.get(what) or (f"同时读取的事实 {what.split('.')[1]} 的条件", what)
            problems.append(source.problem(CODE, say(
                "规则“{t}”的{w}写的是数字 {n},应写成本条款的参数:{p}",
                "rule {r} types the number {n} in {w}; write a parameter of its clause: {p}",
                t=rule_title(clause, rule), r=rule.id, w=say(zh, en), n=listing(plain(Decimal(v)) for v in values), p=names),
                "clauses", ci, "rules", ri, *key))

        for ri, rule in enumerate(clause.rules):
            if literal(rule.points) and not allowed_points(rule):
                report(rule, ri, "points", [rule.points], "points")
            found = list(when_literals(rule.when))
            if found:
                report(rule, ri, "when", found, "when")
            for jname, join in rule.joins.items():
                found = list(when_literals(join.when))
                if found:
                    report(rule, ri, f"joins.{jname}.when", found, "joins", jname)
            if isinstance(rule.per, dict) and literal(rule.per.get("over")):
                report(rule, ri, "per.over", [rule.per["over"]], "per")
    return problems
