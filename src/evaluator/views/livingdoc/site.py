"""The living-documentation site: the method, its rulings and the Chinese scenarios, clause by clause.

`build_site` reads the features with the Gherkin parser (keeping the AST: descriptions, data
tables, doc strings, Examples tables with their tags), groups the scenarios by their
`@clause-<id>` tags, marks every scenario and outline row with its outcome from the results
file that tests/scenario_results.py writes, and renders a self-contained site: index.html
plus one page per section of the method (and other.html for scenarios that name no clause of
the policy). Inline CSS only; no scripts, no external links, fonts or images.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from evaluator import __version__
from evaluator.domain.numbers import plain, signed
from evaluator.domain.policy import CompiledPolicy
from evaluator.domain.policy.model import Clause, Rule
from evaluator.domain.policy.render import condition_text
from evaluator.i18n import language
from evaluator.views.output import write_atomically

OTHER_PAGE = "other.html"
from evaluator.views.livingdoc.features import STATUS_LABELS, Feature, Scenario, read_features
from evaluator.views.livingdoc.results import read_results


# --- the policy, as shown ----------------------------------------------------------------------
@dataclass
class Tally:
    scenarios: int = 0
    cases: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    not_run: int = 0

    def add(self, scenario: Scenario) -> None:
        self.scenarios += 1
        for case in scenario.cases:
            self.cases += 1
            if case.status == "passed":
                self.passed += 1
            elif case.status == "failed":
                self.failed += 1
            elif case.status == "skipped":
                self.skipped += 1
            else:
                self.not_run += 1

    @property
    def status(self) -> str | None:
        if not self.cases:
            return "none"
        if self.failed:
            return "failed"
        if self.passed == self.cases:
            return "passed"
        if self.not_run == self.cases:
            return None
        return "mixed"


@dataclass
class ClauseView:
    clause: Clause
    page: str
    parameters: list[dict[str, str]]
    rules: list[dict[str, str]]
    rulings: list[str]
    scenarios: list[Scenario]
    tally: Tally
    by_feature: dict[str, int]

    @property
    def id(self) -> str:
        return self.clause.id

    @property
    def anchor(self) -> str:
        return f"clause-{self.clause.id}"


@dataclass
class Part:
    id: str
    title: str
    feature: Feature | None
    clauses: list[ClauseView]


@dataclass
class SectionView:
    key: str
    page: str
    number: str
    title: str
    facts: list[str]                   # full marks, floor, per staff ...
    rulings: list[str]
    feature: Feature | None
    parts: list[Part]
    tally: Tally

    @property
    def clauses(self) -> list[ClauseView]:
        return [c for p in self.parts for c in p.clauses]


def _number(value: Any, parameters: dict[str, Any], show=plain) -> str:
    """A number of a rule as written: a literal, or a `$parameter` with its value and its title
    (+5(大型研修加分)): the site's readers know a parameter by its name, not its id."""
    if isinstance(value, str) and value.startswith("$"):
        p = parameters.get(value[1:])
        return f"{show(p.value)}({p.title})" if p is not None else value
    return show(Decimal(value)) if isinstance(value, (Decimal, int, float)) else str(value)


def _field(policy: CompiledPolicy, name: str) -> str:
    return policy.policy.labels.fields.get(name, name)


def _type(policy: CompiledPolicy, fact: str) -> str:
    """The Chinese name of a fact type, or of a derived fact (个人全年计入请假天数)."""
    if fact in policy.policy.labels.types:
        return policy.policy.labels.types[fact]
    return next((d.title for d in policy.policy.derivations if d.type == fact), fact)


def _per(policy: CompiledPolicy, per: Any, parameters: dict[str, Any]) -> str:
    if isinstance(per, dict):
        if "excess" in per:
            return f"{_field(policy, per['excess'])}超过 {_number(per.get('over'), parameters)} 的部分"
        if "size_of" in per:
            return f"{_field(policy, per['size_of'])}的项数"
        return json.dumps(per, ensure_ascii=False, default=str)
    return f"按{_field(policy, per)}"


def _credit(policy: CompiledPolicy, credit: str) -> str:
    return "本机构" if credit == "unit" else f"{_field(policy, credit)}"


