"""The evaluator's work for the workbench: a roster read, one unit's file checked and scored
under the year's roster, the units' latest files merged and scored. Nothing here knows HTTP."""
from __future__ import annotations

import dataclasses
import re
import secrets
import shutil
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator, Optional

import yaml

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.domain.numbers import plain
from evaluator.domain.policy.registry import choose_policy, versions
from evaluator.errors import SUBJECT_WORDS, Cell, FactSetError, Problem, column_letter
from evaluator.i18n import language
from evaluator.inputs.ledger.layout import REVIEW_SHEET
from evaluator.inputs.ledger.merge import merge_submissions
from evaluator.views.reports.labels import rule_titles
from evaluator.web.store import Store


Progress = Optional[Callable[..., None]]         # (stage, done=0, total=0)


class MergeFailed(Exception):
    """The units' files do not merge: every problem, and the files as the users know them."""

    def __init__(self, problems, labels: dict[str, str]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems
        self.labels = labels


class WrongUnit(Exception):
    """The file is another unit's (its 机构 sheet lists another unit)."""


@contextmanager
def scratch(store: Store) -> Iterator[Path]:
    """A private folder under DIR/tmp for files being read; removed afterwards."""
    folder = store.tmp / secrets.token_hex(8)
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


ROSTER_WORDS = "本年度名册"


def submission_words(unit_name: str, original_name: str = "") -> str:
    """A unit's file as sources and notices name it on the pages: whose it is and the upload's own
    name (办公厅提交的台账(办公厅 2024.xlsx)), never the scratch copy the merge reads."""
    return f"{unit_name}提交的台账" + (f"({original_name})" if original_name else "")


def in_workbench_words(notices: list) -> None:
    """Notices that tell a command-line user what to type, said as the workbench does it instead:
    a ledger's 审查调整 sheet is applied there with `--review FILE`; here the working group enters
    adjustments on its own page. In place: the list is the merged fact set's, which reports read."""
    for index, notice in enumerate(notices):
        if notice.code == "review-sheet":
            notices[index] = dataclasses.replace(notice, message=(
                f"“{REVIEW_SHEET}”表中有考核工作组的调整;报送的台账中的调整不计入评分,"
                "如需调整请由考核工作组在“考核工作组审查”页面录入"))


def file_stem(unit: str, index: int = 0) -> str:
    """The scratch copy's name: safe on any disk, never shown (submission_words names it on the pages)."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", unit)[:40] or "unit"
    return f"{stem}-{index}" if index else stem


def policies_for(year: int) -> tuple[list[str], str | None]:
    """The policy ids a year may be assessed under, and the one its year picks."""
    with language("zh"):
        known = versions()
        try:
            default = choose_policy(year, None).id
        except Exception:
            default = None
    return [v.id for v in known], default


def problem_rows(problems: list[Problem], files: dict[str, str]) -> list[dict]:
    """(工作表, 行, 列, 说明) for the page, with the file named as the user knows it."""
    rows = []
    for p in problems:
        shown_file = files.get(Path(p.file).name, files.get(p.file, Path(p.file).name))
        sheet = row = column = ""
        if isinstance(p.line, Cell):
            sheet, row = p.line.sheet, str(p.line.row)
            if p.line.column is not None:
                column = column_letter(p.line.column) + (f"({p.line.header})" if p.line.header else "")
        elif isinstance(p.line, int):
            row = str(p.line)
        subject = []
        if p.fact_id:
            subject.append(f"{SUBJECT_WORDS.get(p.subject, SUBJECT_WORDS['fact'])} {p.fact_id}")
        if p.field and not (isinstance(p.line, Cell) and p.line.header):
            subject.append(f"字段“{p.field_label or p.field}”")
        text = ",".join(subject) + ":" + p.message if subject else p.message
        rows.append({"file": shown_file, "sheet": sheet, "row": row, "column": column, "message": text, "code": p.code})
    return rows


def read_roster(path: Path, year: int, policy_id: str) -> tuple[list[dict], list[str], bytes]:
    """The roster's units, what to say about it, and the roster as the workbench keeps it:
    a YAML fact set of the year and policy with the units only."""
    with language("zh"):
        choose_policy(year, policy_id)                 # an unknown policy: UsageError
        factset = load_factset(path)
        units = [u.model_dump() for u in factset.units.values()]
        said = [str(n) for n in factset.notices]
        if not units:
            raise FactSetError([Problem(str(path), None, "名册中没有机构(机构表为空)", "no-units")])
        if factset.year != year:
            said.append(f"名册文件写的是 {factset.year} 年度,已按 {year} 年度使用其中的机构")
        if factset.facts:
            said.append(f"名册文件中的 {len(factset.facts)} 条记录不作为任何机构的报送,只使用其中的机构")
    kept = yaml.safe_dump({"year": year, "policy": policy_id, "units": units, "facts": []},
                          allow_unicode=True, sort_keys=False).encode("utf-8")
    return units, said, kept


def _money(value: Decimal) -> str:
    return plain(value)


def score_row(s) -> dict:
    """A unit's scores for the pages: one column per section score (and a per-staff section's points
    before it), headed as the policy names the section, in its order."""
    from evaluator.views.reports.columns import BRIEF, columns, title
    sections = {p.id: p.section for p in s.sections}
    cells = [{"title": title(sections[c.section], "zh") if c.role == "score" else c.heading, "short": c.short,
              "value": _money(c.value(s))} for c in columns(sections, "zh", BRIEF)]
    return {"unit": s.unit, "name": s.name, "staff": s.staff, "rank": s.rank, "columns": cells,
            "total": _money(s.total), "eligible": s.eligible, "ineligible_because": list(s.ineligible_because)}


def _unit_result(merged, ev, unit: str) -> dict:
    policy = ev.policy
    names = {u.id: u.name for u in ev.factset.units.values()}
    titles = rule_titles(ev)   # staff read a rule's title; its id is a key of the file
    findings = []
    for f in ev.findings:
        if f.unit != unit:
            continue
        clause = policy.clauses.get(f.clause)
        sources = []
        for fact_id in f.evidence:
            origin = merged.origins.get(fact_id)
            if origin is not None:
                sources.append(origin.where or fact_id)
            else:
                sources.append(fact_id)
        findings.append({"clause": f.clause, "title": getattr(clause, "title", "") if clause else "", "rule": f.rule,
                         "rule_title": titles.get((f.clause, f.rule), ""), "points": _money(f.points), "explanation": f.explanation, "sources": "、".join(sources)})
    score = next(score_row(s) for s in ev.scorecard.units if s.unit == unit)
    notices = [str(n.message) for n in ev.notices if n.unit in (None, unit, names.get(unit))]
    return {"score": score, "findings": findings, "notices": notices, "policy": policy.id}


def check_unit_file(store: Store, year: dict, unit: str, content: bytes, ext: str) -> dict:
    """One unit's own file, read and scored with the year's roster: FactSetError, WrongUnit or the result."""
    roster = store.file_path(year["roster_sha"], "yaml")
    with language("zh"), scratch(store) as folder:
        path = folder / f"{file_stem(unit)}.{ext}"
        path.write_bytes(content)
        names = {u["id"]: u["name"] for u in year["units"]}
        merged = merge_submissions([path], roster, labels={roster: ROSTER_WORDS, path: submission_words(names.get(unit, unit))})
        in_workbench_words(merged.notices)
        submitted = merged.submissions[1].unit
        if submitted != unit:
            raise WrongUnit(f"这个文件是“{names.get(submitted, submitted)}”的台账(机构表中列的是它),"
                            f"不是“{names.get(unit, unit)}”的;请上传本机构的台账")
        ev = evaluate(merged.factset, merged.policy)
        return _unit_result(merged, ev, unit)


def merge_latest(store: Store, year: dict, progress: Progress = None):
    """The units' latest valid files merged under the year's roster: the merge, or MergeFailed."""
    latest = store.latest_submissions(year["year"])
    roster = store.file_path(year["roster_sha"], "yaml")
    names = {u["id"]: u["name"] for u in year["units"]}
    tell = progress or (lambda stage, done=0, total=0: None)
    with language("zh"), scratch(store) as folder:
        paths, labels, said = [], {}, {roster: ROSTER_WORDS}
        for index, (unit, sub) in enumerate(sorted(latest.items())):
            if unit not in names:
                continue                                # a unit no longer on the roster
            path = folder / f"{file_stem(unit, index)}.{sub['ext']}"
            shutil.copyfile(store.file_path(sub["sha256"], sub["ext"]), path)
            paths.append(path)
            labels[path.name] = f"{names[unit]}:{sub['original_name']}"
            said[path] = submission_words(names[unit], sub["original_name"])
        tell("读取台账", 0, len(paths))

        def read(done: int, total: int) -> None:
            tell("读取台账", done, total)
            if done == total:
                tell("合并")                      # every file read: what is left is joining them
        try:
            merged = merge_submissions(paths, roster, read, labels=said)
        except FactSetError as exc:
            raise MergeFailed(exc.problems, labels) from None
        in_workbench_words(merged.notices)
    return merged, latest, names, labels


def run_year(store: Store, year: dict, progress: Progress = None) -> tuple[object, dict, dict[str, str]]:
    """The units' latest valid files merged and scored: (evaluation, summary, file labels) or MergeFailed.
    `progress(stage, done, total)` is told each stage as it starts (jobs.py shows them)."""
    merged, latest, names, labels = merge_latest(store, year, progress)
    if progress:
        progress("评分")
    with language("zh"):
        ev = evaluate(merged.factset, merged.policy)
    summary = {"policy": ev.policy.id, "units": [score_row(s) for s in ev.scorecard.units],
               "recommended": [names.get(u, u) for u in ev.scorecard.recommended],
               "notices": [str(n.message) for n in ev.notices], "used": sorted(u for u in latest if u in names),
               "findings": len(ev.findings), "facts": len(ev.factset.facts)}
    return ev, summary, labels


def render_reports(ev) -> dict[str, bytes]:
    """The run's reports. The HTML report and the workbook are the workbench's: they name the ledgers and the review in
    words, not by the server's copies of them (reports.served.Served)."""
    from evaluator.views.formats import RUN
    from evaluator.views.reports import html, xlsx
    from evaluator.views.reports.served import Served
    served = Served(facts=f"{ev.factset.year} 年度各机构最新提交的台账", review="考核工作组在工作台录入的审查调整")
    with language("zh"):
        return {"html": html.render(ev, "zh", served=served), "xlsx": xlsx.render(ev, "zh", served=served),
                "json": RUN["json"].rendered(ev, "zh")}
