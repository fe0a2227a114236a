"""`evaluator why-not`: why a clause gave a unit nothing, or less than expected.

For every fact the clause considers, each of its rules is tried again in Python with
the same parsed condition the engine ran, and the outcome is said in words: which
test failed with the actual value and the threshold (and how near a miss it was),
which records were not counted, which award another rule withheld, which rule
decided that nothing is due.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape

from .conditions import Test
from .derive import DerivedFact, field_values
from .describe import fact_summary, find_clause, find_unit, where
from .evaluate import Evaluation
from .findings import credited_units, explain, quantity_of
from .numbers import plain, signed
from .policy.load import CompiledRule

NEAR = Decimal("0.10")  # a failed numeric test within 10% of its threshold is a near miss

# How a failed test reads, with R1's reading of the method's words.
FAILED = {
    "more_than": "{label} {actual},未超过 {value}(超过不含本数)",
    "at_least": "{label} {actual},未达到 {value}(以上含本数)",
    "less_than": "{label} {actual},不属于不足 {value}(不足不含本数)",
    "at_most": "{label} {actual},超过 {value}(以内含本数)",
    "equals": "{label}为 {actual},规则要求 {value}",
    "not": "{label}为 {actual},规则要求不为 {value}",
    "one_of": "{label}为 {actual},不在 {value} 之列",
    "not_one_of": "{label}为 {actual},属于 {value}",
    "present": "{label}{actual}",
}


@dataclass
class RuleOutcome:
    rule: CompiledRule
    verdict: str                      # awarded | decided | withheld | nothing-due | failed | not-joined
    text: str
    points: Decimal = Decimal(0)
    failures: list[str] = field(default_factory=list)
    near_misses: list[str] = field(default_factory=list)


@dataclass
class FactOutcome:
    fact: Any
    outcomes: list[RuleOutcome]
    not_counted: list[str] = field(default_factory=list)


def why_not(ev: Evaluation, unit: str, clause: str) -> tuple[str, str, list[FactOutcome]]:
    uid, cid = find_unit(ev, unit), find_clause(ev, clause)
    rules = ev.policy.rules_of(cid)
    types = {r.rule.fact for r in rules}
    considered = [fact for fact in (*ev.factset.facts, *ev.derived) if fact.type in types and (
        fact.unit == uid or any(uid in credited_units(r, fact) for r in rules if r.rule.fact == fact.type))]
    return uid, cid, [_fact_outcome(ev, uid, rules, fact) for fact in sorted(considered, key=lambda f: f.id)]


def _fact_outcome(ev: Evaluation, uid: str, rules: list[CompiledRule], fact: Any) -> FactOutcome:
    outcomes = []
    values = field_values(fact)
    for rule in (r for r in rules if r.rule.fact == fact.type):
        if uid not in credited_units(rule, fact):
            continue
        outcome = _rule_outcome(ev, uid, rule, fact, values)
        if outcome is not None:
            outcomes.append(outcome)
    not_counted = []
    if isinstance(fact, DerivedFact):
        facts = {f.id: f for f in ev.factset.facts}
        not_counted = [f"{fid} {escape(fact_summary(ev, facts[fid]))}  {escape(where(ev, fid))}" for fid in fact.not_counted]
    return FactOutcome(fact, outcomes, not_counted)


def _is_kind_test(ev: Evaluation, fact_type: str, test: Test) -> bool:
    spec = ev.policy.type_fields.get(fact_type, {}).get(test.field)
    return spec is not None and spec.kind == "enum" and test.op in ("equals", "one_of")


def _rule_outcome(ev: Evaluation, uid: str, rule: CompiledRule, fact: Any, values: dict) -> RuleOutcome | None:
    failed = rule.condition.failures(values)
    if failed and all(_is_kind_test(ev, fact.type, t) for t in failed):
        return None  # a rule for another kind of this fact (another stage, level, duty): not about it
    if failed:
        texts = [_failed_text(ev, fact.type, t, values.get(t.field)) for t in failed]
        near = [texts[i] for i, t in enumerate(failed) if _near_miss(t, values.get(t.field))]
        return RuleOutcome(rule, "failed", "条件未满足", failures=texts, near_misses=near)
    mine = [f for f in ev.findings if f.unit == uid and f.rule == rule.id and fact_id_of(fact) in f.evidence[:1]]
    if mine:
        verdict = "awarded" if mine[0].points else "decided"
        return RuleOutcome(rule, verdict, mine[0].explanation, points=mine[0].points)
    withholding = [f for f in ev.findings if f.unit == uid and f.clause == rule.clause.id and fact_id_of(fact) in f.evidence[:1]
                   and _replaces(ev, f.rule) == rule.id]
    if withholding:
        return RuleOutcome(rule, "withheld", f"本应 {signed(rule.rate * quantity_of(rule, fact))} 分,"
                                             f"被规则 {withholding[0].rule} 扣留:{withholding[0].explanation}")
    if rule.joins:
        labels = ev.policy.policy.labels.fields
        wanted = "、".join(
            "、".join(f"{labels.get(t.field, t.field)}为{ev.policy.label(j.fact, t.field, t.value)}" for t in j.condition.tests)
            + f"且{'、'.join(labels.get(f, f) for f in j.same)}相同" for j in rule.joins)
        return RuleOutcome(rule, "not-joined", f"本机构没有{wanted}的记录,本规则不适用")
    quantity = quantity_of(rule, fact)
    names = {u.id: u.name for u in ev.factset.units.values()}
    text = explain(ev.policy, rule, fact, (), quantity, rule.rate * quantity, uid, names)
    if rule.rule.silent:
        return RuleOutcome(rule, "decided", text)
    return RuleOutcome(rule, "nothing-due", f"数量为 0,不加不减:{text}")


def fact_id_of(fact: Any) -> str:
    return fact.evidence[0] if isinstance(fact, DerivedFact) and fact.evidence else fact.id


def _replaces(ev: Evaluation, rule_id: str) -> str | None:
    return next((r.rule.replaces for r in ev.policy.rules if r.id == rule_id), None)


def _failed_text(ev: Evaluation, fact_type: str, test: Test, actual: Any) -> str:
    labels = ev.policy.policy.labels
    label = labels.fields.get(test.field, test.field)

    def show(v: Any) -> str:
        if isinstance(v, tuple):
            return "、".join(show(x) for x in v)
        if isinstance(v, bool):
            return "是" if v else "否"
        if isinstance(v, Decimal):
            return plain(v)
        if v is None:
            return "(未填写)"
        return str(ev.policy.label(fact_type, test.field, v))

    if test.op == "present":
        return f"{label}{'未填写' if test.value else '已填写(' + show(actual) + ')'}"
    return FAILED[test.op].format(label=label, actual=show(actual), value=show(test.value))


def _near_miss(test: Test, actual: Any) -> bool:
    # Thresholds to be reached (以上, 超过): missing an upper tier by a little is news;
    # "failing" 不足 at the threshold only means the upper tier applied instead.
    if test.op not in ("at_least", "more_than") or not isinstance(actual, (int, Decimal)) or not test.value:
        return False
    return abs(Decimal(actual) - test.value) <= abs(test.value) * NEAR


VERDICT = {"awarded": "[green]计分[/green]", "decided": "认定", "withheld": "[yellow]扣留[/yellow]",
           "nothing-due": "不计分", "failed": "[red]不适用[/red]", "not-joined": "不适用"}


def print_why_not(ev: Evaluation, unit: str, clause: str, console: Console) -> None:
    uid, cid, facts = why_not(ev, unit, clause)
    c = ev.policy.clauses[cid]
    name = ev.factset.units[uid].name
    total = sum((f.points for f in ev.findings if f.unit == uid and f.clause == cid), Decimal(0))
    console.print(f"[bold]{escape(name)} · {c.id} {c.title}[/bold]:本年度得 {signed(total)} 分")
    console.print(f"[dim]办法原文:{escape(c.text)}[/dim]")
    if not facts:
        types = sorted({ev.policy.policy.labels.types.get(r.rule.fact, r.rule.fact) for r in ev.policy.rules_of(cid)})
        console.print(f"本年度 {escape(name)} 没有本条款考虑的事实({'、'.join(types)}),所以不加不减。")
        return
    for fo in facts:
        fid = fact_id_of(fo.fact)
        head = escape(fo.fact.id) if isinstance(fo.fact, DerivedFact) else f"{escape(fo.fact.id)}  [dim]{escape(where(ev, fid))}[/dim]"
        console.print(f"\n{head}:{escape(fact_summary(ev, fo.fact))}")
        for line in fo.not_counted:
            console.print(f"  不计入:{escape(line)}")
        for o in fo.outcomes:
            rulings = "、".join(o.rule.rule.rulings or o.rule.clause.rulings)
            suffix = f" [dim]({rulings})[/dim]" if rulings else ""
            console.print(f"  {VERDICT[o.verdict]} 规则 [cyan]{o.rule.id}[/cyan]({o.rule.rule.title}):"
                          + escape(";".join(o.failures) if o.failures else o.text) + suffix)
            for miss in o.near_misses:
                console.print(f"    [yellow]差一点:{escape(miss)}(与门槛相差不到 10%)[/yellow]")