def _rule_row(policy: CompiledPolicy, clause: Clause, rule: Rule) -> dict[str, str]:
    params = clause.parameters
    compiled = policy.rules_by_key[f"{clause.id}/{rule.id}"]   # its conditions as parsed: the words of render.py
    notes = []
    if rule.replaces:   # a rule of the same clause (load.py checks it), named as the table names it: by its title
        replaced = next(r for r in clause.rules if r.id == rule.replaces)
        notes.append(f"取代“{replaced.title}”")
    if rule.disqualifies:
        notes.append("取消评优资格")
    if rule.silent:
        notes.append("只作判定,不写认定")
    return {
        "id": rule.id, "title": rule.title,
        "fact": _type(policy, rule.fact), "fact_id": rule.fact,
        "when": condition_text(compiled.condition, rule.fact, policy),
        "joins": ";".join(f"同{'、'.join(_field(policy, s) for s in j.same)}的"
                          f"{_type(policy, j.fact)}"
                          + (f"({condition_text(j.condition, j.fact, policy)})" if j.condition.tests or j.condition.any_of else "")
                          for j in compiled.joins),
        "points": _number(rule.points, params, signed),
        "per": _per(policy, rule.per, params),
        "credit": _credit(policy, rule.credit),
        "rulings": "、".join(rule.rulings),
        "notes": ",".join(notes),
    }


def _rule_rows(policy: CompiledPolicy, clause: Clause) -> list[dict[str, str]]:
    with language("zh"):  # the site is written in Chinese, whatever language the command speaks
        return [_rule_row(policy, clause, r) for r in clause.rules]


def _part_of(clause_id: str, section_number: str) -> str | None:
    """4.3.1 for clause 4.3.1.1 in section 4.3; None when the clause sits right under its section."""
    parts, depth = clause_id.split("."), len(section_number.split("."))
    return ".".join(parts[:depth + 1]) if len(parts) >= depth + 2 else None


# --- the site ----------------------------------------------------------------------------------
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evaluator.views", "templates/site"),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["placeholders"] = _placeholders
    env.filters["status_class"] = lambda s: s or "not-run"
    return env


def _placeholders(text: str) -> Markup:
    """Step text with the outline's <参数> marked up."""
    out = []
    for piece in re.split(r"(<[^<>\s][^<>]*>)", text):
        if piece.startswith("<") and piece.endswith(">") and len(piece) > 2:
            out.append(Markup('<span class="param">{}</span>').format(piece))
        else:
            out.append(escape(piece))
    return Markup("").join(out)


