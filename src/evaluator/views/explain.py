"""`evaluator explain`: from any point on the scorecard to its clause, rule, arithmetic and input lines.

A view of the evaluation's decision log: the unit's findings, and the records a derivation left
out (R8), as the log recorded them."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from rich.console import Console
from rich.markup import escape

from evaluator.domain.derive import DerivedFact
from evaluator.domain.evaluate import Evaluation
from evaluator.domain.numbers import signed, two_places
from evaluator.views.describe import fact_summary, find_clause, find_unit, where
from evaluator.views.reports.columns import summary as section_summary


def print_explanation(ev: Evaluation, unit: str, clause: str | None, console: Console) -> None:
    uid = find_unit(ev, unit)
    only = find_clause(ev, clause) if clause else None
    score = next(s for s in ev.scorecard.units if s.unit == uid)
    sections = ev.policy.policy.sections
    console.print(f"[bold]{escape(score.name)}[/bold]({uid})· 实际工作人员 {score.staff} 人 · {ev.factset.year} 年 · {escape(ev.policy.policy.title)}")
    for part in score.sections:   # the policy's sections, each as its kind scores it
        console.print("  " + escape(section_summary(part, score.staff)))
    console.print(f"  总分 {two_places(score.total)} · 名次 {score.rank} · "
                  + ("具备评优资格" if score.eligible else "[red]取消评优资格[/red]:" + escape(";".join(score.ineligible_because))))
    by_clause = defaultdict(list)
    for f in ev.findings:
        if f.unit == uid and (only is None or f.clause == only):
            by_clause[f.clause].append(f)
    facts = ev.decisions.facts
    excluded = defaultdict(list)           # derived fact -> the records it did not count (R8), from the log
    for d in ev.decisions.of(uid, kinds=("excluded",)):
        excluded[d.derived_from].append(d)
    withheld = defaultdict(list)           # clause -> awards another rule replaced (R7): said, never silent
    for d in ev.decisions.of(uid, only, kinds=("withheld",)):
        withheld[d.clause].append(d)
        by_clause.setdefault(d.clause, [])
    rules = {r.id: r for r in ev.policy.rules}
    for clause_id in sorted(by_clause, key=ev.policy.clause_order.get):
        c = ev.policy.clauses[clause_id]
        total = sum((f.points for f in by_clause[clause_id]), Decimal(0))
        console.print()
        console.print(f"[bold]{c.id} {c.title}[/bold]  {signed(total)} 分  [dim]({sections[c.section].title})[/dim]")
        console.print(f"  [dim]办法原文:{escape(c.text)}[/dim]")
        for ruling in c.rulings:
            console.print(f"  [dim]裁定 {ruling} {ev.policy.policy.rulings[ruling].title}:{escape(ev.policy.policy.rulings[ruling].text)}[/dim]")
        for f in by_clause[clause_id]:
            rule = rules[f.rule]
            console.print(f"  • 规则 [cyan]{f.rule}[/cyan]({rule.rule.title}):{escape(f.explanation)}  [bold]{signed(f.points)}[/bold]")
            if f.source_unit:
                role = ev.policy.policy.labels.fields.get(rule.rule.credit, "")
                console.print(f"    由 {escape(ev.factset.units[f.source_unit].name)} 的事实记给本机构"
                              + (f"(本机构是其{escape(role)})" if role else ""))
            if f.derived_from:
                derived = facts[f.derived_from]
                assert isinstance(derived, DerivedFact)
                console.print(f"    派生:{escape(fact_summary(ev, derived))}")  # its id is internal: never shown
                for d in excluded.get(f.derived_from, ()):
                    fid = d.fact_id
                    console.print(f"      不计入 {fid} {escape(fact_summary(ev, facts[fid]))}  [dim]{escape(where(ev, fid))}[/dim]")
            for fid in f.evidence:
                console.print(f"    依据 {fid} {escape(fact_summary(ev, facts[fid]))}  [dim]{escape(where(ev, fid))}[/dim]")
        for d in withheld.get(clause_id, ()):
            console.print(f"  • [yellow]扣留[/yellow] 规则 [cyan]{d.rule}[/cyan]({d.compiled.rule.title}):本应 "
                          f"{signed(d.rate * d.quantity)} 分,由规则 {d.by.id}({d.by.rule.title})取代,不计分")
            console.print(f"    依据 {d.fact_id} {escape(fact_summary(ev, facts[d.fact_id]))}  [dim]{escape(where(ev, d.fact_id))}[/dim]")
    if not by_clause:
        console.print(f"\n{escape(score.name)}在{'条款 ' + only if only else '各条款'}没有认定。"
                      f"可用 `evaluator why-not {ev.factset.path} --unit {score.name} --clause <条款>` 查看原因。")
