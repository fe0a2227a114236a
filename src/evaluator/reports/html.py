"""The HTML report: one self-contained file to read on screen and print as an A4 通报.

The ranking with award eligibility, the unit x clause matrix of point sums, and a
drill-down per unit (<details>) to its findings with the clause's wording, the rule,
the points, the explanation and the evidence facts with their line in the input file;
and, when there are any, the warnings (提示) on what is valid but probably a mistake.
No external links, fonts, images or scripts: the template carries its own CSS.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

import jinja2

from .. import __version__
from ..evaluate import Evaluation
from ..findings import Finding
from .labels import labels, located, matrix, rule_titles, score

TEMPLATE = "report.html.j2"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("evaluator", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass
class ClauseGroup:
    id: str
    title: str
    text: str
    requirements: str
    rulings: list[str]
    total: Decimal
    findings: list[dict[str, Any]] = field(default_factory=list)


def _sign(value: Decimal) -> str:
    return "neg" if value < 0 else "pos" if value > 0 else "zero"


def _groups(ev: Evaluation, findings: Iterable[Finding], names: dict[str, str], t: dict[str, str]) -> list[ClauseGroup]:
    """A unit's findings by clause, in the policy's clause order (findings are sorted so)."""
    titles = rule_titles(ev)
    rules = {(r.clause.id, r.id): r.rule for r in ev.policy.rules}
    lines = ev.factset.lines
    groups: dict[str, ClauseGroup] = {}
    for f in findings:
        clause = ev.policy.clauses[f.clause]
        group = groups.get(f.clause)
        if group is None:
            group = groups[f.clause] = ClauseGroup(clause.id, clause.title, clause.text.strip(),
                                                   clause.requirements.strip(), list(clause.rulings), Decimal(0))
        rule = rules.get((f.clause, f.rule))
        for ruling in (rule.rulings if rule else ()):
            if ruling not in group.rulings:
                group.rulings.append(ruling)
        group.total += f.points
        group.findings.append({
            "rule": f.rule, "rule_title": titles.get((f.clause, f.rule), ""),
            "points": score(f.points), "sign": _sign(f.points), "explanation": f.explanation,
            "evidence": [{"id": e, "line": lines.get(e), "shown": located(t, lines[e]) if e in lines else "",
                          "source": ev.factset.sources.get(e, "")} for e in f.evidence],
            "source_unit": names.get(f.source_unit, f.source_unit) if f.source_unit else None,
            "disqualifies": f.disqualifies, "id": f.id,
        })
    return list(groups.values())


# The warnings section (提示): what is valid but probably a mistake, for the office to check.
WARNING_LABELS = {
    "zh": {"title": "提示", "note": "以下情况不影响计分,但可能是录入遗漏或错误,请核对台账。",
           "code": "代码", "unit": "单位", "message": "提示内容", "where": "位置", "all": "—"},
    "en": {"title": "Warnings", "note": "These do not change any score but may be a mistake or an omission "
                                        "in the ledger; please check.",
           "code": "Code", "unit": "Unit", "message": "Warning", "where": "Where", "all": "—"},
}


def _warnings(ev: Evaluation, names: dict[str, str], lang: str) -> list[dict[str, str]]:
    everyone = WARNING_LABELS.get(lang, WARNING_LABELS["zh"])["all"]
    return [{"code": n.code, "unit": names.get(n.unit, n.unit) if n.unit else everyone,
             "message": n.message, "where": n.where or ""} for n in getattr(ev, "notices", ())]


def context(ev: Evaluation, lang: str = "zh", open_units: Iterable[str] = ()) -> dict[str, Any]:
    """Everything the template shows, numbers already written with 2 decimals."""
    t = labels(lang)
    policy = ev.policy.policy
    card = ev.scorecard
    names = {u.id: u.name for u in ev.factset.units.values()}
    recommended = set(card.recommended)
    opened = set(open_units)
    sums = matrix(ev)
    by_unit: dict[str, list[Finding]] = defaultdict(list)
    for f in ev.findings:
        by_unit[f.unit].append(f)

    sections = []
    for key, section in policy.sections.items():
        clauses = [c for c in policy.clauses if c.section == key]
        if clauses:
            sections.append({"key": key, "title": t[key], "clauses": [{"id": c.id, "title": c.title} for c in clauses]})
    clause_ids = [c["id"] for s in sections for c in s["clauses"]]

    units = []
    used_rulings: set[str] = set()
    for s in card.units:
        cells = sums.get(s.unit, {})
        groups = _groups(ev, by_unit.get(s.unit, ()), names, t)
        for g in groups:
            used_rulings.update(g.rulings)
        units.append({
            "unit": s.unit, "name": s.name, "staff": s.staff, "rank": s.rank,
            "common_deductions": score(s.common_deductions), "common_score": score(s.common_score),
            "annual_missed": s.annual_missed, "annual_deductions": score(s.annual_deductions),
            "annual_score": score(s.annual_score), "daily_points": score(s.daily_points),
            "daily_score": score(s.daily_score), "total": score(s.total),
            "eligible": s.eligible, "ineligible_because": s.ineligible_because,
            "recommended": s.unit in recommended, "open": s.unit in opened,
            "matrix": [{"clause": c, "value": score(cells[c]) if c in cells else "",
                        "sign": _sign(cells[c]) if c in cells else "none"} for c in clause_ids],
            "raw_sum": score(sum(cells.values(), Decimal(0))),
            "groups": [{**g.__dict__, "total": score(g.total), "sign": _sign(g.total)} for g in groups],
            "count": sum(len(g.findings) for g in groups),
        })
    order = list(policy.rulings)
    rulings = [{"id": r, "title": policy.rulings[r].title, "text": policy.rulings[r].text.strip()}
               for r in order if r in used_rulings]
    return {
        "t": t, "lang": "zh-CN" if lang == "zh" else lang,
        "title": t["title"].format(year=ev.factset.year)
                 + (t["mid_year"].format(day=ev.factset.as_of.isoformat()) if ev.factset.as_of else ""),
        "subtitle": t["subtitle"].format(policy_title=policy.title, policy=ev.policy.id),
        "year": ev.factset.year, "policy_id": ev.policy.id, "facts_file": ev.factset.path,
        "facts_sha256": ev.factset.sha256[:12], "policy_sha256": ev.policy.sha256[:12],
        "version": __version__, "units": units, "sections": sections,
        "recommended": [names.get(u, u) for u in card.recommended],
        "ineligible": [u for u in units if not u["eligible"]],
        "rulings": rulings, "ruling_titles": {r: policy.rulings[r].title for r in order},
        "list_sep": "、" if lang == "zh" else ", ",
        "warnings": _warnings(ev, names, lang), "w": WARNING_LABELS.get(lang, WARNING_LABELS["zh"]),
        "review": _review(ev, names, lang),
    }


def _review(ev: Evaluation, names: dict[str, str], lang: str) -> dict[str, Any] | None:
    """The working group's adjustments (审查调整) and each finding they changed, before → after."""
    if ev.review is None:
        return None
    from ..i18n import language
    from ..review import adjustment_lines
    with language(lang):
        lines = adjustment_lines(ev)
    changes = [{"unit": names.get(c.unit, c.unit), "clause": c.clause, "rule": c.rule, "before": score(c.before),
                "after": score(c.after), "adjustments": "、".join(c.adjustments)} for c in ev.review.changes]
    return {"file": ev.review.review.path, "sha256": ev.review.review.sha256[:12], "lines": lines, "changes": changes,
            "title": "审查调整" if lang == "zh" else "Review adjustments",
            "headers": (["机构", "条款", "规则", "调整前", "调整后", "调整"] if lang == "zh"
                        else ["Unit", "Clause", "Rule", "Before", "After", "Adjustments"])}


def render(ev: Evaluation, lang: str = "zh", *, open_units: Iterable[str] = ()) -> bytes:
    """The report as UTF-8 HTML; `open_units` are unit ids whose drill-down starts open."""
    html = _environment().get_template(TEMPLATE).render(**context(ev, lang, open_units))
    return html.encode("utf-8")
