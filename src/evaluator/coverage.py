"""`evaluator coverage`: which clauses fired this year, for whom, and which no scenario documents."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .evaluate import Evaluation
from .numbers import signed


@dataclass
class ClauseCoverage:
    clause: str
    title: str
    points_by_unit: dict[str, Decimal]
    findings: int
    scenarios: int


def documented_clauses(features: Path) -> dict[str, int]:
    """Scenario cases per @clause-<id> tag (each outline row counts once)."""
    from .livingdoc import read_features
    counts: dict[str, int] = defaultdict(int)
    for feature in read_features(features):
        for scenario in feature.scenarios:
            for clause in scenario.clauses:
                counts[clause] += max(1, len(scenario.cases))
    return counts


def clause_coverage(ev: Evaluation, features: Path | None) -> list[ClauseCoverage]:
    documented = documented_clauses(features) if features and features.is_dir() else {}
    points: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    count: dict[str, int] = defaultdict(int)
    for f in ev.findings:
        points[f.clause][f.unit] += f.points
        count[f.clause] += 1
    return [ClauseCoverage(c.id, c.title, dict(points.get(c.id, {})), count.get(c.id, 0), documented.get(c.id, 0))
            for c in ev.policy.policy.clauses]


def print_coverage(ev: Evaluation, features: Path | None, console: Console) -> None:
    rows = clause_coverage(ev, features)
    names = {u.id: u.name for u in ev.factset.units.values()}
    table = Table(title=f"{ev.factset.year} 年条款覆盖 · {ev.policy.id}", title_justify="left")
    for header in ("条款", "标题", "认定", "机构及分值", "场景"):
        table.add_column(header, no_wrap=header in ("条款", "认定", "场景"))
    for row in rows:
        units = "、".join(f"{names.get(u, u)} {signed(p)}" for u, p in sorted(row.points_by_unit.items()))
        table.add_row(row.clause, escape(row.title), str(row.findings), escape(units) or "[yellow]本年度无[/yellow]",
                      str(row.scenarios) if features else "-")
    console.print(table)
    silent = [r.clause for r in rows if not r.findings]
    console.print(f"本年度没有任何机构认定的条款({len(silent)}):" + ("、".join(silent) or "无"))
    if features:
        undocumented = [r.clause for r in rows if not r.scenarios]
        console.print(f"没有场景说明的条款({len(undocumented)}):" + ("、".join(undocumented) or "无"))
