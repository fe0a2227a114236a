"""The HTML report: one self-contained file to read on screen and print as an A4 通报.

The ranking with award eligibility, the unit x clause matrix of point sums, and a
drill-down per unit (<details>) to its findings with the clause's wording, the rule,
the points, the explanation and the evidence facts with their line in the input file;
and, when there are any, the warnings (提示) on what is valid but probably a mistake.
No external links, fonts, images or scripts: the template carries its own CSS and one
small inline script (a link to a unit or a clause opens the drill-down it points into).

Printed (A4), the first page's header says the stage (征求意见稿 until the result is
approved, then 审定稿) and the print date, every page is numbered 第 N 页 共 M 页, the matrix
prints on landscape pages in column groups that each fit a page, every unit's findings
print whether open or not, and an approval block (审查 / 党组研究 / 审定) closes the report.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

import datetime as dt

import jinja2

from evaluator import __version__
from evaluator.domain.evaluate import Evaluation
from evaluator.domain.findings import Finding
from evaluator.views.reports.columns import RANKING, columns, formula, title as section_title
from evaluator.views.reports.labels import labels, located, matrix, matrix_groups, rule_titles, score
from evaluator.views.reports.served import Served

TEMPLATE = "report.html.j2"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("evaluator.views", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass
class ClauseGroup:
    anchor: str        # the element id a matrix cell links to: unit/clause
    id: str
    title: str
    text: str
    requirements: str
    rulings: list[str]
    total: Decimal
    findings: list[dict[str, Any]] = field(default_factory=list)


def anchor(unit: str, clause: str) -> str:
    """The id of a unit's findings under a clause in the drill-down (a finding row's id is the finding's id)."""
    return f"{unit}/{clause}"


def css_string(text: str) -> str:
    """`text` as a CSS string literal, for the page's margin boxes (safe inside <style>: no quote, no `<`)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ") + '"'


def page_counter(template: str) -> str:
    """第 {page} 页 共 {pages} 页 as the content of a page margin box."""
    parts = []
    for piece in re.split(r"(\{pages?\})", template):
        if piece in ("{page}", "{pages}"):
            parts.append(f"counter({piece[1:-1]})")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


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
            group = groups[f.clause] = ClauseGroup(anchor(f.unit, clause.id), clause.id, clause.title, clause.text.strip(),
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
           "code": "代码", "kind": "类别", "unit": "单位", "message": "提示内容", "where": "位置", "all": "—"},
    "en": {"title": "Warnings", "note": "These do not change any score but may be a mistake or an omission "
                                        "in the ledger; please check.",
           "code": "Code", "kind": "Kind", "unit": "Unit", "message": "Warning", "where": "Where", "all": "—"},
}


def _warnings(ev: Evaluation, names: dict[str, str], lang: str) -> list[dict[str, str]]:
    everyone = WARNING_LABELS.get(lang, WARNING_LABELS["zh"])["all"]
    return [{"code": n.code, "kind": n.title, "unit": names.get(n.unit, n.unit) if n.unit else everyone,
             "message": n.message, "where": n.where or ""} for n in getattr(ev, "notices", ())]


def _matrix_groups(ev: Evaluation, t: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """The matrix's column groups, each with its section headers ((续) where a section goes on)."""
    clauses = ev.policy.clauses
    sections = ev.policy.policy.sections
    seen: set[str] = set()
    out = []
    for ids in matrix_groups(ev):
        spans: list[dict[str, Any]] = []
        for cid in ids:
            key = clauses[cid].section
            if spans and spans[-1]["key"] == key:
                spans[-1]["count"] += 1
            else:
                spans.append({"key": key, "title": section_title(sections[key], lang) + (t["continued"] if key in seen else ""), "count": 1})
                seen.add(key)
        out.append({"spans": spans, "clauses": [{"id": c, "title": clauses[c].title} for c in ids]})
    return out


def _cell(value: Any, number: bool) -> dict[str, Any]:
    """A ranking cell: a score or points written as on a scorecard, a count as it is."""
    return {"value": score(value) if number else value, "neg": number and value < 0}


def _subtotal(part, staff: int, lang: str) -> dict[str, str]:
    """A section's line in a unit's drill-down: its raw points (÷ staff where it is divided) and score."""
    raw = score(part.points) + (f" ÷ {staff}" if part.section.per_staff else "")
    return {"title": section_title(part.section, lang), "raw": raw, "score": score(part.score)}


def _matrix_note(ev: Evaluation, t: dict[str, str], lang: str) -> str:
    """The matrix's note; it names the sections whose points are still to be divided by staff."""
    divided = [section_title(s, lang) for s in ev.policy.policy.sections.values() if s.per_staff]
    joined = ("、" if lang == "zh" else ", ").join(divided)
    return t["matrix_note"].format(per_staff=t["matrix_per_staff"].format(sections=joined) if divided else "")


