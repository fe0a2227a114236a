"""The scorecard as a table in the terminal (rich)."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evaluator.domain.evaluate import Evaluation
from evaluator.domain.numbers import two_places
from evaluator.views.reports.columns import BRIEF, columns, notes


def print_scorecard(ev: Evaluation, console: Console) -> None:
    policy = ev.policy.policy
    stage = f"(中期,截至 {ev.factset.as_of.isoformat()})" if ev.factset.as_of else \
        f"({ev.stage_name}{'稿' if not ev.draft else ' · 征求意见稿'})"
    table = Table(title=f"{ev.factset.year} 年度目标责任考核{stage} · {policy.title}", title_justify="left")
    # Short headers: the table must stay readable in an 80-column terminal.
    sections = columns(policy.sections, "zh", BRIEF)
    table.add_column("名次", justify="right", no_wrap=True)
    table.add_column("机构", justify="left")
    table.add_column("人数", justify="right", no_wrap=True)
    for column in sections:
        table.add_column(escape(column.short), justify="right", no_wrap=True)
    table.add_column("总分", justify="right", no_wrap=True)
    table.add_column("评优", justify="left", no_wrap=True)
    for s in ev.scorecard.units:
        table.add_row(str(s.rank), escape(s.name), str(s.staff),
                      *(two_places(c.value(s)) if c.number else str(c.value(s)) for c in sections),
                      f"[bold]{two_places(s.total)}[/bold]", "具备" if s.eligible else "[red]取消[/red]")
    console.print(table)
    console.print(f"[dim]{escape(','.join(notes(policy.sections)))}[/dim]")
    for s in ev.scorecard.units:
        for reason in s.ineligible_because:
            console.print(f"[red]{s.name} 取消评优资格:[/red]{reason}")
    if ev.review is not None:
        from evaluator.domain.review import adjustment_lines
        console.print(f"审查调整({ev.review.review.path}):")
        for line in adjustment_lines(ev):
            console.print("  " + line, markup=False)
    names = {s.unit: s.name for s in ev.scorecard.units}
    console.print("评优建议(按名次):" + "、".join(names[u] for u in ev.scorecard.recommended))
    if ev.stage is not None:
        console.print(f"{ev.stage.name}:{ev.stage.decision}({ev.stage.date.isoformat()})", markup=False)
    # the explain command that shows these same points: with the review and the day they were scored with
    same = (f" --review {ev.review.review.path}" if ev.review else "") + (
        f" --as-of {ev.factset.as_of.isoformat()}" if getattr(ev.factset, "as_of", None) else "")
    console.print(f"[dim]{len(ev.findings)} 条认定 · 事实 {len(ev.factset.facts)} 条 · "
                  f"`evaluator explain {ev.factset.path}{same} --unit <机构>` 查看每一分的来源[/dim]")