def build_site(policy: CompiledPolicy, features: Path, results: Path | None, out: Path) -> list[Path]:
    """Render the site into `out`; returns the pages written, index.html first."""
    features = Path(features)
    docs = read_features(features)
    outcome = read_results(Path(results) if results is not None else None)
    # Outcomes of another policy, or of a feature file as it was before an edit, are not shown
    # as this site's: those scenarios stay 未运行, and the index says why.
    applies = outcome.applies_to(policy.sha256)
    for feature in docs:
        if not applies or not outcome.current(feature.path, hashlib.sha256((features / feature.path).read_bytes()).hexdigest()):
            continue
        for s in feature.scenarios:
            if s.examples:
                for ex in s.examples:
                    for row in ex.rows:
                        outcome.mark(feature.path, s.name, row, ex.header)
            elif s.single:
                outcome.mark(feature.path, s.name, s.single, None)

    p = policy.policy
    sections_of = {key: f"{key}.html" for key in p.sections}
    scenarios_by_clause: dict[str, list[Scenario]] = defaultdict(list)
    loose: list[Scenario] = []          # no clause of this policy
    unknown: dict[str, list[Scenario]] = defaultdict(list)
    for feature in docs:
        for s in feature.scenarios:
            known = [c for c in s.clauses if c in policy.clauses]
            for c in s.clauses:
                if c not in policy.clauses:
                    unknown[c].append(s)
            for c in known:
                scenarios_by_clause[c].append(s)
            if not known:
                loose.append(s)

    ruling_text = {rid: r for rid, r in p.rulings.items()}
    clause_views: dict[str, ClauseView] = {}
    for clause in p.clauses:
        cited = list(dict.fromkeys([*clause.rulings, *(r for rule in clause.rules for r in rule.rulings)]))
        tally = Tally()
        by_feature: dict[str, int] = defaultdict(int)
        for s in scenarios_by_clause[clause.id]:
            tally.add(s)
            by_feature[s.feature.path] += 1
        clause_views[clause.id] = ClauseView(
            clause, sections_of.get(clause.section, ""),
            [{"title": prm.title, "value": plain(prm.value), "unit": prm.unit, "text": prm.text}
             for prm in clause.parameters.values()],
            _rule_rows(policy, clause),
            [r for r in cited if r in ruling_text], scenarios_by_clause[clause.id], tally, dict(by_feature))

    by_number = {f.stem_number: f for f in docs if f.stem_number}
    sections: list[SectionView] = []
    for key, section in p.sections.items():
        parts: dict[str | None, Part] = {}
        for clause in p.clauses:
            if clause.section != key:
                continue
            part_id = _part_of(clause.id, section.clause)
            if part_id not in parts:
                feature = by_number.get(part_id) if part_id else None
                parts[part_id] = Part(part_id or "", feature.name if feature else (part_id or ""), feature, [])
            parts[part_id].clauses.append(clause_views[clause.id])
        facts = []
        if section.full_marks is not None:
            facts.append(f"满分 {plain(section.full_marks)} 分")
        if section.floor is not None:
            facts.append(f"最低 {plain(section.floor)} 分")
        if section.per_staff:
            facts.append("累计积分 ÷ 实际工作人员人数")
        if section.round_places is not None:
            facts.append(f"四舍五入保留 {section.round_places} 位小数")
        tally = Tally()
        seen = set()
        for part in parts.values():
            for cv in part.clauses:
                for s in cv.scenarios:
                    if id(s) not in seen:
                        seen.add(id(s))
                        tally.add(s)
        sections.append(SectionView(key, sections_of[key], section.clause, section.title, facts,
                                    [r for r in section.rulings if r in ruling_text],
                                    by_number.get(section.clause), list(parts.values()), tally))

    # rulings: who cites them
    cited_by: dict[str, dict[str, Any]] = {rid: {"clauses": [], "sections": [], "other": [], "scenarios": 0}
                                           for rid in p.rulings}
    for cv in clause_views.values():
        for rid in cv.rulings:
            cited_by[rid]["clauses"].append(cv)
    for sv in sections:
        for rid in sv.rulings:
            cited_by[rid]["sections"].append(sv)
    for rid in p.awards.rulings:
        if rid in cited_by:
            cited_by[rid]["other"].append("评优")
    for d in p.derivations:
        for rid in d.rulings:
            if rid in cited_by:
                cited_by[rid]["other"].append(d.title)
    all_scenarios = [s for f in docs for s in f.scenarios]
    for s in all_scenarios:
        for rid in set(s.rulings):
            if rid in cited_by:
                cited_by[rid]["scenarios"] += 1

    total = Tally()
    for s in all_scenarios:
        total.add(s)
    feature_rows = []
    for f in docs:
        t = Tally()
        for s in f.scenarios:
            t.add(s)
        feature_rows.append((f, t))

    pages = [{"file": sv.page, "title": f"{sv.number} {sv.title}"} for sv in sections]
    other_page = bool(loose or unknown)
    if other_page:
        pages.append({"file": OTHER_PAGE, "title": "其他场景"})
    common = {
        "policy": p, "policy_id": policy.id, "sha": policy.sha256[:12], "version": __version__,
        "pages": pages, "results": outcome, "total": total, "ruling_text": ruling_text,
        "features_count": len(docs), "status_labels": STATUS_LABELS,
        "clause_pages": {cid: cv.page for cid, cv in clause_views.items()},
        "tag_word": lambda tag: tag_word(p, tag),
    }
    env = _environment()
    out = Path(out)
    written: list[Path] = []

    def write(name: str, template: str, **context: Any) -> None:
        html = env.get_template(template).render(**common, **context, current=name)
        write_atomically(out / name, html)
        (out / name).chmod(0o644)  # a page to be served or shared, not a private temporary file
        written.append(out / name)

    write("index.html", "index.html.j2", sections=sections, clauses=list(clause_views.values()),
          features=feature_rows, cited_by=cited_by, other_page=other_page,
          loose_count=len(loose), unknown=unknown)
    for sv in sections:
        write(sv.page, "section.html.j2", section=sv, loose=[], unknown={})
    if other_page:
        write(OTHER_PAGE, "section.html.j2", section=None, loose=loose, unknown=dict(unknown))
    return written


def tag_word(policy, tag: str) -> str:
    """A scenario's tag as a chip reads it: `@clause-4.1.2` → 条款 4.1.2, `@ruling-R1` → 裁定 R1,
    `@section-daily` → the section's title; any other tag as written in the feature file."""
    family, _, rest = tag.lstrip("@").partition("-")
    if family == "clause" and rest:
        return f"条款 {rest}"
    if family == "ruling" and rest:
        return f"裁定 {rest}"
    if family == "section" and rest in policy.sections:
        return policy.sections[rest].title
    if family == "warning":
        from evaluator.domain.completeness import TITLES
        if rest in TITLES:
            return f"提示:{TITLES[rest]}"
    return _TAG_WORDS.get(tag, tag)


# The features' other tags, as the site's chips read them.
_TAG_WORDS = {"@boundary": "边界情形", "@completeness": "完整性提示", "@scorecard": "总分与名次",
              "@policy-revision": "办法修订", "@policy-change": "办法变化"}