def _stage(ev: Evaluation, t: dict[str, str]) -> dict[str, Any]:
    """The stage as the report prints it, and the approval block's lines."""
    stage = ev.stage
    steps = []
    for key, label in (("审查", "step_review"), (None, "step_party"), ("审定", "step_approve")):
        filled = stage is not None and key is not None and stage.name == key
        steps.append({"label": t[label], "decision": stage.decision if filled else "",
                      "date": stage.date.isoformat() if filled else t["blank_date"], "filled": filled})
    return {"label": t["draft"] if ev.draft else t["approved_copy"], "draft": ev.draft, "name": ev.stage_name,
            "decision": stage.decision if stage is not None else "",
            "date": stage.date.isoformat() if stage is not None else "",
            "sha256": (stage.sha256 or "")[:12] if stage is not None else "", "steps": steps}


def context(ev: Evaluation, lang: str = "zh", open_units: Iterable[str] = (),
            today: dt.date | None = None, served: Served | None = None) -> dict[str, Any]:
    """Everything the template shows, numbers already written with 2 decimals.

    `today` is the print date the report carries (by default the day it is rendered; the page's
    script puts the day it is actually printed)."""
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

    ranking = columns(policy.sections, lang, RANKING)
    sections = []
    for key, section in policy.sections.items():
        clauses = [c for c in policy.clauses if c.section == key]
        if clauses:
            sections.append({"key": key, "title": section_title(section, lang), "clauses": [{"id": c.id, "title": c.title} for c in clauses]})
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
            "ranking": [_cell(column.value(s), column.number) for column in ranking],
            "subtotals": [_subtotal(part, s.staff, lang) for part in s.sections],
            "total": score(s.total),
            "eligible": s.eligible, "ineligible_because": s.ineligible_because,
            "recommended": s.unit in recommended, "open": s.unit in opened,
            "matrix": {c: {"clause": c, "value": score(cells[c]) if c in cells else "",
                           "sign": _sign(cells[c]) if c in cells else "none",
                           "href": "#" + anchor(s.unit, c) if c in cells else ""} for c in clause_ids},
            "raw_sum": score(sum(cells.values(), Decimal(0))),
            "groups": [{**g.__dict__, "total": score(g.total), "sign": _sign(g.total)} for g in groups],
            "count": sum(len(g.findings) for g in groups),
        })
    order = list(policy.rulings)
    rulings = [{"id": r, "title": policy.rulings[r].title, "text": policy.rulings[r].text.strip()}
               for r in order if r in used_rulings]
    title = t["title"].format(year=ev.factset.year) + (
        t["mid_year"].format(day=ev.factset.as_of.isoformat()) if ev.factset.as_of else "")
    stage = _stage(ev, t)
    today = today or dt.date.today()
    return {
        "t": t, "lang": "zh-CN" if lang == "zh" else lang,
        "title": title, "stage": stage, "printed": today.isoformat(),
        "css": {"title": css_string(title), "stage": css_string(stage["label"]), "pages": page_counter(t["page_of"])},
        "matrix_groups": _matrix_groups(ev, t, lang),
        "ranking_columns": ranking, "score_formula": formula(policy.sections, lang),
        "matrix_note": _matrix_note(ev, t, lang),
        "subtitle": t["subtitle_served" if served else "subtitle"].format(policy_title=policy.title, policy=ev.policy.id),
        "year": ev.factset.year, "policy_id": policy.title if served else ev.policy.id,
        "facts_file": served.facts if served else ev.factset.path,
        "facts_heading": t["facts_served" if served else "facts_file"], "served": served is not None,
        "facts_sha256": ev.factset.sha256[:12], "policy_sha256": ev.policy.sha256[:12],
        "version": __version__, "units": units, "sections": sections,
        "recommended": [names.get(u, u) for u in card.recommended],
        "ineligible": [u for u in units if not u["eligible"]],
        "rulings": rulings, "ruling_titles": {r: policy.rulings[r].title for r in order},
        "list_sep": "、" if lang == "zh" else ", ",
        "warnings": _warnings(ev, names, lang), "w": WARNING_LABELS.get(lang, WARNING_LABELS["zh"]),
        "review": _review(ev, names, lang, served),
    }


def _review(ev: Evaluation, names: dict[str, str], lang: str, served: Served | None = None) -> dict[str, Any] | None:
    """The working group's adjustments (审查调整) and each finding they changed, before → after."""
    if ev.review is None:
        return None
    from evaluator.domain.review import adjustment_lines
    from evaluator.i18n import language
    with language(lang):
        lines = adjustment_lines(ev)
    changes = [{"unit": names.get(c.unit, c.unit), "clause": c.clause, "rule": c.rule, "before": score(c.before),
                "after": score(c.after), "adjustments": "、".join(c.adjustments)} for c in ev.review.changes]
    return {"file": served.review if served else ev.review.review.path, "sha256": ev.review.review.sha256[:12], "lines": lines, "changes": changes,
            "title": "审查调整" if lang == "zh" else "Review adjustments",
            "headers": (["机构", "条款", "规则", "调整前", "调整后", "调整"] if lang == "zh"
                        else ["Unit", "Clause", "Rule", "Before", "After", "Adjustments"])}


def render(ev: Evaluation, lang: str = "zh", *, open_units: Iterable[str] = (), today: dt.date | None = None,
           served: Served | None = None) -> bytes:
    """The report as UTF-8 HTML; `open_units` are unit ids whose drill-down starts open; `served`
    when the workbench serves it."""
    html = _environment().get_template(TEMPLATE).render(**context(ev, lang, open_units, today, served))
    return html.encode("utf-8")
