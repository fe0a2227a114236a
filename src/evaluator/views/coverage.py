"""`evaluator coverage`: which clauses fired this year, for whom, and which no scenario documents.

A view of the evaluation's decision log: per clause, its findings and points per unit, and how
many of its decisions gave nothing (zero quantity, silent by design), were withheld (R7), left a
record out (R8) or missed a threshold narrowly."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evaluator.domain.decisions import KINDS
from evaluator.domain.evaluate import Evaluation
from evaluator.domain.numbers import signed


# The decisions that gave nothing, as the working group calls them (the log's kinds, decisions.py).
KIND_HEADINGS = {"zero": "数量为零", "silent": "认定不计分", "withheld": "扣留", "excluded": "不计入", "near_miss": "差一点"}


@dataclass
class ClauseCoverage:
    clause: str
    title: str
    points_by_unit: dict[str, Decimal]
    findings: int
    scenarios: int
    decisions: dict[str, int] = field(default_factory=dict)   # kind -> how many (decisions.KINDS)


def documented_clauses(features: Path) -> dict[str, int]:
    """Scenario cases per @clause-<id> tag (each outline row counts once)."""
    from evaluator.views.livingdoc import read_features
    counts: dict[str, int] = defaultdict(int)
    for feature in read_features(features):
        for scenario in feature.scenarios:
            for clause in scenario.clauses:
                counts[clause] += max(1, len(scenario.cases))
    return counts


def clause_coverage(ev: Evaluation, features: Path | None) -> list[ClauseCoverage]:
    documented = documented_clauses(features) if features else {}   # a folder not there: read_features says so
    points: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for f in ev.findings:
        points[f.clause][f.unit] += f.points
    counts = ev.decisions.counts()
    return [ClauseCoverage(c.id, c.title, dict(points.get(c.id, {})), counts[c.id]["awarded"] if c.id in counts else 0,
                           documented.get(c.id, 0), dict(counts[c.id]) if c.id in counts else dict.fromkeys(KINDS, 0))
            for c in ev.policy.policy.clauses]


def print_coverage(ev: Evaluation, features: Path | None, console: Console) -> None:
    rows = clause_coverage(ev, features)
    names = {u.id: u.name for u in ev.factset.units.values()}
    table = Table(title=f"{ev.factset.year} 年条款覆盖 · {ev.policy.policy.title}", title_justify="left")
    for header in ("条款", "标题", "计分", "未计分的认定", "机构及分值", "场景"):
        table.add_column(header, no_wrap=header in ("条款", "计分", "场景"))
    for row in rows:
        units = "、".join(f"{names.get(u, u)} {signed(p)}" for u, p in sorted(row.points_by_unit.items()))
        others = "、".join(f"{heading} {row.decisions[k]}" for k, heading in KIND_HEADINGS.items() if row.decisions.get(k))
        table.add_row(row.clause, escape(row.title), str(row.findings), others,
                      escape(units) or "[yellow]本年度无[/yellow]", str(row.scenarios) if features else "-")
    console.print(table)
    silent = [r.clause for r in rows if not r.findings]
    console.print(f"本年度没有任何机构认定的条款({len(silent)}):" + ("、".join(silent) or "无"))
    if features:
        undocumented = [r.clause for r in rows if not r.scenarios]
        console.print(f"没有场景说明的条款({len(undocumented)}):" + ("、".join(undocumented) or "无"))
