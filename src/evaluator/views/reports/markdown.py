"""The Markdown report: the ranking table, then each unit's findings."""
from __future__ import annotations

from evaluator.domain.evaluate import Evaluation
from evaluator.views.reports.columns import RANKING, columns, formula
from evaluator.views.reports.labels import labels, located, rule_titles, score


def _cell(value: object) -> str:
    """Table cell text: a pipe or a line break would break the row."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _subtotal(part, staff: int, lang: str) -> str:
    """共性得分 38.60(共性扣分 -1.40), 日常得分 10.81(日常积分 151.30 ÷ 14)."""
    score_column, raw_column = (next(c for c in columns({part.id: part.section}, lang) if c.role == role)
                                for role in ("score", "raw"))
    raw = f"{raw_column.heading} {score(part.points)}" + (f" ÷ {staff}" if part.section.per_staff else "")
    return f"{score_column.heading} {score(part.score)}({raw})"


def render(ev: Evaluation, lang: str = "zh") -> bytes:
    t = labels(lang)
    policy = ev.policy.policy
    card = ev.scorecard
    recommended = set(card.recommended)
    titles = rule_titles(ev)
    ranking = columns(policy.sections, lang, RANKING)
    out: list[str] = [
        f"# {t['title'].format(year=ev.factset.year)}",
        "",
        t["subtitle"].format(policy_title=policy.title, policy=ev.policy.id) + "  ",
        f"{t['facts_file']}{t['colon']}`{ev.factset.path}`",
        "",
        f"## {t['ranking']}",
        "",
        _row([t["rank"], t["name"], t["unit"], t["staff"], *(c.heading for c in ranking), t["total"],
              t["eligibility"], t["recommended"]]),
        "|" + "---:|" + ":---|" * 2 + "---:|" * (len(ranking) + 2) + ":---|" * 2,
    ]
    for s in card.units:
        cells = [score(c.value(s)) if c.number else c.value(s) for c in ranking]
        out.append(_row([s.rank, s.name, s.unit, s.staff, *cells,
                         score(s.total), t["eligible"] if s.eligible else t["ineligible"],
                         t["yes"] if s.unit in recommended else ""]))
    out += ["", formula(policy.sections, lang), ""]
    names = {s.unit: s.name for s in card.units}
    joined = ("、" if lang == "zh" else ", ").join(names[u] for u in card.recommended)
    out.append(f"**{t['recommended_units']}**{t['colon']}{joined or t['none']}")
    ineligible = [s for s in card.units if not s.eligible]
    if ineligible:
        out += ["", f"**{t['ineligible_units']}**{t['colon']}", ""]
        for s in ineligible:
            for reason in s.ineligible_because:
                out.append(f"- {s.name}({s.unit}){t['colon']}{reason}")
    out += ["", f"## {t['drilldown']}", ""]

    by_unit: dict[str, list] = {s.unit: [] for s in card.units}
    for f in ev.findings:
        by_unit.setdefault(f.unit, []).append(f)
    for s in card.units:
        out += [f"### {s.rank}. {s.name}({s.unit}) {t['total']} {score(s.total)}", ""]
        out.append(" · ".join(_subtotal(part, s.staff, lang) for part in s.sections))
        out.append("")
        findings = by_unit.get(s.unit, [])
        if not findings:
            out += [t["no_findings"], ""]
            continue
        out.append(_row([t["clause"], t["rule"], t["points"], t["evidence"], t["explanation"]]))
        out.append("|:---|:---|---:|:---|:---|")
        for f in findings:
            clause = ev.policy.clauses[f.clause]
            rule = titles.get((f.clause, f.rule), "")
            evidence = " ".join(f"{e}({located(t, ev.factset.lines[e])})" if e in ev.factset.lines
                                else e for e in f.evidence)
            explanation = f.explanation
            if f.source_unit:
                explanation += "(" + t["credited_from"].format(unit=names.get(f.source_unit, f.source_unit)) + ")"
            out.append(_row([f"{clause.id} {clause.title}", f"{f.rule} {rule}".strip(), score(f.points),
                             evidence, explanation]))
        out.append("")
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")
