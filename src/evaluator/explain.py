"""`evaluator explain`: from any point on the scorecard to its clause, rule, arithmetic and input lines."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from rich.console import Console
from rich.markup import escape

from .derive import DerivedFact
from .describe import fact_summary, find_clause, find_unit, where
from .evaluate import Evaluation
from .numbers import signed, two_places


def facts_by_id(ev: Evaluation) -> dict[str, object]:
    found: dict[str, object] = {f.id: f for f in ev.factset.facts}
    found.update({d.id: d for d in ev.derived})
    return found


def print_explanation(ev: Evaluation, unit: str, clause: str | None, console: Console) -> None:
    uid = find_unit(ev, unit)
    only = find_clause(ev, clause) if clause else None
    score = next(s for s in ev.scorecard.units if s.unit == uid)
    sections = ev.policy.policy.sections
    console.print(f"[bold]{escape(score.name)}[/bold]({uid})· 实际工作人员 {score.staff} 人 · {ev.factset.year} 年 · 考核办法 {ev.policy.id}")
    console.print(f"  {sections['common'].title} {two_places(score.common_score)}(扣分 {two_places(score.common_deductions)},"
                  f"满分 {sections['common'].full_marks},最低 {sections['common'].floor})")
    console.print(f"  {sections['annual'].title} {two_places(score.annual_score)}(未完成 {score.annual_missed} 项)")
    console.print(f"  {sections['daily'].title} {two_places(score.daily_score)}(累计积分 {two_places(score.daily_points)}"
                  f" ÷ {score.staff} 人,四舍五入保留两位小数)")
    console.print(f"  总分 {two_places(score.total)} · 名次 {score.rank} · "
                  + ("具备评优资格" if score.eligible else "[red]取消评优资格[/red]:" + escape(";".join(score.ineligible_because))))
    by_clause = defaultdict(list)
    for f in ev.findings:
        if f.unit == uid and (only is None or f.clause == only):
            by_clause[f.clause].append(f)
    facts = facts_by_id(ev)
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
                console.print(f"    由 {escape(ev.factset.units[f.source_unit].name)} 的事实记给本机构(credit: {rule.rule.credit})")
            if f.derived_from:
                derived = facts[f.derived_from]
                assert isinstance(derived, DerivedFact)
                console.print(f"    派生:{escape(fact_summary(ev, derived))}")  # its id (person_leave:…) is internal
                for fid in derived.not_counted:
                    console.print(f"      不计入 {fid} {escape(fact_summary(ev, facts[fid]))}  [dim]{escape(where(ev, fid))}[/dim]")
            for fid in f.evidence:
                console.print(f"    依据 {fid} {escape(fact_summary(ev, facts[fid]))}  [dim]{escape(where(ev, fid))}[/dim]")
    if not by_clause:
        console.print(f"\n{escape(score.name)}在{'条款 ' + only if only else '各条款'}没有认定。"
                      f"可用 `evaluator why-not {ev.factset.path} --unit {score.name} --clause <条款>` 查看原因。")
