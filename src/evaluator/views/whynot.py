"""`evaluator why-not`: why a clause gave a unit nothing, or less than expected.

A view of the evaluation's decision log (decisions.py): for every fact the clause considers,
what each of its rules decided, in words — which test failed with the actual value and the
threshold (and whether it was a near miss), which records were not counted, which award
another rule withheld, which rule decided that nothing is due.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape

from evaluator.domain.conditions import Test
from evaluator.domain.decisions import NotMet
from evaluator.domain.derive import DerivedFact, field_values
from evaluator.domain.evaluate import Evaluation
from evaluator.domain.findings import Decision
from evaluator.domain.nearmiss import NEAR
from evaluator.domain.numbers import plain, signed
from evaluator.domain.policy.load import CompiledRule
from evaluator.domain.policy.render import condition_text, failed_text, field_name, type_name
from evaluator.views.describe import fact_summary, find_clause, find_unit, where

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
    excluded: list[Decision] = field(default_factory=list)   # records the derivation did not count (R8)


def why_not(ev: Evaluation, unit: str, clause: str) -> tuple[str, str, list[FactOutcome]]:
    """The unit's facts that the clause considers, each with what every rule of the clause
    decided about it: read from the evaluation's decision log (decisions.py)."""
    uid, cid = find_unit(ev, unit), find_clause(ev, clause)
    log = ev.decisions
    near = {(d.unit, d.fact.id, d.rule) for d in log.near_misses if d.clause == cid}
    return uid, cid, [_fact_outcome(ev, uid, fact, entries, near) for fact, entries in log.outcomes(uid, cid)]


def _fact_outcome(ev: Evaluation, uid: str, fact: Any, entries: list, near: set) -> FactOutcome:
    decided = [e for e in entries if e.kind != "not_met"]
    outcomes = [o for o in (_rule_outcome(ev, uid, e, decided, near) for e in entries if e.kind != "excluded")
                if o is not None]
    return FactOutcome(fact, outcomes, [d for d in entries if d.kind == "excluded"])


def _is_kind_test(ev: Evaluation, fact_type: str, test: Test) -> bool:
    spec = ev.policy.type_fields.get(fact_type, {}).get(test.field)
    return spec is not None and spec.kind == "enum" and test.op in ("equals", "one_of")


def _rule_outcome(ev: Evaluation, uid: str, entry: Any, decided: list[Decision], near: set) -> RuleOutcome | None:
    rule = entry.rule if entry.kind == "not_met" else entry.compiled
    if entry.kind == "not_met":
        return _not_met(ev, uid, entry, near)
    if entry.kind == "awarded":
        return RuleOutcome(rule, "awarded" if entry.points else "decided", entry.explanation, points=entry.points)
    if entry.kind == "withheld":
        by = next((d for d in decided if d.compiled is entry.by), None)
        return RuleOutcome(rule, "withheld", f"本应 {signed(entry.rate * entry.quantity)} 分,被规则“{entry.by.rule.title}”扣留"
                                             + (f":{by.explanation}" if by is not None else ""))
    if entry.kind == "silent":
        return RuleOutcome(rule, "decided", entry.explanation)
    return RuleOutcome(rule, "nothing-due", f"数量为 0,不加不减:{entry.explanation}")   # zero


def _not_met(ev: Evaluation, uid: str, entry: NotMet, near: set) -> RuleOutcome | None:
    rule, fact, failed = entry.rule, entry.fact, entry.failed
    if failed and all(_is_kind_test(ev, fact.type, t) for t in failed):
        return None  # a rule for another kind of this fact (another stage, level, duty): not about it
    if not failed:   # its own condition held: it needs a partner record (a join) the unit does not have
        wanted = "、".join(
            type_name(ev.policy, j.fact) + (f"({condition_text(j.condition, j.fact, ev.policy)})" if j.condition.tests else "")
            + f",且{'、'.join(field_name(ev.policy, f) for f in j.same)}相同" for j in rule.joins)
        return RuleOutcome(rule, "not-joined", f"本机构没有{wanted}的记录,本规则不适用")
    values = field_values(fact)
    names = {u.id: u.name for u in ev.factset.units.values()}
    texts = [failed_text(t, values.get(t.field), fact.type, ev.policy, names) for t in failed]   # the site's and check-policy's words
    missed = (uid, fact.id, rule.id) in near
    return RuleOutcome(rule, "failed", "条件未满足", failures=texts, near_misses=texts if missed else [])


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
        if isinstance(fo.fact, DerivedFact):   # its id is internal; its summary names the person and the sum
            console.print(f"\n{escape(fact_summary(ev, fo.fact))}")
        else:
            console.print(f"\n{escape(fo.fact.id)}  [dim]{escape(where(ev, fo.fact.id))}[/dim]:{escape(fact_summary(ev, fo.fact))}")
        facts = ev.decisions.facts
        for d in fo.excluded:
            console.print(f"  不计入:{escape(d.fact_id)} {escape(fact_summary(ev, facts[d.fact_id]))}  "
                          f"[dim]{escape(where(ev, d.fact_id))}[/dim]")
        for o in fo.outcomes:
            rulings = "、".join(o.rule.rule.rulings or o.rule.clause.rulings)
            suffix = f" [dim]({rulings})[/dim]" if rulings else ""
            console.print(f"  {VERDICT[o.verdict]} 规则 [cyan]{o.rule.id}[/cyan]({o.rule.rule.title}):"
                          + escape(";".join(o.failures) if o.failures else o.text) + suffix)
            for miss in o.near_misses:
                console.print(f"    [yellow]差一点:{escape(miss)}(与门槛相差不到 {plain(NEAR * 100)}%)[/yellow]")
